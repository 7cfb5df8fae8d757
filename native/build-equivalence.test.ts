/**
 * The builder's DSOs (one compile per shape, then a link by the linker
 * itself: build-dsos.ts) against the one-step recipe (compile and link in
 * one `cc` run: build-dso-reference.ts) on generated graphs: the same
 * dynamic section (NEEDED order, SONAME, RUNPATH, FLAGS, FLAGS_1,
 * GNU_FLAGS_1), the same dynamic symbols, defined and undefined, with type
 * and binding. And the name a constructor reports, no longer compiled in,
 * is the DSO's whole name however long. A DSO patched from a template
 * (template-patch.ts) reads as the linker's own output for its names and
 * flags: everything but addresses the same.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { runBin, tempDir } from '../cli/test-helpers.ts';
import { arbGraph } from '../generators/graph.ts';
import type { Dso } from '../model/dso.ts';
import { LM_ID_NEWLM, RTLD_NOW } from '../model/mode.ts';
import { buildDsoOneStep } from './build-dso-reference.ts';
import { buildDso, linkDirectly } from './build-dsos.ts';
import { patchTemplate } from './template-patch.ts';

const run = promisify(execFile);

/** The dynamic section's tags and values, addresses and sizes left out. */
async function dynamicTags(path: string): Promise<string[]> {
  const d = (await run('readelf', ['-d', '-W', path])).stdout;
  const keep = /\((NEEDED|SONAME|RUNPATH|RPATH|FLAGS|FLAGS_1|GNU_FLAGS_1|BIND_NOW|TEXTREL|INIT_ARRAYSZ|FINI_ARRAYSZ|SYMBOLIC)\)/;
  return d.split('\n').filter((l) => keep.test(l)).map((l) => l.replace(/^\s*0x[0-9a-f]+\s+/, '').trim());
}

/** Dynamic symbols: `name type bind visibility defined|UND`, sorted. */
async function dynamicSymbols(path: string): Promise<string[]> {
  const s = (await run('readelf', ['--dyn-syms', '-W', path])).stdout;
  return s
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && /^\d+:$/.test(f[0]!) && f[7] !== undefined)
    .map((f) => `${f[7]!.replace(/@.*$/, '')} ${f[3]} ${f[4]} ${f[5]} ${f[6] === 'UND' ? 'UND' : 'defined'}`)
    .sort();
}

/** Dynamic relocations by type and symbol (the undefined symbol's JUMP_SLOT: lazy binding). */
async function relocations(path: string): Promise<string[]> {
  const r = (await run('readelf', ['-rW', path])).stdout;
  return r
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && /^[0-9a-f]{8,}$/.test(f[0]!) && /^R_/.test(f[2]!))
    .map((f) => `${f[2]} ${f[4] ?? ''}`.trim().replace(/@.*$/, ''))
    .sort();
}

const graphs = fc.sample(arbGraph({ maxDsos: 6 }), { numRuns: 30, seed: 1414 });
const dsos = [...new Map(graphs.flatMap((g) => g.dsos).map((d) => [JSON.stringify(d), d])).values()];

let dir: string;
beforeAll(async () => {
  dir = await tempDir('dlmspec-build-equivalence-');
});

test(`${dsos.length} DSOs of 30 generated graphs: the same dynamic section, symbols and relocations as the one-step build`, async () => {
  // Both flags of every kind occur, so that the comparison covers them.
  for (const k of ['unique', 'nodelete', 'libc'] as const) expect(new Set(dsos.map((d) => d[k]))).toEqual(new Set([true, false]));
  expect(dsos.some((d) => d.undefinedSymbol !== undefined) && dsos.some((d) => d.needed.length > 1)).toBe(true);
  // Built side by side (the toolchain runs one compiler per core).
  const pairs = await Promise.all(dsos.map(async (d, i) => [d, await buildDso(d), await buildDsoOneStep(d, join(dir, String(i)))] as const));
  for (const [d, ours, reference] of pairs) {
    const what = JSON.stringify(d);
    expect(await dynamicTags(ours), what).toEqual(await dynamicTags(reference));
    expect(await dynamicSymbols(ours), what).toEqual(await dynamicSymbols(reference));
    expect(await relocations(ours), what).toEqual(await relocations(reference));
  }
});

