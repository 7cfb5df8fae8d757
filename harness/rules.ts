/**
 * Per-rule tallies for coverage tables: how many steps exercised each rule
 * (Step.rules, recorded by the spec code that implements each rule) and how
 * many failures are attributed to it.
 */

export interface RuleCount {
  /** Steps that exercised the rule (for an invariant: steps it was checked after). */
  exercised: number;
  /** Failures attributed to it: invariant violations, or divergences at a step that exercised it. */
  failures: number;
}

export type RuleCounts = Record<string, RuleCount>;

export function bump(counts: RuleCounts, rules: Iterable<string>, field: keyof RuleCount, by = 1): void {
  for (const r of rules) {
    const c = (counts[r] ??= { exercised: 0, failures: 0 });
    c[field] += by;
  }
}

/** An invariant that is no rule of CONFORMANCE.md's step rules: its count is of steps checked. */
export function isInvariantOnly(rule: string): boolean {
  return rule.startsWith('INV-');
}

export function mergeCounts(into: RuleCounts, from: RuleCounts): RuleCounts {
  for (const [r, c] of Object.entries(from)) {
    bump(into, [r], 'exercised', c.exercised);
    bump(into, [r], 'failures', c.failures);
  }
  return into;
}

/**
 * Rule IDs in reading order: by family (NS, MODE, LOAD, CLOSE, ..., S, INV-),
 * then by number.
 */
export function compareRules(a: string, b: string): number {
  const key = (r: string) => {
    const m = /^(.*?)(\d+)?$/.exec(r)!;
    const family = m[1]!;
    const order = family.startsWith('INV') ? 3 : family === 'S' ? 2 : 1;
    return { order, family, n: m[2] === undefined ? -1 : Number(m[2]) };
  };
  const x = key(a);
  const y = key(b);
  return x.order - y.order || x.family.localeCompare(y.family) || x.n - y.n || a.localeCompare(b);
}
