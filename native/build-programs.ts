/**
 * Builds the native programs (the driver, and the benchmarks' raw loops) with
 * the machine's compiler at first use, cached by the hash of their sources,
 * flags and compiler identity.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot, cc, compilerId, NATIVE_DIR, publish, sha256, sourceText } from './toolchain.ts';

interface ProgramSpec {
  readonly sources: readonly string[];
  readonly headers: readonly string[];
  readonly flags?: readonly string[];
  /** A shared object's file name, fixed (what the loader's lists show), in a directory named by the hash. */
  readonly file?: string;
}

const PROGRAMS = {
  driver: { sources: ['driver.c', 'run.c', 'observe.c', 'json.c'], headers: ['audit.h', 'event.h', 'json.h', 'layout.h', 'observe.h', 'run.h'] },
  'bench-loop': { sources: ['bench-loop.c'], headers: [] as string[] },
  'host-reference': { sources: ['host-reference.c'], headers: [] as string[] },
  /** The LD_AUDIT module of `--audit` (a shared object, not a program). */
  audit: { sources: ['audit.c'], headers: ['audit.h'], flags: ['-shared', '-fPIC'], file: 'dlmspec-audit.so' },
  /** `dlmspec probe` (probe/): the program that runs one check, and the objects it loads. */
  probe: { sources: ['probe.c'], headers: ['audit.h', 'layout.h'] },
    // No sibling calls: dlopen must see a return address in this object, or it loads into the caller's caller's namespace.
  'probe-lib': { sources: ['probe-lib.c'], headers: [], flags: ['-shared', '-fPIC', '-pthread', '-fno-optimize-sibling-calls'], file: 'libdlmspec_probe.so' },
  'probe-lib2': { sources: ['probe-lib2.c'], headers: [], flags: ['-shared', '-fPIC', '-nostdlib'], file: 'libdlmspec_probe2.so' },
  'probe-unique': { sources: ['probe-lib2.c'], headers: [], flags: ['-shared', '-fPIC', '-nostdlib', '-Wl,-z,unique'], file: 'libdlmspec_probeu.so' },
  'probe-keep': { sources: ['probe-lib2.c'], headers: [], flags: ['-shared', '-fPIC', '-nostdlib', '-Wl,-z,nodelete'], file: 'libdlmspec_probek.so' },
} as const satisfies Record<string, ProgramSpec>;

export type Program = keyof typeof PROGRAMS;

const FLAGS = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror=implicit-function-declaration'];

/**
 * Builds `out` from `sources`. Several sources are compiled side by side (the
 * toolchain runs one compiler per core), then linked: the driver's four
 * files take about half the time of one `cc` run over all of them, and an
 * empty cache waits on it.
 */
async function compileAndLink(flags: readonly string[], sources: readonly string[], out: string): Promise<void> {
  const paths = sources.map((s) => join(NATIVE_DIR, s));
  if (paths.length === 1) return void (await cc([...flags, `-I${NATIVE_DIR}`, '-o', out, ...paths]));
  const objects = paths.map((_, i) => `${out}.${i}.o`);
  try {
    const compileFlags = flags.filter((f) => f !== '-shared');
    await Promise.all(paths.map((src, i) => cc([...compileFlags, '-c', `-I${NATIVE_DIR}`, '-o', objects[i]!, src])));
    await cc([...flags, '-o', out, ...objects]);
  } finally {
    await Promise.all(objects.map((o) => rm(o, { force: true })));
  }
}

const builds = new Map<Program, Promise<string>>();

/** The path of the built program (built now if the cache lacks it). */
export function buildProgram(program: Program): Promise<string> {
  let p = builds.get(program);
  if (!p) {
    p = (async () => {
      const spec: ProgramSpec = PROGRAMS[program];
      const { sources, headers, file } = spec;
      const extra = spec.flags ?? [];
      const texts = await Promise.all([...sources, ...headers].map((f) => sourceText(f)));
      const hash = sha256(await compilerId(), [...FLAGS, ...extra].join(' '), ...texts);
      const target = join(cacheRoot(), 'bin', `${program}-${hash.slice(0, 32)}`);
      const build = (out: string) => compileAndLink([...FLAGS, ...extra], sources, out);
      if (file === undefined) return publish(target, async (tmp) => void (await build(tmp)));
      await publish(target, async (tmp) => {
        await mkdir(tmp);
        await build(join(tmp, file));
      });
      return join(target, file);
    })();
    builds.set(program, p);
    p.catch(() => builds.delete(program));
  }
  return p;
}
