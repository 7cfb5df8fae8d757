/** `dlmspec dsos`: the graph's DSOs built where an adapter of another loader can load them. */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO, runMain } from './test-helpers.ts';

describe('dlmspec dsos', () => {
  test("a scenario's graph: one directory with exactly its DSOs, flags as declared", async () => {
    const r = await runMain(['dsos', join(REPO, 'scenarios', 'rtld-shared-series', 'tst-dlmopen-rtld-unique1.scenario')]);
    expect(r.code, r.stderr).toBe(0);
    const dir = r.stdout.trim();
    expect(readdirSync(dir).sort()).toEqual(['libuniq.so']);
    const dynamic = execFileSync('readelf', ['-d', join(dir, 'libuniq.so')], { encoding: 'utf8' });
    expect(dynamic).toMatch(/0x000000006ffffdf4/i);
    expect(dynamic).toContain('libc.so.6');
  }, 60_000);

  test('bad input: an invalid graph is refused with one line', async () => {
    const r = await runMain(['dsos', join(REPO, 'package.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('graph');
    expect((await runMain(['dsos', '--help'])).stdout).toContain('Usage: dlmspec dsos');
  });
});
