/**
 * DSO materialisation: a DsoGraph becomes a directory of real shared objects,
 * one file per DSO of the graph, named by its `name`. A `needed` name that is
 * not in the graph has no file there, so loading anything that needs it fails
 * with `cannot open shared object file`.
 *
 * Two steps, each cached by content. The C source of a DSO depends only on
 * its shape (exports, undefined symbol, libc: dso-source.ts), so it is
 * compiled once per shape to an object file; each DSO is then only linked,
 * by the linker itself where the compiler's link line can be read
 * (linker.ts), with its name as soname, its flags, and empty stub objects
 * that carry the sonames of its DT_NEEDED entries: any DSO can be built
 * before the ones it needs, and cycles are no problem. DSOs are not even
 * linked one by one: one link per shape (and size class of DT_NEEDED) makes a
 * template that each DSO of that shape is patched from, names, DT_NEEDED
 * count and flags (template-patch.ts). A graph's directory
 * holds hard links to the built objects. build-dso-reference.ts keeps the
 * one-step recipe (compile and link in one `cc` run, as a reproducer's
 * Makefile does); native/build-dsos.test.ts checks both give the same.
 */
import { copyFile, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import { validateGraph } from '../model/graph.ts';
import { prepareCache, touch } from './cache.ts';
import { RESERVED_PREFIX, shapeSource } from './dso-source.ts';
import { linkArgs, linkTemplate, type LinkTemplate } from './linker.ts';
import { patchTemplate, templateDso } from './template-patch.ts';
import { BuildError, NATIVE_DIR, cacheRoot, cc, compilerId, exists, publish, sha256, sourceText, tool } from './toolchain.ts';

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

let runtimeText: Promise<string> | undefined;

/** Everything a DSO's bytes depend on besides its own description and the linker (the patcher's code too: a DSO built by another version of it is not reused). */
async function toolchainKey(): Promise<string> {
  runtimeText ??= Promise.all(['dso-runtime.h', 'event.h', 'template-patch.ts'].map(sourceText)).then((t) => t.join('\n'));
  return sha256(RECIPE, await compilerId(), await runtimeText);
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

/** Links `dso` as `out` from `object` and the stubs of its DT_NEEDED (paths, in order). */
async function linkDso(l: Linking, dso: Dso, out: string, object: string, needed: readonly string[]): Promise<void> {
  if (l.template) await tool(l.template.linker, linkArgs(l.template, dso, out, object, needed));
  // Stubs by path, never through -L: a stub named like a toolchain library
  // (libc.so) would otherwise capture the compiler driver's own -lc.
  else await cc([...dsoLinkFlags(dso), '-o', out, object, ...needed]);
}

const compiledObjects = new Map<string, Promise<string>>();

/** The object file compiled from `source` (cached by it, the flags and the toolchain). */
async function compiled(source: string, flags: readonly string[]): Promise<string> {
  const hash = sha256(await toolchainKey(), source, ...flags);
  let p = compiledObjects.get(hash);
  if (!p) {
    p = publish(join(cacheRoot(), 'objects', `${hash.slice(0, 32)}.o`), async (tmp) => {
      const src = `${tmp}.c`;
      await writeFile(src, source);
      try {
        await cc(['-c', ...flags, `-I${NATIVE_DIR}`, '-o', tmp, src]);
      } finally {
        await rm(src, { force: true });
      }
    });
    compiledObjects.set(hash, p);
    p.catch(() => compiledObjects.delete(hash)); // a failed build may succeed on retry
  }
  return p;
}

/** The stub object for a DT_NEEDED name: empty, with that soname. */
const stubs = new Map<string, Promise<string>>();
function stub(name: string): Promise<string> {
  let p = stubs.get(name);
  if (!p) {
    p = (async () => {
      const l = await linking(false);
      const empty = await compiled('', ['-fPIC']);
      // Linked by path: DT_NEEDED records the stub's soname, NAME.
      const target = join(cacheRoot(), 'stubs', l.key.slice(0, 16), name);
      const plain: Dso = { name, needed: [], unique: false, nodelete: false, libc: false, symbols: [] };
      return publish(target, (tmp) => linkDso(l, plain, tmp, empty, []));
    })();
    stubs.set(name, p);
    p.catch(() => stubs.delete(name));
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

/** The one-line error for a DSO no loader would get right (both build paths check it). */
export function checkBuildable(dso: Dso): void {
  const reserved = [...dso.symbols, dso.undefinedSymbol ?? ''].find((s) => s.startsWith(RESERVED_PREFIX));
  if (reserved) throw new BuildError(`${dso.name}: symbol "${reserved}" uses the reserved prefix ${RESERVED_PREFIX}`);
  // The event record holds the name in 48 bytes, NUL included (event.h).
  if (Buffer.byteLength(dso.name) > 47) throw new BuildError(`${dso.name}: name longer than 47 bytes`);
}

/** Keyed by what the linker is given, so a change of generator, flags or toolchain can never reuse a stale object; link order is DT_NEEDED order, libc last. */
const linkKey = (l: Linking, object: string, dso: Dso): string => sha256(l.key, object, ...dsoLinkFlags(dso), ...dso.needed.map((n) => `-l:${n}`));

async function buildByContent(dso: Dso): Promise<string> {
  checkBuildable(dso);
  await prepareCache();
  const l = await linking(dso.libc);
  const object = await compiled(shapeSource(dso), COMPILE_FLAGS);
  const hash = linkKey(l, object, dso);
  let p = built.get(hash);
  if (!p) {
    p = (async () => {
      const target = join(cacheRoot(), 'dsos', `${hash.slice(0, 32)}.so`);
      if (await exists(target)) return target;
      const patched = patchTemplate(await template(l, dso, object), dso);
      if (patched !== null) return publish(target, (tmp) => writeFile(tmp, patched));
      return publish(target, (tmp) => linkWithNames(l, dso, object, tmp));
    })();
    built.set(hash, p);
    p.catch(() => built.delete(hash));
  }
  return p;
}

/** Links `dso` under its own names and flags as `out` (what a patched DSO stands for, template-patch.ts). */
async function linkWithNames(l: Linking, dso: Dso, object: string, out: string): Promise<void> {
  const needed = await Promise.all(dso.needed.map((n) => stub(n)));
  await linkDso(l, dso, out, object, needed);
}

/** Links `dso` under its own names as `out`, never from a template: the reference patched DSOs are checked against. */
export async function linkDirectly(dso: Dso, out: string): Promise<void> {
  checkBuildable(dso);
  const l = await linking(dso.libc);
  await linkWithNames(l, dso, await compiled(shapeSource(dso), COMPILE_FLAGS), out);
}

const templates = new Map<string, Promise<Buffer>>();

/** The bytes of the template `dso` is patched from: `templateDso(dso)` linked once per process and kind (cached under `templates/`). */
function template(l: Linking, dso: Dso, object: string): Promise<Buffer> {
  const t = templateDso(dso);
  const hash = linkKey(l, object, t);
  let p = templates.get(hash);
  if (!p) {
    p = publish(join(cacheRoot(), 'templates', `${hash.slice(0, 32)}.so`), (tmp) => linkWithNames(l, t, object, tmp)).then((path) => readFile(path));
    templates.set(hash, p);
    p.catch(() => templates.delete(hash));
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
  return p.then(async (dir) => {
    // Another process's eviction (cache.ts) may have removed a directory this
    // one built more than RECENT_MS ago: build it again.
    if (!(await exists(dir))) {
      // As `place` does for an evicted DSO: forget what was built, build again.
      graphObjects.delete(graph);
      graphs.clear();
      return materialize(graph);
    }
    // Used now: eviction spares it.
    await touch(dir);
    return dir;
  });
}

/** A hard link keeps one inode per built object; copy where links fail. */
async function place(dso: Dso, from: string, to: string): Promise<void> {
  try {
    await link(from, to).catch(() => copyFile(from, to));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // Evicted from the cache (cache.ts) since this process built it: again.
    built.clear();
    builtObjects.delete(dso);
    await link(await buildDso(dso), to);
  }
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
      await Promise.all(graph.dsos.map((d, i) => place(d, objects[i]!, join(tmp, d.name))));
    });
    graphs.set(hash, p);
    p.catch(() => graphs.delete(hash));
  }
  return p;
}
