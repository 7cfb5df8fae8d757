/** `--json` on every command: stdout is one summary document (schema/summary.schema.json), the text goes to stderr. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { schemaError } from '../schema/validate.ts';
import type { Summary } from './summary.ts';
import { runMain, tempDir } from './test-helpers.ts';

const TABLE = 'scenarios/rtld-shared-series/tst-dlmopen-rtld-shared1.scenario';

async function summary(args: string[], code: number): Promise<Summary & { data: any }> {
  const r = await runMain([...args, '--json']);
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stdout.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  const s = JSON.parse(lines[0]!) as Summary & { data: any };
  expect(schemaError('summary', s)).toBeNull();
  expect(s.command).toBe(args[0]);
  return s;
}

describe('--json', () => {
  let dir: string;
  let found: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  test('validate: a divergence with its counterexample file; the text on stderr', async () => {
    const r = await runMain(['validate', '--impl', 'spec:glibc', '--profile', 'rtld-shared', '--runs', '20', '--seed', '1', '--out', join(dir, 'out'), '--json']);
    expect(r.stderr).toMatch(/^FAIL spec:glibc under rtld-shared/m);
    const s = await summary(['validate', '--impl', 'spec:glibc', '--profile', 'rtld-shared', '--runs', '20', '--seed', '1', '--out', join(dir, 'out'), '--quiet'], 1);
    expect(s.verdict).toBe('diverges');
    expect(s.counts.findings).toBe(1);
    expect(s.findings).toHaveLength(1);
    found = s.findings[0]!.counterexample!;
    expect(s.findings[0]!.file).toBe(found);
    expect(existsSync(found)).toBe(true);
    expect(s.findings[0]!.kind).toBe('divergence');
    expect(existsSync(s.data.results)).toBe(true);
    expect(s.data).toMatchObject({ profile: 'rtld-shared', seed: 1, interrupted: false, rules: [] });
  });

  test('check: the spec part and the implementation part in one verdict', async () => {
    const s = await summary(['check', '--impl', 'spec:glibc', '--runs', '5', '--spec-runs', '10', '--seed', '2', '--out', join(dir, 'check'), '--quiet'], 0);
    expect(s.verdict).toBe('conforms');
    expect(s.counts.runs).toBe(5);
    expect(s.data.spec.map((x: { profile: string; holds: boolean }) => [x.profile, x.holds])).toEqual([
      ['glibc', true],
      ['rtld-shared', true],
    ]);
  });

  test('replay: the recorded finding still holds; conforms on the other spec', async () => {
    const s = await summary(['replay', found, '--impl', 'spec:glibc'], 1);
    expect(s.verdict).toBe('diverges');
    expect(s.findings.map((f) => f.file)).toEqual([found]);
    expect(s.data.sameFinding).toBe(true);
    const ok = await summary(['replay', found, '--impl', 'spec:rtld-shared'], 0);
    expect(ok).toMatchObject({ verdict: 'conforms', findings: [] });
  });

  test('repro: the files written', async () => {
    const s = await summary(['repro', found, '--out', join(dir, 'repro')], 0);
    expect(s.verdict).toBe('done');
    expect(s.data.files.length).toBe(s.counts.files);
    for (const f of s.data.files) expect(existsSync(f)).toBe(true);
  });

  test('report: the diverging pair and its counterexample', async () => {
    const s = await summary(['report', '--in', join(dir, 'out')], 0);
    expect(s.verdict).toBe('diverges');
    expect(s.counts).toMatchObject({ pairs: 1, diverging: 1 });
    expect(s.findings.map((f) => f.counterexample)).toEqual([found]);
    for (const f of s.data.files) expect(existsSync(f)).toBe(true);
  });

  test('run: a series table conforms on the spec', async () => {
    const s = await summary(['run', TABLE, '--impl', 'spec:rtld-shared'], 0);
    expect(s).toMatchObject({ verdict: 'conforms', findings: [], counts: { scenarios: 1, failed: 0, rowsFailed: 0 } });
    const bad = await summary(['run', TABLE, '--impl', 'spec:glibc'], 1);
    expect(bad.verdict).toBe('diverges');
    expect(bad.findings.every((f) => f.file === TABLE)).toBe(true);
  });

  test('convert: the text in data, or the file written', async () => {
    const s = await summary(['convert', found], 0);
    expect(s.data.text).toMatch(/^scenario /m);
    const to = join(dir, 'x.scenario');
    const w = await summary(['convert', found, '--out', to], 0);
    expect(w.data).toEqual({ from: found, to });
    expect(existsSync(to)).toBe(true);
  });

  test('rules: the rule with its statement', async () => {
    const s = await summary(['rules', '--rule', 'S4'], 0);
    expect(s.counts.rules).toBe(1);
    expect(s.data[0].id).toBe('S4');
  });

  test('dsos: the directory and each DSO in it', async () => {
    const s = await summary(['dsos', TABLE], 0);
    expect(s.data.dsos.length).toBe(s.counts.dsos);
    for (const f of s.data.dsos) expect(existsSync(f)).toBe(true);
  });
});
