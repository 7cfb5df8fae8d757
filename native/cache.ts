/**
 * Housekeeping of the build cache (toolchain.ts `cacheRoot`): what builders
 * left behind and a bound on its size. Faster builds fill it faster.
 *
 * - Temporary names (`NAME.tmp-PID-RANDOM`, toolchain.ts `publish`) of a
 *   process that no longer runs are removed when a process first builds.
 * - Built DSOs and graph directories are used least-recently-first evicted
 *   once there are more than `DLMSPEC_CACHE_MAX_ENTRIES` (default 20,000) of
 *   them, down to three quarters of it; nothing used in the last
 *   `RECENT_MS` is evicted (a graph directory's time is refreshed when it is
 *   used), so a concurrent run does not lose the graph it runs on. Graph
 *   directories hold hard links, so a DSO evicted from `dsos/` stays in every
 *   graph that has it.
 * - Templates (`templates/`, template-patch.ts) are not evicted: there is one
 *   per shape (and size class of DT_NEEDED), 27 for the 509 DSOs of 300
 *   generated sequences, far fewer than DSOs.
 * - `dlmspec clean` (`removeBuildCache`) removes everything the builders wrote.
 */
import { utimesSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTemps } from '../harness/files.ts';
import { cacheRoot } from './toolchain.ts';

/** The directories the builders write under the cache root. */
export const CACHE_DIRS = ['bin', 'objects', 'stubs', 'templates', 'dsos', 'graphs', 'programs', 'shims'] as const;

const DEFAULT_MAX_ENTRIES = 20_000;
export const RECENT_MS = 10 * 60_000;

function maxEntries(): number {
  const v = Number(process.env.DLMSPEC_CACHE_MAX_ENTRIES);
  return Number.isSafeInteger(v) && v > 0 ? v : DEFAULT_MAX_ENTRIES;
}

const TEMP = /\.tmp-(\d+)-[0-9a-f]+(\.c)?$/;

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Removes the temporary names of builders that are gone; returns how many. */
export async function sweepTemporaries(root = cacheRoot()): Promise<number> {
  const dirs = [...CACHE_DIRS.map((d) => join(root, d)), ...(await list(join(root, 'stubs'))).map((k) => join(root, 'stubs', k))];
  let removed = 0;
  for (const dir of dirs) removed += await removeStaleTemps(dir);
  return removed;
}

/**
 * Evicts the least recently used DSOs and graph directories while there are
 * more than `max` of them; returns how many went.
 */
export async function evict(root = cacheRoot(), max = maxEntries(), now = Date.now()): Promise<number> {
  const entries: string[] = [];
  for (const d of ['dsos', 'graphs']) for (const n of await list(join(root, d))) if (!TEMP.test(n)) entries.push(join(root, d, n));
  if (entries.length <= max) return 0;
  const timed = await Promise.all(entries.map(async (path) => ({ path, mtime: (await stat(path).catch(() => null))?.mtimeMs ?? 0 })));
  timed.sort((a, b) => a.mtime - b.mtime);
  let removed = 0;
  for (const e of timed) {
    if (entries.length - removed <= Math.floor((max * 3) / 4) || now - e.mtime < RECENT_MS) break;
    await rm(e.path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

let prepared: Promise<void> | undefined;

/** Once per process, before its first build: sweep, then bound the cache. */
export function prepareCache(): Promise<void> {
  prepared ??= (async () => {
    await sweepTemporaries();
    await evict();
  })();
  return prepared;
}

const touched = new Map<string, number>();

/** Marks `path` used now (at most once a minute per path and process; synchronous, as the cache's small operations are: toolchain.ts `publish`). */
export function touch(path: string): void {
  const now = Date.now();
  if (now - (touched.get(path) ?? 0) < 60_000) return;
  madeNow(path, now);
  const t = new Date(now);
  try {
    utimesSync(path, t, t);
  } catch {
    // Gone (evicted): the caller builds it again.
  }
}

/** `path` was made just now: its time is already now, nothing to touch for a minute. */
export function madeNow(path: string, now = Date.now()): void {
  if (touched.size >= 20_000) touched.clear();
  touched.set(path, now);
}

/** Removes everything the builders wrote under the cache root (nothing else there); returns the root. */
export async function removeBuildCache(root = cacheRoot()): Promise<string> {
  await Promise.all(CACHE_DIRS.map((d) => rm(join(root, d), { recursive: true, force: true })));
  return root;
}
