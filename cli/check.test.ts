/** `dlmspec check` through the real bin, on small budgets. */
import { describe, expect, test } from 'vitest';
import { runBin, tempDir } from './test-helpers.ts';

describe('check', () => {
  test('a conforming implementation: the spec passes its invariants, a per-rule table, exit 0', async () => {
    const out = await tempDir();
    const r = await runBin(['check', '--impl', 'spec:rtld-shared', '--runs', '30', '--spec-runs', '60', '--seed', '5', '--out', out, '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dlmspec check \(seed 5\)\nPASS spec invariants under glibc: 60 sequences/);
    expect(r.stdout).toContain('PASS spec invariants under rtld-shared: 60 sequences');
    // The implementation's profile: its own for spec:PROFILE.
    expect(r.stdout).toContain('PASS spec:rtld-shared under rtld-shared: 30 sequences conform');
    expect(r.stdout).toMatch(/^rule +spec glibc +spec rtld-shared +spec:rtld-shared \(rtld-shared\)$/m);
    expect(r.stdout).toMatch(/^S2 +- +\d+ +\d+$/m);
    expect(r.stdout).toMatch(/^INV-COUNT +\d+ +\d+ +-$/m);
    expect(r.stdout).toMatch(/verdict: CONFORMS/);
  });

  test('a diverging implementation: exit 1, the counterexample saved, FAIL in the table', async () => {
    const out = await tempDir();
    const r = await runBin(['check', '--impl', 'spec:glibc', '--profile', 'rtld-shared', '--runs', '30', '--spec-runs', '30', '--seed', '5', '--out', out, '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL spec:glibc under rtld-shared: divergence/);
    expect(r.stdout).toMatch(/ FAIL 1\/\d+/);
    expect(r.stdout).toMatch(/verdict: DOES NOT CONFORM: .*spec:glibc diverges from rtld-shared/);
    expect(r.stdout).toContain(`counterexample: ${out}/spec-glibc--rtld-shared--seed5.counterexample.json`);
  });

  test("by default, this machine's loader under the profile it calls for", async () => {
    const out = await tempDir();
    const r = await runBin(['check', '--runs', '10', '--spec-runs', '10', '--seed', '1', '--out', out, '--quiet']);
    // Whether stock glibc conforms is the suite's business, not this test's: only that it ran.
    expect([0, 1], r.stdout + r.stderr).toContain(r.code);
    expect(r.stdout).toMatch(/^(PASS|FAIL) native under glibc \d+\.\d+(\.\d+)?: /m);
    expect(r.stdout).toMatch(/^rule +spec glibc +spec rtld-shared +native \(glibc \d+\.\d+(\.\d+)?\)$/m);
  });
});
