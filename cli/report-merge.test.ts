/** `dlmspec report --in A --in B`: results gathered on several machines (the shards of one run) make one report. */
import { expect, test } from 'vitest';
import { runBin, tempDir } from './test-helpers.ts';

test('two shards written to two directories are one column of one report', async () => {
  const [a, b, out] = await Promise.all([tempDir(), tempDir(), tempDir()]);
  for (const [shard, dir] of [['1/2', a], ['2/2', b]] as const) {
    const r = await runBin(['validate', '--impl', 'spec:glibc', '--runs', '40', '--seed', '9', '--shard', shard, '--out', dir, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }
  const r = await runBin(['report', '--in', a, '--in', b, '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout) as { counts: { pairs: number }; data: { pairs: { sequences: number }[] } };
  expect(s.counts.pairs).toBe(1);
  expect(s.data.pairs[0]!.sequences).toBe(40);
  const missing = await runBin(['report', '--in', a, '--in', `${b}/nowhere`]);
  expect(missing.code).toBe(2);
});
