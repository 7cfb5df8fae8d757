/**
 * Which real loaders the test suites run against besides this machine's own:
 * a glibc built with the RTLD_SHARED series, named by DLMSPEC_RTLD_SHARED
 * (its lib/ directory, holding ld-linux-x86-64.so.2, libc.so.6 and the rest).
 * CI points it at ../shared/loaders/glibc-rtld-shared-v12/lib; on a user's
 * machine the suites that need it are skipped with HOW_TO_POINT, and in CI
 * (CI=true) a missing loader is an error.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
