/**
 * Sweeps (harness/sweep.ts): a budget split into shards, each run on its
 * own, merges into exactly the whole's results, findings included (each
 * shrunk from its lowest index); a missing shard is an error, not a smaller
 * matrix.
 */
import { describe, expect, test } from 'vitest';
import { MODEL_MUTANTS } from '../mutants/models.ts';
import { ModelMutantImplementation } from '../mutants/mutant.ts';
import { mergeSweeps, shardBlock, sweep, type SweepOptions } from './sweep.ts';

const mutant = MODEL_MUTANTS.find((m) => m.profile === 'glibc' && m.audit !== true)!;
const options = (shard: SweepOptions['shard']): SweepOptions => ({
  profile: null,
  chooseProfile: () => 'glibc',
  runs: 120,
  seed: 31,
  shard,
  avoidKnownBugs: true,
  outDir: null,
  stem: 'test',
  impl: `mutant:${mutant.name}`,
  implOptions: {},
});

describe('sweeps', () => {
  test('shard blocks cover the budget once, in order', () => {
    for (const count of [1, 3, 7, 120, 200]) {
      const blocks = Array.from({ length: count }, (_, i) => shardBlock(120, { index: i + 1, count }));
      expect(blocks[0]!.from).toBe(0);
      expect(blocks[count - 1]!.to).toBe(120);
      for (let i = 1; i < count; i++) expect(blocks[i]!.from).toBe(blocks[i - 1]!.to);
    }
  });

  test(`the shards of a sweep merge into the whole sweep, findings included (${mutant.name})`, async () => {
    const impl = new ModelMutantImplementation(mutant);
    const whole = await sweep(impl, options(null));
    expect(whole.findings.length, 'the mutant is found').toBeGreaterThan(0);
    const parts = await Promise.all([1, 2, 3].map((index) => sweep(new ModelMutantImplementation(mutant), options({ index, count: 3 }))));
    // Shards may come back in any order, and one may be copied twice.
    const merged = mergeSweeps([parts[2]!, parts[0]!, parts[1]!, parts[0]!].filter((p, i, all) => all.indexOf(p) === i));
    expect(merged).toEqual(mergeSweeps([whole]));
    expect(() => mergeSweeps([parts[0]!, parts[2]!])).toThrow(/sequences 40 to 79 of 120 are in no shard given/);
  });
});
