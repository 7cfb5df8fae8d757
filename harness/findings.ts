/**
 * Distinct findings of one validation: when two failures are "the same"
 * (counted, not saved again), and the table a run ends with.
 */
import type { Finding } from './judge.ts';

/**
 * Two failures are the same finding when they are of the same kind, in the
 * same aspect, at the same operation, at a step that exercised the same
 * rules (the spec's `Step.rules` of the failing step). The call sequence
 * around it does not matter: a bug reached by two routes is one bug.
 */
export function findingKey(f: Finding, rules: readonly string[]): string {
  return [f.kind, f.aspect ?? '-', f.call?.op ?? '-', [...rules].sort().join(',') || '-'].join('|');
}

export interface FindingRow {
  readonly index: number;
  readonly rules: readonly string[];
  readonly kind: string;
  readonly aspect: string | null;
  readonly calls: number;
  readonly occurrences: number;
  readonly shrunk: boolean;
  readonly file: string | null;
}

/** `#  rules  finding  calls  seen  file`, one row per distinct finding. */
export function formatFindingsTable(rows: readonly FindingRow[]): string {
  const header = ['#', 'rules', 'finding', 'calls', 'seen', 'file'];
  const cells = rows.map((r) => [
    String(r.index),
    r.rules.length > 0 ? r.rules.join(' ') : '(unattributed)',
    `${r.kind}${r.aspect !== null ? ` in ${r.aspect}` : ''}`,
    `${r.calls}${r.shrunk ? '' : ' (not shrunk)'}`,
    String(r.occurrences),
    r.file ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
