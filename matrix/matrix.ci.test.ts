/**
 * Every shared loader validated under its own release (../shared/loaders:
 * each release, master, the RTLD_SHARED build), and COMPATIBILITY.md checked
 * against what that shows: `npm run matrix`'s own budget (1,000 plain and 300
 * audited sequences per loader, every known bug's corpus file replayed),
 * rerun, must give the file as committed, every loader conforming but for
 * its known bugs. A stale COMPATIBILITY.md (a rule changed, a bug fixed, a
 * loader added) fails here until `npm run matrix` regenerates it.
 *
 * Also: shards run apart and merged with --in give the unsharded matrix.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO, runBin, tempDir } from '../cli/test-helpers.ts';
import { LOADERS_ENV, sharedLoaders } from '../native/loaders.ts';
import { MATRIX_DEFAULTS } from '../cli/matrix.ts';

const { loaders, missing } = sharedLoaders();
if (missing !== null) console.warn(`matrix/matrix.ci.test.ts: the compatibility matrix is not checked: ${missing}`);
// npm run matrix names the loaders as ../shared/loaders: the same words must reach the file's commands.
const DEFAULT_DIR = join('..', 'shared', 'loaders');
const atDefault = process.env[LOADERS_ENV] === undefined || process.env[LOADERS_ENV] === '';

describe.skipIf(loaders.length === 0)('the compatibility matrix of the shared loaders', () => {
  test.skipIf(!atDefault)('npm run matrix\'s budget on every shared loader: each conforms but for its known bugs, and COMPATIBILITY.md is what it shows', async () => {
    const out = await tempDir('dlmspec-matrix-ci-');
    const r = await runBin(['matrix', DEFAULT_DIR, '--out', out, '--check', 'COMPATIBILITY.md', '--quiet'], { timeoutMs: 900_000 });
    expect(r.stdout, r.stderr).toContain('COMPATIBILITY.md is up to date with these runs');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const m = JSON.parse(await readFile(join(out, 'matrix.json'), 'utf8')) as { plainRuns: number; auditRuns: number; columns: { label: string }[] };
    expect(m.plainRuns).toBe(MATRIX_DEFAULTS.plainRuns);
    expect(m.auditRuns).toBe(MATRIX_DEFAULTS.auditRuns);
    expect(m.columns.map((c) => c.label).sort()).toEqual(loaders.map((l) => l.label).sort());
  }, 900_000);

  test('a matrix split into shards on separate "machines" and merged with --in is the unsharded one', async () => {
    const two = [loaders.find((l) => l.label === '2.36') ?? loaders[0]!, loaders[loaders.length - 1]!].map((l) => l.dir);
    const budget = ['--runs', '90', '--audit-runs', '30', '--seed', '11', '--quiet'];
    const whole = await tempDir('dlmspec-matrix-whole-');
    expect((await runBin(['matrix', ...two, ...budget, '--out', whole], { timeoutMs: 300_000 })).code).toBe(0);
    const shards = await Promise.all([1, 2, 3].map(() => tempDir('dlmspec-matrix-shard-')));
    for (const [i, dir] of shards.entries()) {
      const r = await runBin(['matrix', ...two, ...budget, '--shard', `${i + 1}/3`, '--out', dir], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`shard ${i + 1}/3`);
    }
    const merged = await tempDir('dlmspec-matrix-merged-');
    const r = await runBin(['matrix', ...shards.flatMap((d) => ['--in', d]), '--out', merged, '--quiet'], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await readFile(join(merged, 'matrix.json'), 'utf8')).toBe(await readFile(join(whole, 'matrix.json'), 'utf8'));
    // Two shards of three are not a matrix.
    const partial = await runBin(['matrix', '--in', shards[0]!, '--in', shards[2]!, '--out', merged], { timeoutMs: 120_000 });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/are in no shard given/);
  }, 900_000);
});

test('the repository has the matrix of the shared loaders', async () => {
  const text = await readFile(join(REPO, 'COMPATIBILITY.md'), 'utf8');
  expect(text).toMatch(/^# dlmopen compatibility matrix/);
  expect(text).toContain('Made by `npm run matrix`');
});
