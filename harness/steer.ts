/**
 * Steering generation towards rules: generated sequences kept only when one
 * of their steps exercises a wanted rule (the spec's step `.rules`), and how
 * often generation reaches each rule at all, so that a rule no generated
 * step reaches is said so rather than silently passed.
 */
import fc from 'fast-check';
import { arbCheckedScenario, type CheckedScenario, type ScenarioOptions } from '../generators/calls.ts';
import type { Step } from '../spec/step.ts';
import { InputError } from './files.ts';

/** How many of `steps` exercise each of `rules`. */
function exercising(steps: readonly Step[], rules: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(rules.map((r) => [r, 0]));
  for (const step of steps) for (const r of step.rules) if (r in counts) counts[r]!++;
  return counts;
}

/** Generated sequences (with their spec runs) of which at least one step exercises one of `rules`. */
export function arbSteeredScenario(opts: ScenarioOptions, rules: readonly string[]): fc.Arbitrary<CheckedScenario> {
  return arbCheckedScenario(opts).filter((c) => Object.values(exercising(c.run.steps, rules)).some((n) => n > 0));
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
  for (const { run } of fc.sample(arbCheckedScenario(opts), { numRuns: samples, seed })) {
    for (const [r, n] of Object.entries(exercising(run.steps, rules))) {
      if (n > 0) tally[r]!.reached++;
      tally[r]!.steps += n;
    }
  }
  return rules.map((rule) => ({ rule, sequences: samples, ...tally[rule]! }));
}

/** Sequences sampled to decide whether each wanted rule is reachable at all: the run's budget, within bounds. */
export const reachSamples = (runs: number): number => Math.min(Math.max(runs, 200), 2000);

/**
 * A `--rule` no generated sequence reaches: bad input (exit 2), since the
 * run cannot do what was asked; said before anything runs, never passed.
 */
export class UnreachableRules extends InputError {
  constructor(readonly rules: readonly string[], readonly profile: string, readonly samples: number, seed: number) {
    super(
      `--rule ${rules.join(', ')}: no generated step reaches ${rules.length === 1 ? 'it' : 'them'} under profile ${profile} (${samples} sequences sampled, seed ${seed}); ${rules.length === 1 ? 'it' : 'they'} cannot be exercised on this implementation (dlmspec rules --reach N shows what generation reaches)`,
    );
  }
}

/**
 * The arbitrary `validate` generates from when steered to `rules`: checked
 * first on a seeded sample so that the filter of `arbSteeredScenario` never
 * waits for a rule generation does not reach (it would never end).
 */
export function steeredArbitrary(opts: ScenarioOptions, rules: readonly string[], runs: number, seed: number): fc.Arbitrary<CheckedScenario> {
  const samples = reachSamples(runs);
  const never = reach(opts, rules, samples, seed).filter((r) => r.steps === 0).map((r) => r.rule);
  if (never.length > 0) throw new UnreachableRules(never, opts.profile, samples, seed);
  return arbSteeredScenario(opts, rules);
}
