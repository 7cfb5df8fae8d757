/**
 * Files the harness reads and writes: written atomically (a reader or an
 * interrupted run never sees half a file), read with one-line errors.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Bad input from the user (a file, an option): the CLI prints the message as
 * one line and exits 2. Never used for findings about an implementation.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/**
 * This machine or the implementation cannot be used at all (a program that
 * does not start or never completes its handshake, a compiler that fails):
 * the CLI prints one line and exits 3. Not a verdict about conformance.
 */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory,
 * fsync, rename over the target, fsync of the directory. Creates the directory.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  // The rename itself is durable only once the directory is synced.
  const d = await open(dir, 'r').catch(() => undefined);
  if (d !== undefined) await d.sync().catch(() => {}).finally(() => d.close());
}

/** JSON from a file; an InputError naming the file and the problem otherwise. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new InputError(`${path}: cannot read: ${why}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Kernel file systems: nothing of dlmspec's belongs there, and some paths in them never answer. */
const PSEUDO = ['/proc', '/sys', '/dev'];

/**
 * Checks an output directory before any work: it exists and is a writable
 * directory, or it can be created (its nearest existing ancestor is a
 * writable directory, outside /proc, /sys and /dev). Creates nothing; an
 * InputError (exit 2) names the problem.
 */
export async function checkOutDir(dir: string, option = '--out'): Promise<void> {
  const label = `${option} ${dir}`;
  if (dir.trim() === '') throw new InputError(`${option}: empty path`);
  if (dir.includes('\u0000')) throw new InputError(`${option}: the path contains a NUL byte`);
  let at = resolve(dir);
  for (;;) {
    let s;
    try {
      s = await stat(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(at) !== at) {
        at = dirname(at);
        continue;
      }
      if (code === 'ENOTDIR') throw new InputError(`${label}: a part of the path is a file, not a directory`);
      if (code === 'ELOOP') throw new InputError(`${label}: too many symbolic links`);
      if (code === 'EACCES') throw new InputError(`${label}: permission denied`);
      throw new InputError(`${label}: ${(e as Error).message}`);
    }
    if (!s.isDirectory()) throw new InputError(at === resolve(dir) ? `${label}: not a directory` : `${label}: ${at} is a file, not a directory`);
    const real = await realpath(at);
    if (PSEUDO.some((p) => real === p || real.startsWith(`${p}/`))) throw new InputError(`${label}: is on a kernel file system (${real.split('/').slice(0, 2).join('/')}), not a place for files`);
    try {
      await access(at, constants.W_OK | constants.X_OK);
    } catch {
      throw new InputError(`${label}: ${at} is not writable`);
    }
    return;
  }
}

/**
 * Removes temporary files an earlier, killed dlmspec left in `dir`
 * (`.NAME.tmp-PID-HEX` of writeFileAtomic, `NAME.tmp-...` of the DSO cache)
 * whose process is gone; this process's own are in use, never removed.
 * Returns how many it removed.
 */
export async function removeStaleTemps(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(n) ?? /\.tmp-(\d+)(?:[.-].*)?$/.exec(n);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    await rm(join(dir, n), { force: true, recursive: true });
    removed++;
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
