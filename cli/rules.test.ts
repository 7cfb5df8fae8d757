/** `dlmspec rules`: the catalogue, its counts from results files, and reach by generation. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCatalogue } from '../harness/catalogue.ts';
import { REPO, runMain, tempDir } from './test-helpers.ts';

const catalogue = parseCatalogue(readFileSync(join(REPO, 'CONFORMANCE.md'), 'utf8'));

describe('dlmspec rules', () => {
  test('lists every rule of CONFORMANCE.md with its profiles', async () => {
    const r = await runMain(['rules']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(catalogue.length);
    expect(catalogue.length).toBeGreaterThan(40);
    expect(lines.find((l) => l.startsWith('S4 '))).toMatch(/^S4 +rtld-shared +If N holds a real entry/);
  });

  test('--rule: the statement and source in full; an unknown rule is bad input', async () => {
    const r = await runMain(['rules', '--rule', 'S11']);
    expect(r.stdout).toContain('source: observed on the RTLD_SHARED series build (v12)');
    const bad = await runMain(['rules', '--rule', 'S99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rule S99: no such rule');
  });

  test('--results: exercised counts and the counterexample that failed a rule', async () => {
    const out = await tempDir();
    const v = await runMain(['validate', '--impl', 'spec:glibc', '--profile', 'rtld-shared', '--runs', '30', '--seed', '1', '--out', out, '--quiet']);
    expect(v.code).toBe(1);
    // The stock model fails an RTLD_SHARED rule; which one depends on what the seed generates.
    const results = JSON.parse(readFileSync(join(out, 'spec-glibc--rtld-shared--seed1.results.json'), 'utf8'));
    const failed = (results.findings[0].rules as string[]).find((id) => /^S\d+$/.test(id))!;
    expect(failed).toBeDefined();
    const r = await runMain(['rules', '--results', out, '--rule', failed, '--rule', 'NS4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${failed} \\(rtld-shared[^\\n]*\\n(.*\\n)*  exercised \\d+\\n  FAILED by .*\\.counterexample\\.json`));
    const empty = await runMain(['rules', '--results', await tempDir()]);
    expect(empty.code).toBe(2);
  });

  test('--reach: sequences and steps per rule, and the rules no generated step reaches', async () => {
    const r = await runMain(['rules', '--reach', '40', '--seed', '3', '--profile', 'glibc', '--rule', 'NS1', '--rule', 'S4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NS1 \(both[^\n]*\n(.*\n)*  reached in [1-9]\d*\/40 sequences/);
    // Under the glibc profile no step exercises an RTLD_SHARED rule.
    expect(r.stdout).toContain('NOT REACHED by generation');
    expect(r.stdout).toContain('not reached by any generated step: S4');
    expect((await runMain(['rules', '--help'])).stdout).toContain('Usage: dlmspec rules');
  });
});

describe('--json', () => {
  test('rules and run: one summary document on stdout, the text on stderr', async () => {
    const r = await runMain(['rules', '--json', '--rule', 'S4']);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ format: 'dlmspec-summary', version: 1, command: 'rules', verdict: 'done', counts: { rules: 1 } });
    expect(s.data[0]).toMatchObject({ id: 'S4', profiles: 'rtld-shared' });
    const file = join(REPO, 'scenarios', 'rtld-shared-series', 'tst-dlmopen-rtld-unique3.scenario');
    const run = await runMain(['run', file, '--impl', 'spec:glibc', '--json']);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ command: 'run', verdict: 'diverges', counts: { scenarios: 1, failed: 1, rows: 1, rowsFailed: 1 } });
    expect(summary.findings[0]).toMatchObject({ file, kind: 'divergence', step: 0 });
    expect(run.stderr).toContain('DOES NOT HOLD');
  });
});
