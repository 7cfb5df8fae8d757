/**
 * DSO materialisation: a DsoGraph becomes a directory of real shared objects,
 * one file per DSO of the graph, named by its `name`. A `needed` name that is
 * not in the graph has no file there, so loading anything that needs it fails
 * with `cannot open shared object file`.
 *
 * Two steps, each cached by content. The C source of a DSO has parts
 * (dso-source.ts): the runtime and the libc entry points, compiled once, and
 * the part of its shape (exports, undefined symbol), compiled once per shape.
 * Linking is by the linker itself where the compiler's link line can be read
 * (linker.ts), with the DSO's name as soname, its flags, and empty stub
 * objects that carry the sonames of its DT_NEEDED entries: any DSO can be
 * built before the ones it needs, and cycles are no problem. DSOs are not
 * linked one by one: one link per shape (and size class of DT_NEEDED) makes a
 * template, and each DSO of that shape is the template with its names,
 * DT_NEEDED count and flags patched in (template-patch.ts). A graph's
 * directory holds hard links to the built objects. build-dso-reference.ts
 * keeps the one-step recipe (compile and link in one `cc` run, as a
 * reproducer's Makefile does); native/build-equivalence.test.ts checks both
 * give the same.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import { validateGraph } from '../model/graph.ts';
import { madeNow, prepareCache, touch } from './cache.ts';
import { commonSources, RESERVED_PREFIX, shapeSource } from './dso-source.ts';
import { linkArgs, linkTemplate, type LinkTemplate } from './linker.ts';
import { patchTemplate, templateDso } from './template-patch.ts';
import { BuildError, NATIVE_DIR, cacheRoot, cc, compilerId, publish, sha256, sourceText, tool } from './toolchain.ts';

/** Bump when the build recipe changes in a way the flags below do not show. */
const RECIPE = 'dso-v5';

/**
 * The compiler flags of a test DSO's source. -O0, and no sibling calls:
 * dlmspec_dlopen must not become a jump to dlopen, which finds its caller's
 * namespace from its return address. The undefined symbol's call goes
 * through the PLT (lazy binding possible).
 */
export const COMPILE_FLAGS: readonly string[] = ['-fPIC', '-O0', '-fno-optimize-sibling-calls', '-fplt'];

