import fc from 'fast-check';
import { expect, test } from 'vitest';
import { arbCheckedScenario, arbScenario } from './calls.ts';
import { generatedOnce } from './generated-once.ts';

test("fast-check's run of values sampled ahead gets the very values sampled, equal to a run without, each taken once", () => {
  const plain = fc.sample(arbScenario({ profile: 'rtld-shared' }), { seed: 5, numRuns: 200 });
  const once = generatedOnce(arbCheckedScenario({ profile: 'rtld-shared' }));
  const ahead = fc.sample(once.sampler, { seed: 5, path: '0', numRuns: 200 });
  const checked: unknown[] = [];
  fc.assert(
    fc.property(once.runner, (s) => void checked.push(s)),
    { seed: 5, numRuns: 200 },
  );
  expect(checked.map((s, i) => s === ahead[i])).toEqual(ahead.map(() => true));
  expect(ahead.map((c) => c.scenario)).toEqual(plain);
  // Taken once: a second run generates again (equal values, new objects).
  const again: unknown[] = [];
  fc.assert(
    fc.property(once.runner, (s) => void again.push(s)),
    { seed: 5, numRuns: 200 },
  );
  expect(again.some((s, i) => s === ahead[i])).toBe(false);
  expect(again).toEqual(ahead);
});

test('values sampled from a path reach the runs they are; shrinking is as without them', () => {
  const arb = fc.array(fc.integer(), { maxLength: 12 });
  const failing = (xs: number[]) => !(xs.length >= 10 && xs[0]! > 1000);
  const plain = fc.check(fc.property(arb, failing), { seed: 11, numRuns: 300 });
  // Fails late enough that run 3 is a run, not a shrink step.
  expect(plain.failed && plain.numRuns > 4 && plain.numShrinks > 0).toBe(true);
  const once = generatedOnce(arb);
  const ahead = fc.sample(once.sampler, { seed: 11, path: '3', numRuns: 400 });
  const seen: number[][] = [];
  const shared = fc.check(
    fc.property(once.runner, (xs) => {
      seen.push(xs);
      return failing(xs);
    }),
    { seed: 11, numRuns: 300 },
  );
  expect(seen[3]).toBe(ahead[0]);
  expect([shared.counterexample, shared.counterexamplePath, shared.numRuns, shared.numShrinks]).toEqual([plain.counterexample, plain.counterexamplePath, plain.numRuns, plain.numShrinks]);
});

test('at most `limit` values wait: the oldest are generated again', () => {
  const once = generatedOnce(fc.record({ n: fc.nat() }), 10);
  const ahead = fc.sample(once.sampler, { seed: 2, path: '0', numRuns: 30 });
  const seen: unknown[] = [];
  fc.assert(
    fc.property(once.runner, (v) => void seen.push(v)),
    { seed: 2, numRuns: 30 },
  );
  expect(seen.map((v, i) => v === ahead[i])).toEqual(ahead.map((_, i) => i >= 20));
  expect(seen).toEqual(ahead);
});
