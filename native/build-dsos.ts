/**
 * DSO materialisation: a DsoGraph becomes a directory of real shared objects,
 * one file per DSO of the graph, named by its `name`. A `needed` name that is
 * not in the graph has no file there, so loading anything that needs it fails
 * with `cannot open shared object file`.
 *
 * Each DSO is built on its own, content-addressed by its generated source, its
 * flags and the compiler, and linked against empty stub objects that carry
 * the sonames of its DT_NEEDED entries: any DSO can be built before the ones
 * it needs, and cycles are no problem. A graph's directory holds hard links
 * to the built objects.
 */
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import { validateGraph } from '../model/graph.ts';
import { dsoSource, RESERVED_PREFIX } from './dso-source.ts';
import { BuildError, NATIVE_DIR, cacheRoot, cc, compilerId, publish, sha256, sourceText } from './toolchain.ts';

/** Bump when the build recipe changes in a way the flags below do not show. */
const RECIPE = 'dso-v2';

/** The compiler flags of a test DSO (repro/ writes the same into its Makefile). */
export function linkFlags(dso: Dso): string[] {
  return [
    '-shared',
    '-fPIC',
    // -O0, and no sibling calls: dlmspec_dlopen must not become a jump to
    // dlopen, which finds its caller's namespace from its return address.
    '-O0',
    '-fno-optimize-sibling-calls',
    // The undefined symbol's call goes through the PLT (lazy binding possible).
    '-fplt',
    ...(dso.libc ? [] : ['-nostdlib']),
    // Debian's gcc links --as-needed: without this the DT_NEEDED entries of
    // objects whose symbols are not used would vanish.
    '-Wl,--no-as-needed',
    // Explicit, so that RTLD_LAZY and RTLD_NOW differ whatever the defaults.
    '-Wl,-z,lazy',
    `-Wl,-soname,${dso.name}`,
    // DT_RUNPATH $ORIGIN: dependencies resolve from the graph's directory.
    '-Wl,--enable-new-dtags',
    '-Wl,-rpath,$ORIGIN',
    ...(dso.unique ? ['-Wl,-z,unique'] : []),
    ...(dso.nodelete ? ['-Wl,-z,nodelete'] : []),
  ];
}

let runtimeText: Promise<string> | undefined;

/** Everything a DSO's bytes depend on besides its own description. */
async function toolchainKey(): Promise<string> {
  runtimeText ??= Promise.all([sourceText('dso-runtime.h'), sourceText('event.h')]).then((t) => t.join('\n'));
  return sha256(RECIPE, await compilerId(), await runtimeText);
}

/** The stub object for a DT_NEEDED name: empty, with that soname. */
const stubs = new Map<string, Promise<string>>();
function stub(name: string, key: string): Promise<string> {
  let p = stubs.get(name);
  if (!p) {
    // Linked by path: DT_NEEDED records the stub's soname, NAME.
    const target = join(cacheRoot(), 'stubs', key.slice(0, 16), name);
    p = publish(target, async (tmp) => {
      await cc(['-shared', '-nostdlib', `-Wl,-soname,${name}`, '-x', 'c', '/dev/null', '-o', tmp]);
    });
    stubs.set(name, p);
  }
  return p;
}

const built = new Map<string, Promise<string>>();
// Graphs and DSOs are immutable: one seen before skips hashing.
const builtObjects = new WeakMap<Dso, Promise<string>>();

/** Builds one DSO (or finds it in the cache); returns the path of the object. */
export function buildDso(dso: Dso): Promise<string> {
  let p = builtObjects.get(dso);
  if (!p) {
    p = buildByContent(dso);
    builtObjects.set(dso, p);
    p.catch(() => builtObjects.delete(dso));
  }
  return p;
}

async function buildByContent(dso: Dso): Promise<string> {
  const reserved = [...dso.symbols, dso.undefinedSymbol ?? ''].find((s) => s.startsWith(RESERVED_PREFIX));
  if (reserved) throw new BuildError(`${dso.name}: symbol "${reserved}" uses the reserved prefix ${RESERVED_PREFIX}`);
  // The event record holds the name in 48 bytes, NUL included (event.h).
  if (Buffer.byteLength(dso.name) > 47) throw new BuildError(`${dso.name}: name longer than 47 bytes`);
  const key = await toolchainKey();
  const source = dsoSource(dso);
  const flags = linkFlags(dso);
  // Link order is DT_NEEDED order; the compiler driver adds libc last.
  const libs = dso.needed.map((n) => `-l:${n}`);
  // Keyed by what the compiler is given, so a change of generator or flags
  // can never reuse a stale object.
  const hash = sha256(key, source, ...flags, ...libs);
  let p = built.get(hash);
  if (!p) {
    p = (async () => {
      const stubDir = join(cacheRoot(), 'stubs', key.slice(0, 16));
      await Promise.all(dso.needed.map((n) => stub(n, key)));
      const target = join(cacheRoot(), 'dsos', `${hash.slice(0, 32)}.so`);
      return publish(target, async (tmp) => {
        const src = `${tmp}.c`;
        await writeFile(src, source);
        try {
          // Stubs by path, never through -L: a stub named like a toolchain library
          // (libc.so) would otherwise capture the compiler driver's own -lc.
          await cc([...flags, `-I${NATIVE_DIR}`, '-o', tmp, src, ...dso.needed.map((n) => join(stubDir, n))]);
        } finally {
          await rm(src, { force: true });
        }
      });
    })();
    built.set(hash, p);
    p.catch(() => built.delete(hash)); // a failed build may succeed on retry
  }
  return p;
}

const graphs = new Map<string, Promise<string>>();
const graphObjects = new WeakMap<DsoGraph, Promise<string>>();

/**
 * Materialises a graph: returns the absolute path of a directory holding
 * exactly the graph's DSOs, each under its name.
 */
export function materialize(graph: DsoGraph): Promise<string> {
  let p = graphObjects.get(graph);
  if (!p) {
    p = materializeByContent(graph);
    graphObjects.set(graph, p);
    p.catch(() => graphObjects.delete(graph));
  }
  return p;
}

async function materializeByContent(graph: DsoGraph): Promise<string> {
  validateGraph(graph);
  const objects = await Promise.all(graph.dsos.map((d) => buildDso(d)));
  const listing = graph.dsos.map((d, i) => `${d.name}=${objects[i]}`).sort();
  const hash = sha256(RECIPE, ...listing);
  let p = graphs.get(hash);
  if (!p) {
    const target = join(cacheRoot(), 'graphs', hash.slice(0, 32));
    p = publish(target, async (tmp) => {
      await mkdir(tmp);
      await Promise.all(
        graph.dsos.map(async (d, i) => {
          const from = objects[i]!;
          const to = join(tmp, d.name);
          // A hard link keeps one inode per built object; copy where links fail.
          await link(from, to).catch(() => copyFile(from, to));
        }),
      );
    });
    graphs.set(hash, p);
    p.catch(() => graphs.delete(hash));
  }
  return p;
}
