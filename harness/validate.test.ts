import { describe, expect, test } from 'vitest';
import { SpecImplementation } from '../adapters/spec.ts';
import { formatSequence } from '../model/call.ts';
import { runSpec } from '../spec/run.ts';
import { findingKey } from './findings.ts';
import { judge } from './judge.ts';
import { validate } from './validate.ts';

describe('validate', () => {
  test('the spec conforms to itself under both profiles', async () => {
    for (const profile of ['glibc', 'rtld-shared'] as const) {
      const v = await validate(new SpecImplementation(profile), { profile, runs: 200, seed: 7 });
      expect(v.counterexample).toBeNull();
      expect(v.findings).toEqual([]);
      expect(v.runs).toBe(200);
    }
  });

  test('a glibc loader checked against rtld-shared fails with a small shrunk counterexample', async () => {
    const v = await validate(new SpecImplementation('glibc'), { profile: 'rtld-shared', runs: 200, seed: 7 });
    const c = v.counterexample;
    expect(c).not.toBeNull();
    expect(v.findings).toHaveLength(1);
    expect(c!.calls.length, formatSequence(c!.calls)).toBeLessThanOrEqual(3);
    expect(c!.finding.kind).toBe('divergence');
    expect(c!.path).toMatch(/^\d+(:\d+)*$/);
  });

  test('a failure is replayed exactly from its seed and path', async () => {
    const first = await validate(new SpecImplementation('glibc'), { profile: 'rtld-shared', runs: 200, seed: 11 });
    const again = await validate(new SpecImplementation('glibc'), {
      profile: 'rtld-shared',
      runs: 200,
      seed: first.seed,
      path: first.counterexample!.path!,
    });
    expect(again.counterexample!.calls).toEqual(first.counterexample!.calls);
    expect(again.counterexample!.graph).toEqual(first.counterexample!.graph);
  });
});

describe('past the first finding', () => {
  const run = () => validate(new SpecImplementation('glibc'), { profile: 'rtld-shared', runs: 300, seed: 7, maxFindings: 20 });

  test('one run lists several distinct findings, each shrunk on its own and each replaying to itself', async () => {
    const v = await run();
    expect(v.findings.length).toBeGreaterThanOrEqual(2);
    expect(new Set(v.findings.map((f) => f.key)).size).toBe(v.findings.length);
    expect(v.runs).toBeLessThanOrEqual(300);
    const impl = new SpecImplementation('glibc');
    for (const f of v.findings) {
      const c = f.counterexample;
      expect(f.shrunk).toBe(true);
      expect(c.calls.length).toBe(c.finding.step + 1);
      // Judged again from nothing but the counterexample: its own finding, message included.
      const steps = runSpec('rtld-shared', c.graph, c.calls, c.system).steps;
      const again = judge(steps, await impl.run(c.graph, c.calls));
      expect(again).toEqual(c.finding);
      expect(findingKey(again!)).toBe(f.key);
    }
    // Failures that are a known finding are counted, not listed again.
    expect(v.findings.reduce((n, f) => n + f.occurrences, 0)).toBeGreaterThan(v.findings.length);
  });

  test('the same seed and options give the same findings', async () => {
    const [a, b] = [await run(), await run()];
    expect(b.findings.map((f) => [f.key, f.counterexample.calls, f.counterexample.graph, f.occurrences])).toEqual(
      a.findings.map((f) => [f.key, f.counterexample.calls, f.counterexample.graph, f.occurrences]),
    );
  });

  test('maxFindings bounds the list; the first finding is the one a single-finding run finds', async () => {
    const [one, many] = await Promise.all([
      validate(new SpecImplementation('glibc'), { profile: 'rtld-shared', runs: 300, seed: 7 }),
      validate(new SpecImplementation('glibc'), { profile: 'rtld-shared', runs: 300, seed: 7, maxFindings: 3 }),
    ]);
    expect(many.findings).toHaveLength(3);
    expect(many.findings[0]!.counterexample.calls).toEqual(one.counterexample!.calls);
  });
});
