/** `--rule ID` on validate and check: steering, the per-rule step counts, and rules that cannot be or were not exercised. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runMain, tempDir } from './test-helpers.ts';

const stepsOf = (text: string, rule: string): number => {
  const m = new RegExp(`steered \\(--rule\\):.*\\b${rule} (\\d+) steps?`).exec(text);
  return m === null ? -1 : Number(m[1]);
};

describe('validate --rule', () => {
  test('steers: every sequence exercises the rule, far more often than unsteered', async () => {
    const out = await tempDir();
    const steered = await runMain(['validate', '--impl', 'spec:rtld-shared', '--rule', 'S4', '--runs', '20', '--seed', '3', '--out', out, '--quiet']);
    expect(steered.code).toBe(0);
    const n = stepsOf(steered.stdout, 'S4');
    // One rule: each of the 20 sequences has at least one step exercising it.
    expect(n).toBeGreaterThanOrEqual(20);
    const plain = await runMain(['validate', '--impl', 'spec:rtld-shared', '--runs', '20', '--seed', '3', '--out', out, '--quiet', '--json']);
    const summary = JSON.parse(plain.stdout) as { data: { results: string } };
    const { readResults } = await import('../harness/results.ts');
    const unsteered = (await readResults(summary.data.results)).rules['S4']?.exercised ?? 0;
    expect(unsteered).toBeLessThan(n);
  });

  test('a rule generation cannot reach under the profile: exit 2, one line, nothing run or written', async () => {
    const out = join(await tempDir(), 'never');
    const r = await runMain(['validate', '--impl', 'spec:glibc', '--rule', 'S2', '--runs', '5', '--seed', '1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dlmspec: error: --rule S2: no generated step reaches it under profile glibc \(200 sequences sampled, seed 1\)/)]);
    expect(r.stdout).toBe('');
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
  });

  test('a named rule the run did not exercise is said so and exits 2', async () => {
    const out = await tempDir();
    const r = await runMain(['validate', '--impl', 'spec:rtld-shared', '--rule', 'S4', '--rule', 'S12', '--runs', '1', '--seed', '2', '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/steered \(--rule\): S4 NOT EXERCISED, S12 \d+ steps? in 1 sequences/);
    expect(r.stderr).toMatch(/^dlmspec: error: --rule S4: no step of the 1 sequences run exercised it/m);
  });

  test.each([
    [['--rule', 'XX9'], /^dlmspec: error: --rule XX9: no such rule in the catalogue/],
    [['--rule', 'INV-COUNT'], /^dlmspec: error: --rule INV-COUNT: an invariant, checked after every step/],
  ])('bad rule %j: exit 2, one line', async (args, message) => {
    for (const command of ['validate', 'check']) {
      const r = await runMain([command, '--impl', 'spec:glibc', ...args, '--out', join(await tempDir(), 'never')]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('check --rule', () => {
  test('the implementation part is steered and the counts reported, also in the JSON summary', async () => {
    const out = await tempDir();
    const r = await runMain(['check', '--impl', 'spec:rtld-shared', '--rule', 'S7', '--runs', '10', '--spec-runs', '10', '--seed', '4', '--out', out, '--quiet', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { data: { rules: { rule: string; steps: number }[] } };
    expect(s.data.rules).toEqual([{ rule: 'S7', steps: stepsOf(r.stderr, 'S7') }]);
    expect(s.data.rules[0]!.steps).toBeGreaterThanOrEqual(10);
  });
});
