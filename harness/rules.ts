/**
 * Per-rule tallies for coverage tables: how many steps exercised each rule
 * (Step.rules, spec/rules.ts) and how many failures are attributed to it.
 */
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { Implementation, RunOutcome, SystemInfo } from '../adapters/implementation.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec, type SystemDescription } from '../spec/run.ts';

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

/** The rules exercised by the steps of a sequence, up to and including step `upTo`. */
export function sequenceRules(profile: Profile, graph: DsoGraph, calls: readonly Call[], sys: SystemDescription, upTo = Infinity): string[][] {
  return runSpec(profile, graph, calls, sys)
    .steps.filter((s) => s.index <= upTo)
    .map((s) => [...s.rules]);
}

/**
 * An implementation that tallies, for every run while `counting`, the rules
 * of the steps the implementation got through (its observations), judged
 * under `profile`. Runs are otherwise passed through untouched.
 */
export class TallyingImplementation implements Implementation {
  readonly counts: RuleCounts = {};
  counting = true;
  private sys: SystemDescription | undefined;

  constructor(
    readonly inner: Implementation,
    private readonly profile: Profile,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async hello(): Promise<SystemInfo> {
    const info = await this.inner.hello();
    this.sys ??= { system: info.system, initial: info.initial };
    return info;
  }

  async run(graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome> {
    const outcome = await this.inner.run(graph, calls);
    if (this.counting && this.sys !== undefined) {
      const through = Math.min(outcome.observations.length, calls.length - 1);
      for (const rules of sequenceRules(this.profile, graph, calls, this.sys, through)) bump(this.counts, rules, 'exercised');
    }
    return outcome;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
