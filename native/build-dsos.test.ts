/**
 * DSO materialisation: the built objects carry exactly what the graph says
 * (read back with readelf and nm), missing dependencies have no file, and
 * the cache is keyed by content.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import { materialize } from './build-dsos.ts';

const dso = (name: string, extra: Partial<Dso> = {}): Dso => ({ name, needed: [], unique: false, nodelete: false, libc: false, symbols: [], ...extra });

const graph: DsoGraph = {
  dsos: [
    // A cycle (a <-> b), link order kept, libc last, a file that is missing.
    dso('liba.so', { needed: ['libb.so', 'libmissing.so'], libc: true, symbols: ['fa', 'if'] }),
    dso('libb.so', { needed: ['liba.so'], unique: true, nodelete: true, symbols: ['fb'], undefinedSymbol: 'nowhere' }),
  ],
};

let dir: string;
beforeAll(async () => {
  dir = await materialize(graph);
});

function dynamic(file: string): string {
  return execFileSync('readelf', ['-dW', join(dir, file)], { encoding: 'utf8' });
}

function tags(file: string, tag: string): string[] {
  return dynamic(file)
    .split('\n')
    .filter((l) => l.includes(`(${tag})`))
    .map((l) => l.replace(/^.*\)\s+/, '').trim());
}

/** Dynamic symbols as `T name` / `U name`. */
function symbols(file: string): string[] {
  return execFileSync('nm', ['-D', join(dir, file)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).slice(-2).join(' ').replace(/@.*$/, ''))
    .filter((l) => /^[TU] /.test(l))
    .sort();
}

test('the directory holds exactly the graph DSOs; a needed name outside the graph has no file', () => {
  expect(readdirSync(dir).sort()).toEqual(['liba.so', 'libb.so']);
});

test('DT_NEEDED in link order, libc last; SONAME; RUNPATH $ORIGIN', () => {
  expect(tags('liba.so', 'NEEDED')).toEqual(['Shared library: [libb.so]', 'Shared library: [libmissing.so]', 'Shared library: [libc.so.6]']);
  expect(tags('libb.so', 'NEEDED')).toEqual(['Shared library: [liba.so]']);
  expect(tags('liba.so', 'SONAME')).toEqual(['Library soname: [liba.so]']);
  expect(tags('liba.so', 'RUNPATH')).toEqual(['Library runpath: [$ORIGIN]']);
});

test('unique and nodelete become DT_GNU_FLAGS_1 UNIQUE and DF_1_NODELETE', () => {
  expect(tags('libb.so', 'GNU_FLAGS_1')).toEqual(['Flags: UNIQUE']);
  expect(tags('libb.so', 'FLAGS_1')).toEqual(['Flags: NODELETE']);
  expect(tags('liba.so', 'GNU_FLAGS_1')).toEqual([]);
  expect(tags('liba.so', 'FLAGS_1')).toEqual([]);
  expect(tags('libb.so', 'BIND_NOW')).toEqual([]);
});

test('exports: the graph symbols, plus the caller entry points when libc-linked; the undefined symbol only', () => {
  expect(symbols('liba.so')).toEqual(['T dlmspec_dlclose', 'T dlmspec_dlerror', 'T dlmspec_dlopen', 'T fa', 'T if', 'U dlclose', 'U dlerror', 'U dlopen']);
  // libc-free: nothing undefined but the symbol asked for (no memcpy & co.).
  expect(symbols('libb.so')).toEqual(['T fb', 'U nowhere']);
  // Through the PLT, so RTLD_LAZY can defer it.
  expect(execFileSync('readelf', ['-rW', join(dir, 'libb.so')], { encoding: 'utf8' })).toMatch(/JUMP_SLOT.*nowhere/);
});

test('content-addressed: the same graph is the same directory and files; a changed DSO is another object', async () => {
  expect(await materialize({ dsos: [...graph.dsos] })).toBe(dir);
  const changed = await materialize({ dsos: [graph.dsos[0]!, { ...graph.dsos[1]!, symbols: ['fb', 'fc'] }] });
  expect(changed).not.toBe(dir);
  expect(statSync(join(changed, 'liba.so')).ino).toBe(statSync(join(dir, 'liba.so')).ino);
  expect(statSync(join(changed, 'libb.so')).ino).not.toBe(statSync(join(dir, 'libb.so')).ino);
});

test('a graph directory another process evicted (cache.ts) is built again when this process asks for it once more', async () => {
  const g: DsoGraph = { dsos: [dso('libevicted.so', { needed: ['libkept.so'] }), dso('libkept.so', { symbols: ['f0'] })] };
  const first = await materialize(g);
  rmSync(first, { recursive: true, force: true });
  const again = await materialize(g);
  expect(readdirSync(again).sort()).toEqual(['libevicted.so', 'libkept.so']);
});
