/**
 * Builds the native programs (the driver, and the benchmarks' raw loops) with
 * the machine's compiler at first use, cached by the hash of their sources,
 * flags and compiler identity.
 */
import { join } from 'node:path';
import { cacheRoot, cc, compilerId, NATIVE_DIR, publish, sha256, sourceText } from './toolchain.ts';

const PROGRAMS = {
  driver: { sources: ['driver.c', 'run.c', 'observe.c', 'json.c'], headers: ['event.h', 'json.h', 'observe.h', 'run.h'] },
  'bench-loop': { sources: ['bench-loop.c'], headers: [] as string[] },
  'host-reference': { sources: ['host-reference.c'], headers: [] as string[] },
} as const;

export type Program = keyof typeof PROGRAMS;

const FLAGS = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror=implicit-function-declaration'];

const builds = new Map<Program, Promise<string>>();

/** The path of the built program (built now if the cache lacks it). */
export function buildProgram(program: Program): Promise<string> {
  let p = builds.get(program);
  if (!p) {
    p = (async () => {
      const { sources, headers } = PROGRAMS[program];
      const texts = await Promise.all([...sources, ...headers].map((f) => sourceText(f)));
      const hash = sha256(await compilerId(), FLAGS.join(' '), ...texts);
      const target = join(cacheRoot(), 'bin', `${program}-${hash.slice(0, 32)}`);
      return publish(target, async (tmp) => {
        await cc([...FLAGS, `-I${NATIVE_DIR}`, '-o', tmp, ...sources.map((s) => join(NATIVE_DIR, s))]);
      });
    })();
    builds.set(program, p);
    p.catch(() => builds.delete(program));
  }
  return p;
}
