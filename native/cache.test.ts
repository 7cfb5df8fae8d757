/**
 * Cache housekeeping (cache.ts) on a cache directory of its own: temporary
 * names of dead builders go, a live builder's stay; eviction removes the
 * least recently used DSOs and graphs down to the bound, never one used
 * recently; `removeBuildCache` removes what the builders wrote and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tempDir as makeTemp } from '../cli/test-helpers.ts';
import { removeBuildCache, evict, RECENT_MS, sweepTemporaries } from './cache.ts';

const roots: string[] = [];
const tempDir = async (prefix: string) => {
  const d = await makeTemp(prefix);
  roots.push(d);
  return d;
};
afterAll(() => Promise.all(roots.map((d) => rm(d, { recursive: true, force: true }))));

/** A process id that no longer runs: a child's, after it exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

test('temporary names of builders that are gone are removed; a running builder keeps its own', async () => {
  const root = await tempDir('dlmspec-cache-');
  const dead = deadPid();
  await mkdir(join(root, 'dsos'), { recursive: true });
  await mkdir(join(root, 'stubs', 'k1'), { recursive: true });
  await mkdir(join(root, 'graphs', `g.tmp-${dead}-ab12`), { recursive: true });
  for (const f of [`dsos/x.so.tmp-${dead}-0a1b`, `dsos/x.so.tmp-${dead}-0a1b.c`, `stubs/k1/liba.so.tmp-${dead}-ff`, `dsos/y.so.tmp-${process.pid}-cd`, 'dsos/z.so']) {
    await writeFile(join(root, f), '');
  }
  expect(await sweepTemporaries(root)).toBe(4);
  expect((await readdir(join(root, 'dsos'))).sort()).toEqual([`y.so.tmp-${process.pid}-cd`, 'z.so']);
  expect(await readdir(join(root, 'stubs', 'k1'))).toEqual([]);
  expect(await readdir(join(root, 'graphs'))).toEqual([]);
});

test('over the bound, the least recently used DSOs and graphs go, down to three quarters; nothing used recently', async () => {
  const root = await tempDir('dlmspec-cache-');
  await mkdir(join(root, 'dsos'), { recursive: true });
  await mkdir(join(root, 'graphs'), { recursive: true });
  const now = Date.now();
  // 12 entries, ages 1..12 hours, then 4 used just now.
  for (let i = 1; i <= 16; i++) {
    const path = i % 2 ? join(root, 'dsos', `d${i}.so`) : join(root, 'graphs', `g${i}`);
    if (i % 2) await writeFile(path, '');
    else await mkdir(path);
    const t = new Date(i <= 12 ? now - i * 3_600_000 : now - 1000);
    await utimes(path, t, t);
  }
  expect(await evict(root, 20, now)).toBe(0);
  // Bound 8: down to 6 would need 10 evictions; only the 12 old ones may go, oldest first.
  expect(await evict(root, 8, now)).toBe(10);
  const left = [...(await readdir(join(root, 'dsos'))), ...(await readdir(join(root, 'graphs')))].sort();
  expect(left).toEqual(['d1.so', 'd13.so', 'd15.so', 'g14', 'g16', 'g2'].sort());
  // All of what is left is recent or nearly so: with everything recent, nothing goes.
  const recent = new Date(now - RECENT_MS / 2);
  for (const n of left) await utimes(join(root, n.startsWith('d') ? 'dsos' : 'graphs', n), recent, recent);
  expect(await evict(root, 2, now)).toBe(0);
});

test('removeBuildCache removes the builders\' directories and nothing else under the root', async () => {
  const root = await tempDir('dlmspec-cache-');
  for (const d of ['bin', 'objects', 'stubs/k', 'dsos', 'graphs/g', 'shims']) await mkdir(join(root, d), { recursive: true });
  await writeFile(join(root, 'mine.txt'), 'not the cache\'s');
  expect(await removeBuildCache(root)).toBe(root);
  expect(await readdir(root)).toEqual(['mine.txt']);
  expect(existsSync(join(root, 'mine.txt'))).toBe(true);
});
