/**
 * Files the harness reads and writes: written atomically (a reader or an
 * interrupted run never sees half a file), read with one-line errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
