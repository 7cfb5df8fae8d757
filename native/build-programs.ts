/**
 * Builds the native programs (the driver, and the benchmarks' raw loops) with
 * the machine's compiler at first use, cached by the hash of their sources,
 * flags and compiler identity.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DsoGraph } from '../model/graph.ts';
import { cacheRoot, cc, compilerId, NATIVE_DIR, publish, sha256, sourceText, tool } from './toolchain.ts';

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

let driverArchive: Promise<string> | undefined;

/** The driver's object files as one archive, for the programs of graphs (cached like the driver). */
function buildDriverArchive(): Promise<string> {
  driverArchive ??= (async () => {
    const { sources, headers } = PROGRAMS.driver;
    const texts = await Promise.all([...sources, ...headers].map((f) => sourceText(f)));
    const hash = sha256(await compilerId(), 'archive', FLAGS.join(' '), ...texts);
    return publish(join(cacheRoot(), 'bin', `driver-${hash.slice(0, 32)}.a`), async (tmp) => {
      const objects = sources.map((_, i) => `${tmp}.${i}.o`);
      try {
        await Promise.all(sources.map((src, i) => cc([...FLAGS, '-c', `-I${NATIVE_DIR}`, '-o', objects[i]!, join(NATIVE_DIR, src)])));
        await tool('ar', ['rcs', tmp, ...objects]);
      } finally {
        await Promise.all(objects.map((o) => rm(o, { force: true })));
      }
    });
  })();
  driverArchive.catch(() => (driverArchive = undefined));
  return driverArchive;
}

const graphPrograms = new Map<string, Promise<string>>();

/**
 * The program a graph with start-up objects runs its calls in (the process
 * extension's `start`): the driver's own code, linked like glibc's
 * dso-ordering tests link theirs, `--no-as-needed` with the program's
 * DT_NEEDED test DSOs in order (libc after them), DT_RUNPATH the graph's
 * directory, lazy binding, and the DT_SONAME the graph gives it. DSOs that
 * call functions other DSOs define are linked without those definitions
 * (`--allow-shlib-undefined`): the loader binds them, or fails to, at run
 * time. Cached by the graph's directory (its content) and that shape.
 */
export function buildGraphProgram(graph: DsoGraph, dir: string): Promise<string> {
  const needed = graph.program?.needed ?? [];
  const soname = graph.program?.soname;
  const key = JSON.stringify([dir, needed, soname ?? null]);
  let p = graphPrograms.get(key);
  if (!p) {
    p = (async () => {
      const archive = await buildDriverArchive();
      const flags = ['-Wl,--no-as-needed', '-Wl,-z,lazy', '-Wl,--allow-shlib-undefined', '-Wl,--enable-new-dtags', `-Wl,-rpath,${dir}`, ...(soname !== undefined ? [`-Wl,-soname,${soname}`] : [])];
      const hash = sha256('program-v2', archive, ...flags, ...needed);
      return publish(join(cacheRoot(), 'programs', `program-${hash.slice(0, 32)}`), async (tmp) => {
        await cc([...FLAGS, '-o', tmp, ...flags, archive, ...needed.map((n) => join(dir, n))]);
      });
    })();
    if (graphPrograms.size > 2000) graphPrograms.clear();
    graphPrograms.set(key, p);
    p.catch(() => graphPrograms.delete(key));
  }
  return p;
}
