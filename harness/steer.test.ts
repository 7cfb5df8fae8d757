/** Steering generation towards rules: every steered sequence exercises one, and reach counts what generation gets to. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runSpec } from '../spec/run.ts';
import { arbSteeredScenario, reach } from './steer.ts';

describe('steering by rule', () => {
  test('every steered sequence has a step exercising a wanted rule', () => {
    const opts = { profile: 'rtld-shared' as const };
    const samples = fc.sample(arbSteeredScenario(opts, ['S4', 'S10']), { numRuns: 15, seed: 7 });
    // Run the spec again on the calls alone: the steered sequences, not the runs they came with, exercise the rules.
    for (const { scenario } of samples) expect(runSpec(opts.profile, scenario.graph, scenario.calls).steps.some((s) => s.rules.some((r) => r === 'S4' || r === 'S10'))).toBe(true);
  });
  test('reach: a rule of the other profile is reached by no generated step', () => {
    const [ns1, s2] = reach({ profile: 'glibc' }, ['NS1', 'S2'], 40, 5);
    expect(ns1!.steps).toBeGreaterThan(0);
    expect(ns1!.reached).toBeLessThanOrEqual(40);
    expect(s2).toEqual({ rule: 'S2', sequences: 40, reached: 0, steps: 0 });
  });
});
