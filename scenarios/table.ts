/**
 * A scenario run as the table a glibc maintainer reads: one line per row
 * (the call, what came back, the graph's objects in each namespace after
 * it), the rows that did not hold marked with why.
 */
import { formatCall } from '../model/call.ts';
import type { Observation } from '../model/observation.ts';
import { formatEntries, formatResultExpectation } from './check.ts';
import { rowHolds, runHolds, type RowVerdict, type ScenarioRun } from './run.ts';

/** The graph's objects of every namespace that holds one: `0: libnorm.so  1: libnorm.so(proxy)`. */
function after(o: Observation, names: ReadonlySet<string>): string {
  const parts = o.namespaces
    .map((v) => ({ ns: v.ns, entries: v.entries.filter((e) => names.has(e.object)) }))
    .filter((v) => v.entries.length > 0)
    .map((v) => `${v.ns}: ${formatEntries(v.entries)}`);
  return parts.length === 0 ? '-' : parts.join('  ');
}

function why(r: RowVerdict): string[] {
  const lines: string[] = [];
  if (r.observed === null) lines.push('not run: the implementation stopped before this row');
  if (r.finding !== null) lines.push(`implementation departs from the spec (${r.finding.kind}${r.finding.aspect ? ` in ${r.finding.aspect}` : ''}): ${r.finding.message}`);
  if (r.table !== null) lines.push(`implementation breaks the table: ${r.table}`);
  if (r.spec !== null) lines.push(`the spec disagrees with the table: ${r.spec}`);
  return lines;
}

export function formatScenarioRun(run: ScenarioRun, file: string, impl: string): string {
  const names = new Set(run.scenario.graph.dsos.map((d) => d.name));
  const header = ['row', 'call', 'result', 'after (graph objects by namespace)'];
  const cells = run.rows.map((r) => {
    const o = r.observed;
    return [String(r.index), formatCall(run.scenario.rows[r.index]!.call, r.index), o ? formatResultExpectation(o.result) : '(none)', o ? after(o, names) : '(none)'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (mark: string, c: readonly string[]) => `${mark} ${c.map((x, i) => (i === 0 ? x.padStart(widths[0]!) : x.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const out = [`${run.scenario.name}: ${file} on ${impl}, profile ${run.profile}`];
  if (run.scenario.about !== undefined) out.push(`  ${run.scenario.about}`);
  out.push(line(' ', header), line(' ', widths.map((w) => '-'.repeat(w))));
  run.rows.forEach((r, i) => {
    const held = rowHolds(r);
    out.push(line(held ? ' ' : '>', cells[i]!));
    if (!held) for (const w of why(r)) out.push(`${' '.repeat(widths[0]! + 4)}^ ${w}`);
  });
  if (run.finding !== null && run.finding.step >= run.rows.length) out.push(`  after the last row: ${run.finding.message}`);
  const failed = run.rows.filter((r) => !rowHolds(r)).length;
  out.push(runHolds(run) ? `HOLDS: all ${run.rows.length} rows` : `DOES NOT HOLD: ${failed} of ${run.rows.length} rows`);
  return out.join('\n');
}
