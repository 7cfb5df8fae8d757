/**
 * The compatibility matrix as one self-contained HTML page (inline CSS, no
 * scripts, no external assets): what a maintainer opens. A cell's details
 * (the loader's message, the range's commit, the steps counted) are its
 * title; known-bug cells link to the bug's section, which has the corpus
 * files and the command that reproduces it on each loader.
 */
import { escapeXml as h } from '../report/xml.ts';
import type { Cell, Matrix } from './build.ts';
import { anchor, columnTitle, href, LEGEND, loadersWith, PROBE_LEGEND, reproCommand, type LinkBase } from './render-common.ts';

const CSS = `
* { box-sizing: border-box; }
body { font-family: system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; color: #24292f; margin: 0; padding: 24px 32px 48px; font-size: 14px; line-height: 1.45; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 15px; margin: 18px 0 4px; }
p.meta { color: #57606a; max-width: 70em; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
td.rule { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap; }
td.c { white-space: nowrap; text-align: center; font-size: 13px; }
td.holds, td.not-affected { background: #dafbe1; color: #116329; }
td.range { background: #ddf4ff; color: #0a3069; }
td.fails { background: #f6f8fa; color: #57606a; }
td.known-bug { background: #fff8c5; color: #7d4e00; font-weight: 600; }
td.diverges, td.unexpected, td.crashes { background: #ffebe9; color: #a40e26; font-weight: 700; }
td.not-reached, td.n\\/a { color: #8c959f; }
td[title] { cursor: help; }
span.verdict-conforms { color: #116329; font-weight: 600; }
span.verdict-differs { color: #a40e26; font-weight: 700; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; overflow-x: auto; }
dl.legend dt { font-weight: 600; float: left; clear: left; width: 16em; }
dl.legend dd { margin-left: 16em; color: #57606a; }
`;

function cellHtml(c: Cell, base: LinkBase): string {
  const [first, ...rest] = c.links;
  // The cell's word is its first link (a known bug's corpus file or its section; a difference's counterexample).
  const text = first === undefined ? h(c.text) : [`<a href="${h(href(first, base))}">${h(c.text)}</a>`, ...rest.map((l) => `<a href="${h(href(l, base))}">${h(l.label)}</a>`)].join(' ');
  const title = c.detail === '' ? '' : ` title="${h(c.detail)}"`;
  return `<td class="c ${h(c.status)}"${title}>${text}</td>`;
}

export function renderHtml(m: Matrix, opts: { readonly base: LinkBase; readonly command: string; readonly preface?: string }): string {
  const { base } = opts;
  const b: string[] = [];
  b.push('<h1>dlmopen compatibility matrix</h1>');
  b.push(
    `<p class="meta">Made by <code>${h(opts.command)}</code>: on each loader ${m.plainRuns} random sequences (seed ${m.seed}) and ${m.auditRuns} more under an audit module, each judged by the spec at the loader's own release, and every known bug's corpus file replayed. Hover a cell for its details.</p>`,
  );
  if (opts.preface !== undefined) b.push(opts.preface);
  b.push('<h2>Loaders</h2><table class="loaders"><thead><tr><th>loader</th><th>release</th><th>profile</th><th>verdict</th><th>known bugs</th></tr></thead><tbody>');
  for (const c of m.columns) {
    const bugs = c.knownBugs.map((x) => `<a href="#${h(anchor(x))}">${h(x)}</a>`).join(', ') || 'none';
    b.push(`<tr><td>${h(columnTitle(c))}</td><td>${h(c.release ?? '?')}</td><td>${h(c.profile ?? '?')}</td><td><span class="verdict-${c.verdict}">${c.verdict === 'conforms' ? 'conforms' : 'DIFFERS'}</span></td><td>${bugs}</td></tr>`);
  }
  b.push('</tbody></table>');
  b.push('<h2>Capabilities (<code>dlmspec probe</code>)</h2>');
  b.push('<p class="meta">What a project that isolates libraries with dlmopen asks first, each checked for real on each loader in a process of its own (<code>dlmspec probe --list</code> says what each check runs).</p>');
  b.push(`<table class="capabilities"><thead><tr><th>capability</th><th>what it checks</th>${m.columns.map((c) => `<th scope="col">${h(columnTitle(c))}</th>`).join('')}</tr></thead><tbody>`);
  for (const r of m.capabilities) b.push(`<tr><td class="rule">${h(r.id)}</td><td>${h(r.title)}</td>${r.cells.map((c) => cellHtml(c, base)).join('')}</tr>`);
  b.push('</tbody></table>');
  b.push('<dl class="legend">', ...PROBE_LEGEND.map(([w, meaning]) => `<dt>${h(w)}</dt><dd>${h(meaning)}</dd>`), '</dl>');
  b.push('<h2>Behaviours and bugs by loader</h2>');
  b.push('<dl class="legend">', ...LEGEND.map(([w, meaning]) => `<dt>${h(w)}</dt><dd>${h(meaning)}</dd>`), '</dl>');
  b.push(`<table class="matrix"><thead><tr><th>rule</th><th>behaviour</th>${m.columns.map((c) => `<th scope="col">${h(columnTitle(c))}</th>`).join('')}</tr></thead>`);
  for (const g of m.groups) {
    b.push(`<tbody><tr><th colspan="${m.columns.length + 2}" scope="rowgroup">${h(g.title)}</th></tr>`);
    for (const r of g.rows) {
      const id = g.title === 'Known loader bugs' ? `<a href="#${h(anchor(r.id))}">${h(r.id)}</a>` : h(r.id);
      b.push(`<tr><td class="rule">${id}</td><td>${h(r.title)}</td>${r.cells.map((c) => cellHtml(c, base)).join('')}</tr>`);
    }
    b.push('</tbody>');
  }
  b.push('</table>');
  b.push('<h2>The known loader bugs</h2>');
  for (const x of m.bugs) {
    b.push(`<section id="${h(anchor(x.id))}"><h3>${h(x.id)}</h3><p>${h(x.title)}.</p>`);
    b.push(`<p>Loaders: ${h(x.loaders)}; ${h(x.fix)}.</p>`);
    if (x.corpus.length > 0) b.push(`<p>Corpus: ${x.corpus.map((f) => `<a href="${h(href({ label: f, kind: 'corpus', target: `corpus/${f}` }, base))}">corpus/${h(f)}</a>`).join(', ')}</p>`);
    if (x.probe !== undefined) b.push(`<p><code>dlmspec probe</code> capability: <code>${h(x.probe)}</code></p>`);
    const where = loadersWith(m, x.id);
    if (where.length > 0) b.push(`<pre>${where.map((c) => `# ${h(columnTitle(c))}\n${h(reproCommand(x, c))}`).join('\n')}</pre>`);
    b.push('</section>');
  }
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>dlmopen compatibility matrix</title><style>${CSS}</style></head><body>\n${b.join('\n')}\n</body></html>\n`;
}
