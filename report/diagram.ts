/**
 * The namespaces at a step as an inline SVG picture: one column per
 * namespace, its entries top to bottom in list order, each proxy joined by
 * an arrow to its master in namespace 0 (S2, S13). Entries that the other
 * side of the comparison lacks are outlined in red.
 */
import type { NamespaceView } from '../model/observation.ts';
import { escapeXml } from './xml.ts';

export interface DiagramOptions {
  readonly title: string;
  readonly namespaces: readonly NamespaceView[];
  /** The other side of the comparison (expected vs observed): entries missing there are marked. */
  readonly compareWith?: readonly NamespaceView[];
  /** Names of the loader's own objects (drawn grey). */
  readonly system: ReadonlySet<string>;
}

const COL_W = 186;
const COL_GAP = 32;
/** Width of a character of the diagram's monospace font, in pixels. */
const CHAR_W = 7.3;
const BOX_H = 24;
const BOX_GAP = 6;
const HEAD_H = 26;
const BAND_GAP = 18;
const PAD = 10;
const TITLE_H = 22;
/** Namespaces side by side before the columns wrap into another band. */
const PER_BAND = 5;

const key = (e: { object: string; proxy: boolean }) => `${e.object}\u0000${e.proxy}`;

let diagrams = 0;

export function namespaceDiagram(o: DiagramOptions): string {
  const id = `dg${++diagrams}`;
  const views = o.namespaces.length > 0 ? o.namespaces : [{ ns: 0, entries: [] }];
  // Bands of at most PER_BAND columns; each band as tall as its longest list.
  const bands: (typeof views)[] = [];
  for (let i = 0; i < views.length; i += PER_BAND) bands.push(views.slice(i, i + PER_BAND));
  const bandRows = bands.map((b) => Math.max(1, ...b.map((v) => v.entries.length)));
  const bandH = (rows: number) => HEAD_H + rows * (BOX_H + BOX_GAP) + 4;
  const bandTop: number[] = [];
  let y0 = PAD + TITLE_H;
  for (const rows of bandRows) {
    bandTop.push(y0);
    y0 += bandH(rows) + BAND_GAP;
  }
  const cols = Math.min(PER_BAND, views.length);
  const width = PAD * 2 + cols * COL_W + (cols - 1) * COL_GAP + 8;
  const height = y0 - BAND_GAP + PAD;
  const colX = (i: number) => PAD + 4 + (i % PER_BAND) * (COL_W + COL_GAP);
  const rowY = (i: number, j: number) => bandTop[Math.floor(i / PER_BAND)]! + HEAD_H + j * (BOX_H + BOX_GAP);
  const other = new Map((o.compareWith ?? []).map((v) => [v.ns, new Set(v.entries.map(key))]));
  // Layers, bottom to top: column backgrounds, arrows, entries (arrows pass under the entries they cross).
  const back: string[] = [];
  const parts: string[] = [];
  const arrows: string[] = [];

  back.push(`<text x="${PAD}" y="${PAD + 15}" class="dg-title">${escapeXml(o.title)}</text>`);
  const ns0 = views.findIndex((v) => v.ns === 0);
  views.forEach((v, i) => {
    const x = colX(i);
    const band = Math.floor(i / PER_BAND);
    const top = bandTop[band]!;
    back.push(`<rect x="${x - 4}" y="${top}" width="${COL_W + 8}" height="${bandH(bandRows[band]!)}" rx="6" class="dg-col"/>`);
    back.push(`<text x="${x + COL_W / 2}" y="${top + 17}" text-anchor="middle" class="dg-head">namespace ${v.ns}</text>`);
    v.entries.forEach((e, j) => {
      const y = rowY(i, j);
      const missing = o.compareWith !== undefined && !(other.get(v.ns)?.has(key(e)) ?? false);
      const cls = ['dg-box', e.proxy ? 'dg-proxy' : o.system.has(e.object) ? 'dg-system' : 'dg-real', missing ? 'dg-diff' : ''].filter(Boolean).join(' ');
      const tip = `${e.object} in namespace ${v.ns}${e.proxy ? ' (proxy)' : ''}${missing ? ' (not on the other side)' : ''}`;
      const master = e.proxy && ns0 >= 0 ? views[ns0]!.entries.findIndex((m) => m.object === e.object && !m.proxy) : -1;
      const orphan = e.proxy && master < 0;
      // Proxies are told by their dashed outline and arrow (see the legend); text marks only what is wrong.
      const marks = [missing ? '≠' : '', orphan ? 'no master' : ''].filter(Boolean).join(' ');
      const room = Math.floor((COL_W - 14 - marks.length * CHAR_W - (marks ? 6 : 0)) / CHAR_W);
      parts.push(`<g><title>${escapeXml(tip)}</title><rect x="${x}" y="${y}" width="${COL_W}" height="${BOX_H}" rx="4" class="${cls}"/>`);
      parts.push(`<text x="${x + 7}" y="${y + 16}" class="dg-name">${escapeXml(truncate(e.object, room))}</text>`);
      if (marks) parts.push(`<text x="${x + COL_W - 7}" y="${y + 16}" text-anchor="end" class="dg-difftag">${marks}</text>`);
      parts.push('</g>');
      if (e.proxy) {
        const y1 = y + BOX_H / 2;
        if (master >= 0) {
          const xm = colX(ns0) + COL_W;
          const ym = rowY(ns0, master) + BOX_H / 2;
          if (i % PER_BAND === ns0 % PER_BAND) {
            // Straight below namespace 0: leave by the right edge and come back round.
            arrows.push(`<path d="M ${x + COL_W} ${y1} C ${x + COL_W + 26} ${y1}, ${xm + 26} ${ym}, ${xm + 2} ${ym}" class="dg-arrow" marker-end="url(#${id}-head)"/>`);
          } else {
            const bend = Math.max(30, Math.abs(x - xm) / 2);
            arrows.push(`<path d="M ${x} ${y1} C ${x - bend} ${y1}, ${xm + bend} ${ym}, ${xm + 2} ${ym}" class="dg-arrow" marker-end="url(#${id}-head)"/>`);
          }
        } else {
          arrows.push(`<path d="M ${x} ${y1} L ${x - 20} ${y1}" class="dg-arrow dg-orphan" marker-end="url(#${id}-head-bad)"/>`);
        }
      }
    });
  });
  const defs =
    '<defs>' +
    `<marker id="${id}-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="dg-arrowhead"/></marker>` +
    `<marker id="${id}-head-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="dg-arrowhead-bad"/></marker>` +
    '</defs>';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="dg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(o.title)}">` +
    defs +
    back.join('') +
    arrows.join('') +
    parts.join('') +
    '</svg>'
  );
}

/** Styles of the diagram, for the page's <style>. */
export const DIAGRAM_CSS = `
.dg { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; }
.dg-title { font-family: system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 13px; font-weight: 600; fill: #24292f; }
.dg-col { fill: #f6f8fa; stroke: #d0d7de; }
.dg-head { font-family: system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; font-weight: 600; fill: #57606a; }
.dg-box { stroke: #8c959f; stroke-width: 1; }
.dg-real { fill: #ffffff; }
.dg-system { fill: #eaeef2; }
.dg-proxy { fill: #ddf4ff; stroke: #0969da; stroke-dasharray: 5 3; }
.dg-diff { stroke: #cf222e; stroke-width: 2.5; }
.dg-name { fill: #24292f; }
.dg-difftag { fill: #cf222e; font-weight: 700; }
.dg-arrow { fill: none; stroke: #0969da; stroke-width: 1.5; }
.dg-arrowhead { fill: #0969da; }
.dg-orphan { stroke: #cf222e; }
.dg-arrowhead-bad { fill: #cf222e; }
`;

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
