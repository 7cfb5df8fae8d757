/**
 * Steering generation towards rules: generated sequences kept only when one
 * of their steps exercises a wanted rule (the spec's step `.rules`), and how
 * often generation reaches each rule at all, so that a rule no generated
 * step reaches is said so rather than silently passed.
 */
import fc from 'fast-check';
import { arbScenario, type Scenario, type ScenarioOptions } from '../generators/calls.ts';
import { runSpec } from '../spec/run.ts';
import { referenceSystem } from '../spec/initial.ts';

/** Steps of the sequence (under the options' profile and system) that exercise each of `rules`. */
export function stepsExercising(opts: ScenarioOptions, s: Scenario, rules: readonly string[]): Record<string, number> {
  const sys = opts.system ?? referenceSystem(opts.profile === 'rtld-shared');
  const counts: Record<string, number> = Object.fromEntries(rules.map((r) => [r, 0]));
  for (const step of runSpec(opts.profile, s.graph, s.calls, sys).steps) for (const r of step.rules) if (r in counts) counts[r]!++;
  return counts;
}

/** Generated sequences of which at least one step exercises one of `rules`. */
export function arbSteeredScenario(opts: ScenarioOptions, rules: readonly string[]): fc.Arbitrary<Scenario> {
  return arbScenario(opts).filter((s) => Object.values(stepsExercising(opts, s, rules)).some((n) => n > 0));
}

export interface Reach {
  readonly rule: string;
  /** Sequences sampled, and how many had a step exercising the rule. */
  readonly sequences: number;
  readonly reached: number;
  /** Steps exercising the rule, over all sampled sequences. */
  readonly steps: number;
}

/** Sample `samples` generated sequences (seeded) and count, per rule, the sequences and steps that exercise it. */
export function reach(opts: ScenarioOptions, rules: readonly string[], samples: number, seed: number): Reach[] {
  const tally = Object.fromEntries(rules.map((r) => [r, { reached: 0, steps: 0 }]));
  for (const s of fc.sample(arbScenario(opts), { numRuns: samples, seed })) {
    for (const [r, n] of Object.entries(stepsExercising(opts, s, rules))) {
      if (n > 0) tally[r]!.reached++;
      tally[r]!.steps += n;
    }
  }
  return rules.map((rule) => ({ rule, sequences: samples, ...tally[rule]! }));
}
