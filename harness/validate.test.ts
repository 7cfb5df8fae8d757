import { describe, expect, test } from 'vitest';
import { SpecImplementation } from '../adapters/spec.ts';
import { formatSequence } from '../model/call.ts';
import { validate } from './validate.ts';

describe('validate', () => {
  test('the spec conforms to itself under both profiles', async () => {
    for (const profile of ['glibc', 'rtld-shared'] as const) {
      const v = await validate(new SpecImplementation(profile), { profile, runs: 200, seed: 7 });
      expect(v.counterexample).toBeNull();
      expect(v.runs).toBe(200);
    }
  });

  test('a glibc loader checked against rtld-shared fails with a small shrunk counterexample', async () => {
    const v = await validate(new SpecImplementation('glibc'), { profile: 'rtld-shared', runs: 200, seed: 7 });
    const c = v.counterexample;
    expect(c).not.toBeNull();
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
