/**
 * Which real loaders the test suites run against besides this machine's own:
 * a glibc built with the RTLD_SHARED series, named by DLMSPEC_RTLD_SHARED
 * (its lib/ directory, holding ld-linux-x86-64.so.2, libc.so.6 and the rest).
 * CI points it at ../shared/loaders/glibc-rtld-shared-v12/lib; on a user's
 * machine the suites that need it are skipped with HOW_TO_POINT, and in CI
 * (CI=true) a missing loader is an error.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeOptions } from '../adapters/native.ts';

export const RTLD_SHARED_ENV = 'DLMSPEC_RTLD_SHARED';

export const HOW_TO_POINT = `no RTLD_SHARED loader configured: set ${RTLD_SHARED_ENV}=DIR, the lib/ directory of a glibc built with the RTLD_SHARED series (it holds ld-linux-x86-64.so.2 and libc.so.6), e.g. ${RTLD_SHARED_ENV}=../shared/loaders/glibc-rtld-shared-v12/lib npm test`;

export interface LoaderChoice {
  /** The loader's options for NativeImplementation, or null when none is configured. */
  readonly options: NativeOptions | null;
  /** Why there is none (null when there is one). */
  readonly missing: string | null;
}

/** The configured RTLD_SHARED loader. Throws when one is named but is not there, or when CI runs without one. */
export function rtldSharedLoader(env: NodeJS.ProcessEnv = process.env): LoaderChoice {
  const dir = env[RTLD_SHARED_ENV];
  if (dir === undefined || dir === '') {
    if (env.CI === 'true') throw new Error(`CI=true: ${HOW_TO_POINT}`);
    return { options: null, missing: HOW_TO_POINT };
  }
  const lib = resolve(dir);
  const rtld = join(lib, 'ld-linux-x86-64.so.2');
  if (!existsSync(rtld) || !statSync(rtld).isFile()) throw new Error(`${RTLD_SHARED_ENV}=${dir}: no ld-linux-x86-64.so.2 there`);
  return { options: { rtld, libraryPath: lib }, missing: null };
}

/** Where the test suites look for the shared loaders (../shared/loaders beside the clone), unless DLMSPEC_LOADERS names another directory. */
export const LOADERS_ENV = 'DLMSPEC_LOADERS';
const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

/** One loader: a directory whose lib/ holds ld-linux-x86-64.so.2 (../shared/loaders/README.md). */
export interface LoaderDir {
  /** The directory's name without `glibc-`: `2.36`, `master`, `rtld-shared-v12`. */
  readonly label: string;
  /** The directory as given or found. */
  readonly dir: string;
  readonly lib: string;
  readonly rtld: string;
}

const RTLD = 'ld-linux-x86-64.so.2';
const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** `DIR` as a loader: DIR/lib/ld-linux-x86-64.so.2, or DIR/ld-linux-x86-64.so.2 (a lib/ itself); null when neither. */
export function loaderAt(dir: string): LoaderDir | null {
  const label = (d: string) => basename(resolve(d)).replace(/^glibc-/, '');
  if (isFile(join(dir, 'lib', RTLD))) return { label: label(dir), dir, lib: join(dir, 'lib'), rtld: join(dir, 'lib', RTLD) };
  if (isFile(join(dir, RTLD))) {
    const parent = basename(resolve(dir)) === 'lib' ? dirname(resolve(dir)) : dir;
    return { label: label(parent), dir, lib: dir, rtld: join(dir, RTLD) };
  }
  return null;
}

/** Each directory given as a loader, or, when it is none, every loader directly under it (by name). */
export function findLoaders(dirs: readonly string[]): LoaderDir[] {
  return dirs.flatMap((d) => {
    const one = loaderAt(d);
    if (one !== null) return [one];
    let names: string[] = [];
    try {
      names = readdirSync(d).sort();
    } catch {
      return [];
    }
    return names.flatMap((n) => {
      const l = loaderAt(join(d, n));
      return l === null ? [] : [l];
    });
  });
}

/**
 * The shared loaders (every release, master, the RTLD_SHARED build) the test
 * suites validate under their own releases: DLMSPEC_LOADERS, else
 * ../shared/loaders beside the repository. Absent, the suites that need them
 * are skipped with a message; in CI (CI=true) that is an error.
 */
export function sharedLoaders(env: NodeJS.ProcessEnv = process.env): { readonly loaders: readonly LoaderDir[]; readonly missing: string | null } {
  const dir = env[LOADERS_ENV] || join(REPO, '..', 'shared', 'loaders');
  const loaders = findLoaders([dir]);
  if (loaders.length > 0) return { loaders, missing: null };
  const missing = `no loaders under ${dir}: set ${LOADERS_ENV}=DIR, a directory of glibc builds (each DIR/NAME/lib/ld-linux-x86-64.so.2), e.g. ${LOADERS_ENV}=../shared/loaders npm test`;
  if (env.CI === 'true') throw new Error(`CI=true: ${missing}`);
  return { loaders: [], missing };
}