/** Tags whose values are addresses: where things are, which a patched DSO lays out otherwise (template-patch.ts). */
const ADDRESS_TAGS = /\((INIT|FINI|INIT_ARRAY|FINI_ARRAY|GNU_HASH|HASH|STRTAB|SYMTAB|PLTGOT|JMPREL|RELA|REL|VERNEED|VERDEF|VERSYM)\)/;

/** The whole dynamic section, in order, up to its DT_NULL: addresses and the string table's size left out. */
async function dynamicSection(path: string): Promise<string[]> {
  const d = (await run('readelf', ['-d', '-W', path])).stdout;
  return d
    .split('\n')
    .filter((l) => /^\s*0x[0-9a-f]+ \(/.test(l) && !/\(STRSZ\)/.test(l))
    .map((l) => l.replace(/^\s*0x[0-9a-f]+\s+/, '').trim())
    .map((l) => (ADDRESS_TAGS.test(l) ? l.replace(/0x[0-9a-f]+$/, 'ADDRESS') : l));
}

/** Sections by name, type, flags and size (the string table's and the dynamic section's sizes left out: slots and spare entries). */
async function sections(path: string): Promise<string[]> {
  const s = (await run('readelf', ['-S', '-W', path])).stdout;
  return s
    .split('\n')
    .map((l) => /^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s*([A-Z]*)/.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]} ${m[4]} ${m[1] === '.dynstr' || m[1] === '.dynamic' ? '' : m[3]}`.trim());
}

/** Program headers by type, flags and alignment, and which sections each maps. */
async function segments(path: string): Promise<string[]> {
  const l = (await run('readelf', ['-l', '-W', path])).stdout.split('\n');
  const headers = l.map((x) => /^\s+([A-Z_]+)\s+0x\S+\s+0x\S+\s+0x\S+\s+0x\S+\s+0x\S+\s+(.{3})\s+(0x\S+)/.exec(x)).filter((m) => m !== null);
  const mapping = l.filter((x) => /^\s+\d\d\s/.test(x)).map((x) => x.trim());
  return [...headers.map((m) => `${m[1]} ${m[2]} ${m[3]}`), ...mapping];
}

/** Dynamic symbols with section index and size (values are addresses). */
async function symbolDetails(path: string): Promise<string[]> {
  const s = (await run('readelf', ['--dyn-syms', '-W', path])).stdout;
  return s
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && /^\d+:$/.test(f[0]!))
    .map((f) => f.slice(2).join(' '))
    .sort();
}

/** Version needs: files, versions and flags, offsets left out. */
async function versions(path: string): Promise<string[]> {
  const v = (await run('readelf', ['-V', '-W', path])).stdout;
  return v
    .split('\n')
    .filter((l) => /(File|Name): /.test(l) && !/Addr: /.test(l))
    .map((l) => l.replace(/^\s*0x[0-9a-f]+:\s*/, '').trim());
}

/** What the loader reads of a DSO, addresses aside: the comparison of a patched DSO with the linker's own. */
async function loaderView(path: string): Promise<Record<string, string[]>> {
  return { dynamic: await dynamicSection(path), sections: await sections(path), segments: await segments(path), symbols: await symbolDetails(path), relocations: await relocations(path), versions: await versions(path) };
}

test(`${dsos.length} DSOs of 30 generated graphs: each patched from its template reads, addresses aside, as the DSO the linker makes from its own names and flags`, async () => {
  for (const [i, d] of dsos.entries()) {
    const linked = join(dir, `linked-${i}.so`);
    await linkDirectly(d, linked);
    const ours = await buildDso(d);
    // Patched, not linked: not the linker's bytes.
    expect((await readFile(ours)).equals(await readFile(linked))).toBe(false);
    expect(await loaderView(ours), JSON.stringify(d)).toEqual(await loaderView(linked));
  }
});

test('names the string table merges, symbols that are the tail of a name, more DT_NEEDED than a small template has: patched all the same', async () => {
  const mk = (name: string, needed: string[], extra: Partial<Dso> = {}): Dso => ({ name, needed, unique: false, nodelete: true, libc: false, symbols: ['so', 'o', 'b_so'], ...extra });
  const cases = [
    mk('liblibb.so', ['libb.so']), // libb.so is the tail of liblibb.so
    mk(`lib${'x'.repeat(40)}.so`, ['libx.so'], { libc: true, unique: true }),
    mk('liba.so', Array.from({ length: 9 }, (_, i) => `lib${i}.so`), { undefinedSymbol: 'so' }), // 16 slots
  ];
  for (const [i, d] of cases.entries()) {
    const linked = join(dir, `merged-${i}.so`);
    await linkDirectly(d, linked);
    expect(await loaderView(await buildDso(d)), JSON.stringify(d)).toEqual(await loaderView(linked));
  }
});

test('what is not a template it can read, the patcher refuses', () => {
  const d: Dso = { name: 'liba.so', needed: [], unique: false, nodelete: false, libc: false, symbols: [] };
  expect(patchTemplate(Buffer.from('not an ELF file'), d)).toBeNull();
  expect(patchTemplate(Buffer.alloc(4096), d)).toBeNull();
});

test('where the linker line is not used (DLMSPEC_LINK_WITH_CC), linking with cc gives the same DSOs', async () => {
  const graph = graphs.find((g) => g.dsos.length >= 3 && g.dsos.some((d) => d.libc) && g.dsos.some((d) => !d.libc))!;
  const file = join(dir, 'graph.json');
  await writeFile(file, JSON.stringify(graph));
  const r = await runBin(['dsos', file], { env: { DLMSPEC_LINK_WITH_CC: '1', DLMSPEC_CACHE_DIR: join(dir, 'cc-cache') } });
  expect(r.code, r.stderr).toBe(0);
  const built = r.stdout.trim();
  expect(built.startsWith(join(dir, 'cc-cache'))).toBe(true);
  for (const d of graph.dsos) {
    const reference = await buildDsoOneStep(d, join(dir, 'cc-reference'));
    expect(await dynamicTags(join(built, d.name))).toEqual(await dynamicTags(reference));
    expect(await dynamicSymbols(join(built, d.name))).toEqual(await dynamicSymbols(reference));
  }
});

let impl: NativeImplementation;
afterAll(async () => {
  await impl?.close();
  await rm(dir, { recursive: true, force: true });
});

test('constructors and destructors report the whole name of their DSO, read from its soname', async () => {
  impl = new NativeImplementation();
  const long = `lib${'n'.repeat(40)}.so`; // the longest name a graph may hold (model/graph.ts)
  const mk = (name: string, extra: Partial<Dso> = {}): Dso => ({ name, needed: [], unique: false, nodelete: false, libc: false, symbols: [], ...extra });
  // Same shape (no symbols, -nostdlib): one object file for both.
  const graph = { dsos: [mk(long, { needed: ['liba.so'] }), mk('liba.so'), mk('libc2.so', { libc: true })] };
  const out = await impl.run(graph, [
    { op: 'dlmopen', lmid: LM_ID_NEWLM, file: long, mode: RTLD_NOW },
    { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libc2.so', mode: RTLD_NOW },
    { op: 'dlclose', handle: 0 },
  ]);
  expect(out.status).toBe('ok');
  const events = out.observations.map((o) => o.events.map((e) => `${e.event} ${e.object}@${e.ns}`));
  expect(events).toEqual([[`ctor liba.so@1`, `ctor ${long}@1`], ['ctor libc2.so@2'], [`dtor ${long}@1`, 'dtor liba.so@1']]);
});