/** The compiler driver's flags that link a test DSO from its object. */
export function dsoLinkFlags(dso: Dso): string[] {
  return [
    '-shared',
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

/** The flags that compile and link a test DSO in one `cc` run (repro/ writes them into its Makefile). */
export function linkFlags(dso: Dso): string[] {
  const [shared, ...rest] = dsoLinkFlags(dso);
  return [shared!, ...COMPILE_FLAGS, ...rest];
}

let toolchain: Promise<string> | undefined;

/** Everything a DSO's bytes depend on besides its own description and the linker (the patcher's code too: a DSO built by another version of it is not reused). */
function toolchainKey(): Promise<string> {
  toolchain ??= (async () => {
    const texts = await Promise.all(['dso-runtime.h', 'event.h', 'template-patch.ts'].map(sourceText));
    return sha256(RECIPE, await compilerId(), ...texts);
  })();
  return toolchain;
}

/** What links: the linker's template for this kind of DSO, or the compiler driver. */
interface Linking {
  readonly key: string;
  readonly template: LinkTemplate | null;
}

const linkings = new Map<boolean, Promise<Linking>>();
function linking(libc: boolean): Promise<Linking> {
  let p = linkings.get(libc);
  if (!p) {
    p = (async () => {
      const template = process.env.DLMSPEC_LINK_WITH_CC ? null : await linkTemplate(libc, dsoLinkFlags);
      return { key: sha256(await toolchainKey(), template ? template.identity + template.args.join('\0') : 'cc'), template };
    })();
    linkings.set(libc, p);
  }
  return p;
}

/** Links `dso` as `out` from `objects` and the stubs of its DT_NEEDED (paths, in order). */
async function linkDso(l: Linking, dso: Dso, out: string, objects: readonly string[], needed: readonly string[]): Promise<void> {
  if (l.template) await tool(l.template.linker, linkArgs(l.template, dso, out, objects, needed));
  // Stubs by path, never through -L: a stub named like a toolchain library
  // (libc.so) would otherwise capture the compiler driver's own -lc.
  else await cc([...dsoLinkFlags(dso), '-o', out, ...objects, ...needed]);
}

/**
 * What this process built or found under the cache root, by key: objects,
 * stubs, templates, DSOs, graphs. DSOs and graphs are also kept by what they
 * are, so that one seen before, in any sequence, skips hashing and the
 * cache's files: generated sequences make new objects for the same DSOs, and
 * shrinking makes the same graphs again and again. Each map forgets all past
 * `MEMO_ENTRIES`, to bound memory; a failed build is forgotten at once (it
 * may succeed on retry).
 */
const MEMO_ENTRIES = 20_000;
function memo<T>(map: Map<string, Promise<T>>, what: string, make: () => Promise<T>): Promise<T> {
  const key = `${cacheRoot()}\0${what}`;
  let p = map.get(key);
  if (!p) {
    if (map.size >= MEMO_ENTRIES) map.clear();
    p = make();
    map.set(key, p);
    const made = p;
    p.catch(() => map.get(key) === made && map.delete(key));
  }
  return p;
}

const compiledObjects = new Map<string, Promise<string>>();

/** The object file compiled from `source` (cached by it, the flags and the toolchain). */
async function compiled(source: string, flags: readonly string[]): Promise<string> {
  const hash = sha256(await toolchainKey(), source, ...flags);
  return memo(compiledObjects, hash, () =>
    publish(join(cacheRoot(), 'objects', `${hash.slice(0, 32)}.o`), async (tmp) => {
      const src = `${tmp}.c`;
      await writeFile(src, source);
      try {
        await cc(['-c', ...flags, `-I${NATIVE_DIR}`, '-o', tmp, src]);
      } finally {
        await rm(src, { force: true });
      }
    }),
  );
}

/** The stub object for a DT_NEEDED name: empty, with that soname. */
const stubs = new Map<string, Promise<string>>();
function stub(name: string): Promise<string> {
  return memo(stubs, name, async () => {
    const l = await linking(false);
    const empty = await compiled('', ['-fPIC']);
    // Linked by path: DT_NEEDED records the stub's soname, NAME.
    const target = join(cacheRoot(), 'stubs', l.key.slice(0, 16), name);
    const plain: Dso = { name, needed: [], unique: false, nodelete: false, libc: false, symbols: [] };
    return publish(target, (tmp) => linkDso(l, plain, tmp, [empty], []));
  });
}

const built = new Map<string, Promise<string>>();

const describe = (dso: Dso): string => JSON.stringify([dso.name, dso.needed, dso.unique, dso.nodelete, dso.libc, dso.symbols, dso.undefinedSymbol ?? null, dso.fn ?? null, dso.calls ?? []]);
const builtDsos = new Map<string, Promise<string>>();

/** Builds one DSO (or finds it in the cache); returns the path of the object. */
export function buildDso(dso: Dso): Promise<string> {
  return memo(builtDsos, describe(dso), () => buildByContent(dso));
}

/** The one-line error for a DSO no loader would get right (both build paths check it). */
export function checkBuildable(dso: Dso): void {
  const reserved = [...dso.symbols, dso.undefinedSymbol ?? '', dso.fn ?? '', ...(dso.calls ?? [])].find((s) => s.startsWith(RESERVED_PREFIX));
  if (reserved) throw new BuildError(`${dso.name}: symbol "${reserved}" uses the reserved prefix ${RESERVED_PREFIX}`);
  // The event record holds the name in 48 bytes, NUL included (event.h).
  if (Buffer.byteLength(dso.name) > 47) throw new BuildError(`${dso.name}: name longer than 47 bytes`);
}

/** Keyed by what the linker is given, so a change of generator, flags or toolchain can never reuse a stale object; link order is DT_NEEDED order, libc last. */
const linkKey = (l: Linking, objects: readonly string[], dso: Dso): string => sha256(l.key, ...objects, ...dsoLinkFlags(dso), ...dso.needed.map((n) => `-l:${n}`));

/**
 * The object files a DSO links, in order: the runtime and the libc entry
 * points, compiled once, and its shape's own part, compiled once per shape
 * (none for a shape of no symbols).
 */
function objectsOf(dso: Dso): Promise<string[]> {
  const shape = shapeSource(dso);
  return Promise.all([...commonSources(dso), ...(shape ? [shape] : [])].map((source) => compiled(source, COMPILE_FLAGS)));
}

async function buildByContent(dso: Dso): Promise<string> {
  checkBuildable(dso);
  await prepareCache();
  const l = await linking(dso.libc);
  const objects = await objectsOf(dso);
  const hash = linkKey(l, objects, dso);
  return memo(built, hash, async () => {
    const target = join(cacheRoot(), 'dsos', `${hash.slice(0, 32)}.so`);
    if (existsSync(target)) return target;
    const patched = patchTemplate(await template(l, dso, objects), dso);
    if (patched !== null) return publish(target, async (tmp) => writeFileSync(tmp, patched));
    return publish(target, (tmp) => linkWithNames(l, dso, objects, tmp));
  });
}

/** Links `dso` under its own names and flags as `out` (what a patched DSO stands for, template-patch.ts). */
async function linkWithNames(l: Linking, dso: Dso, objects: readonly string[], out: string): Promise<void> {
  const needed = await Promise.all(dso.needed.map((n) => stub(n)));
  await linkDso(l, dso, out, objects, needed);
}

/** Links `dso` under its own names as `out`, never from a template: the reference patched DSOs are checked against. */
export async function linkDirectly(dso: Dso, out: string): Promise<void> {
  checkBuildable(dso);
  const l = await linking(dso.libc);
  await linkWithNames(l, dso, await objectsOf(dso), out);
}

const templates = new Map<string, Promise<Buffer>>();

/** The bytes of the template `dso` is patched from: `templateDso(dso)` linked once per process and kind (cached under `templates/`). */
function template(l: Linking, dso: Dso, objects: readonly string[]): Promise<Buffer> {
  const t = templateDso(dso);
  const hash = linkKey(l, objects, t);
  return memo(templates, hash, () => publish(join(cacheRoot(), 'templates', `${hash.slice(0, 32)}.so`), (tmp) => linkWithNames(l, t, objects, tmp)).then((path) => readFile(path)));
}

const graphs = new Map<string, Promise<string>>();
const graphDirs = new Map<string, Promise<string>>();

/**
 * Materialises a graph: returns the absolute path of a directory holding
 * exactly the graph's DSOs, each under its name.
 */
export function materialize(graph: DsoGraph): Promise<string> {
  let key: string;
  try {
    validateGraph(graph);
    key = graph.dsos.map(describe).sort().join('\0');
  } catch (e) {
    return Promise.reject(e as Error);
  }
  return memo(graphDirs, key, () => materializeByContent(graph)).then(async (dir) => {
    // Another process's eviction (cache.ts) may have removed a directory this
    // one built more than RECENT_MS ago: build it again.
    if (!existsSync(dir)) {
      // As `place` does for an evicted DSO: forget what was built, build again.
      graphDirs.clear();
      graphs.clear();
      return materialize(graph);
    }
    // Used now: eviction spares it.
    touch(dir);
    return dir;
  });
}

/** A hard link keeps one inode per built object; copy where links fail. Synchronous, as the cache's small operations are (toolchain.ts `publish`). */
async function place(dso: Dso, from: string, to: string): Promise<void> {
  try {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // Evicted from the cache (cache.ts) since this process built it: again.
    built.clear();
    builtDsos.clear();
    linkSync(await buildDso(dso), to);
  }
}

async function materializeByContent(graph: DsoGraph): Promise<string> {
  const objects = await Promise.all(graph.dsos.map((d) => buildDso(d)));
  const listing = graph.dsos.map((d, i) => `${d.name}=${objects[i]}`).sort();
  const hash = sha256(RECIPE, ...listing);
  const target = join(cacheRoot(), 'graphs', hash.slice(0, 32));
  return memo(graphs, hash, () =>
    publish(target, async (tmp) => {
      mkdirSync(tmp);
      await Promise.all(graph.dsos.map((d, i) => place(d, objects[i]!, join(tmp, d.name))));
      madeNow(target);
    }),
  );
}
