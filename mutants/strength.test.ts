import { describe, expect, test } from 'vitest';
import { MODEL_MUTANTS, MUTANTS, findMutant } from './index.ts';
import { measure, subjectOf } from './strength.ts';

/**
 * The suite's power, guarded in `npm test`: a handful of fast mutants, each
 * validated with the strength benchmark's budget and seed, must be killed
 * with a small shrunk counterexample. `npm run strength` measures them all.
 */
describe('suite strength', () => {
  test('the mutant library: at least 20 model mutants over both profiles, at least 4 shims, every one named once with its rule', () => {
    expect(MODEL_MUTANTS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(MODEL_MUTANTS.map((m) => m.profile))).toEqual(new Set(['glibc', 'rtld-shared']));
    expect(MUTANTS.filter((m) => m.kind === 'shim').length).toBeGreaterThanOrEqual(4);
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) {
      expect(m.rule, m.name).toMatch(/^(MODE|NS|LOAD|CLOSE|SYM|INFO|CALLER|AUD|PROC|S)\d+$/);
      expect(m.description.length, m.name).toBeGreaterThan(10);
    }
  });

  // The order mutants (mutants/order.ts): the other sorter, force_first dropped, relocation dependencies ignored, exit order reversed.
  const fast = ['noload-loads', 'cycles-not-collected', 'newlm-highest-free', 'proxy-ctor', 'last-proxy-unloads-master', 'unique-dep-not-proxied', 'sorter-original', 'force-first-dropped', 'reldeps-ignored', 'exit-order-reversed'];
  test.each(fast)('%s is killed within 300 sequences, with a counterexample of at most 4 calls', async (name) => {
    const m = await measure(subjectOf(findMutant(name), 'in-process'), { runs: 300, seed: 1 });
    expect(m.killed, `${name} survived 300 sequences`).toBe(true);
    expect(m.calls, m.counterexample ?? '').toBeLessThanOrEqual(4);
  });

  test('a mutant served over PROTOCOL.md (mutants/server.ts) is killed like any implementation', async () => {
    const m = await measure(subjectOf(findMutant('proxy-ctor'), 'protocol'), { runs: 300, seed: 1 });
    expect(m.killed).toBe(true);
    expect(m.finding).toMatch(/^divergence \(events\)/);
  });

  test('a real-loader mutant (LD_PRELOAD shim through the native driver) is killed', async () => {
    const m = await measure(subjectOf(findMutant('shim-global-stripped')), { runs: 300, seed: 1 });
    expect(m.killed).toBe(true);
    expect(m.calls).toBeLessThanOrEqual(4);
  });
});
