/**
 * Real-loader mutants: the machine's glibc with an LD_PRELOAD shim
 * (mutants/shims/*.c) that wraps dlopen/dlmopen/dlclose and bends one
 * behaviour. Built with the machine's compiler at first use and cached like
 * the native driver; validated through the native driver with LD_PRELOAD in
 * its environment, exactly as `--impl native` is.
 */
import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NativeImplementation, type NativeOptions } from '../adapters/native.ts';
import { cacheRoot, cc, compilerId, publish, sha256 } from '../native/toolchain.ts';
import type { ShimMutant } from './mutant.ts';

const SHIM_DIR = join(dirname(fileURLToPath(import.meta.url)), 'shims');
const FLAGS = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC'];

const shim = (name: string, rule: string, description: string): ShimMutant => ({
  kind: 'shim',
  name: `shim-${name}`,
  profile: 'glibc',
  rule,
  description,
  source: `${name}.c`,
});

export const SHIM_MUTANTS: readonly ShimMutant[] = [
  shim('noload-dropped', 'MODE3', 'LD_PRELOAD shim: dlopen/dlmopen drop RTLD_NOLOAD, so NOLOAD loads'),
  shim('dlclose-noop', 'CLOSE1', 'LD_PRELOAD shim: dlclose returns 0 and unloads nothing'),
  shim('global-stripped', 'MODE2', 'LD_PRELOAD shim: dlmopen strips RTLD_GLOBAL for ns != 0, so the invalid-mode error vanishes'),
  shim('lazy-as-now', 'LOAD5', 'LD_PRELOAD shim: RTLD_LAZY is forced to RTLD_NOW'),
  shim('nodelete-dropped', 'MODE4', 'LD_PRELOAD shim: dlopen/dlmopen drop RTLD_NODELETE'),
  shim('reopen-counts-twice', 'LOAD1', 'LD_PRELOAD shim: reopening a handle takes an extra reference (RTLD_NOLOAD reopen)'),
];

const builds = new Map<string, Promise<string>>();

/** The path of the built shim object (built now if the cache lacks it). */
export function buildShim(m: ShimMutant): Promise<string> {
  let p = builds.get(m.source);
  if (!p) {
    p = (async () => {
      const src = join(SHIM_DIR, m.source);
      const texts = await Promise.all([src, join(SHIM_DIR, 'shim.h')].map((f) => readFile(f, 'utf8')));
      const hash = sha256(await compilerId(), FLAGS.join(' '), ...texts);
      const target = join(cacheRoot(), 'shims', `${m.source.replace(/\.c$/, '')}-${hash.slice(0, 32)}.so`);
      return publish(target, async (tmp) => {
        await cc([...FLAGS, `-I${SHIM_DIR}`, '-o', tmp, src]);
      });
    })();
    builds.set(m.source, p);
    p.catch(() => builds.delete(m.source));
  }
  return p;
}

/** The native implementation with the shim preloaded. */
export async function shimImplementation(m: ShimMutant, options: NativeOptions = {}): Promise<NativeImplementation> {
  const path = await buildShim(m);
  return new NativeImplementation({ ...options, env: { ...options.env, LD_PRELOAD: path } });
}
