/** The per-rule table of `dlmspec check`, as the terminal shows it. */
import { compareRules, type RuleCounts } from '../harness/rules.ts';

export interface RuleColumn {
  readonly title: string;
  readonly counts: RuleCounts;
}

/** The per-rule table: one row per rule, `exercised/failures` per column. */
export function formatRuleTable(columns: readonly RuleColumn[]): string {
  const rules = [...new Set(columns.flatMap((c) => Object.keys(c.counts)))].sort(compareRules);
  const header = ['rule', ...columns.map((c) => c.title)];
  const rows = rules.map((r) => [
    r,
    ...columns.map((c) => {
      const n = c.counts[r];
      if (n === undefined) return '-';
      return n.failures > 0 ? `FAIL ${n.failures}/${n.exercised}` : String(n.exercised);
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
