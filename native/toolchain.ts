/**
 * The machine's C compiler and the on-disk cache of what it builds. Every
 * artefact is content-addressed (hash of its inputs and of the compiler's
 * identity) and published by rename, so concurrent builders, in this process
 * or others, never see a half-written file.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This directory (native/), where the C sources live. */
export const NATIVE_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = dirname(NATIVE_DIR);

/** `$DLMSPEC_CACHE_DIR`, else `.cache/dlmspec` in the repository (gitignored). */
export function cacheRoot(): string {
  return process.env.DLMSPEC_CACHE_DIR ?? join(REPO_ROOT, '.cache', 'dlmspec');
}

export function compilerCommand(): string {
  return process.env.CC ?? 'cc';
}

export class BuildError extends Error {
  override readonly name = 'BuildError';
}

export function sha256(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

let compilerIdentity: Promise<string> | undefined;

/** The compiler command and its `--version` text: part of every cache key. */
export function compilerId(): Promise<string> {
  compilerIdentity ??= run(compilerCommand(), ['--version']).then((v) => `${compilerCommand()}\n${v}`);
  return compilerIdentity;
}

// One compiler per core: more only adds contention.
const slots = Math.max(1, availableParallelism());
let busy = 0;
const waiting: Array<() => void> = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (busy >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
  busy++;
  try {
    return await work();
  } finally {
    busy--;
    waiting.shift()?.();
  }
}

function run(cmd: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new BuildError(`${cmd} ${args.join(' ')}\n${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Runs the C compiler (at most one per core at a time). */
export function cc(args: readonly string[], cwd?: string): Promise<string> {
  return limited(() => run(compilerCommand(), args, cwd));
}

/** Runs another tool of the toolchain (the linker), sharing the compiler's slots. */
export function tool(cmd: string, args: readonly string[]): Promise<string> {
  return limited(() => run(cmd, args));
}

/**
 * `target`, produced by `produce(tmp)` when absent and then renamed into
 * place. A file already there is kept: same key, same content, and running
 * programs keep the inode they mapped. The checks, the directory and the
 * rename are synchronous, as the cache's other small operations are: each
 * takes microseconds (a stat about 5 us here), where an await on the thread
 * pool adds a round trip to every step of a graph's build. What a cold build
 * waits on is the file creations themselves (BENCHMARKS.md).
 */
export async function publish(target: string, produce: (tmp: string) => Promise<void>): Promise<string> {
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await produce(tmp);
    renameSync(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    // A directory published meanwhile by another builder is as good as ours.
    if (existsSync(target)) return target;
    throw e;
  }
  return target;
}

export async function sourceText(file: string): Promise<string> {
  return readFile(join(NATIVE_DIR, file), 'utf8');
}
