/**
 * The reproducer's Makefile builds the same DSOs as the native driver's
 * builder (native/build-dsos.ts): same dynamic section, same exports.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { Dso } from '../model/dso.ts';
import { buildDso } from '../native/build-dsos.ts';
import { writeFileAtomic } from '../harness/files.ts';
import { specCounterexample } from '../cli/fixtures.ts';
import { tempDir } from '../cli/test-helpers.ts';
import { cString, reproFiles } from './generate.ts';

const run = promisify(execFile);

/** The dynamic section without addresses, and the defined dynamic symbols. */
async function dynamic(path: string): Promise<{ tags: string[]; symbols: string[] }> {
  const d = (await run('readelf', ['-d', '-W', path])).stdout;
  const keep = /\((NEEDED|SONAME|RUNPATH|RPATH|FLAGS|FLAGS_1|GNU_FLAGS_1|BIND_NOW|TEXTREL)\)/;
  const tags = d.split('\n').filter((l) => keep.test(l)).map((l) => l.replace(/^\s*0x[0-9a-f]+\s+/, '').trim());
  const s = (await run('readelf', ['--dyn-syms', '-W', path])).stdout;
  const symbols = s
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && f[6] !== 'UND' && /^(FUNC|OBJECT|NOTYPE)$/.test(f[3]!))
    .map((f) => `${f[7]} ${f[3]} ${f[4]}`)
    .sort();
  return { tags, symbols };
}

describe('reproducer DSOs', () => {
  const dsos: Dso[] = [
    { name: 'liba.so', needed: ['libb.so', 'libmissing.so'], unique: true, nodelete: true, libc: true, symbols: ['f0', 'f2'], undefinedSymbol: 'nosuchfn' },
    { name: 'libb.so', needed: ['liba.so'], unique: false, nodelete: false, libc: false, symbols: ['f1'] },
  ];

  test('are linked exactly as the native driver links them', async () => {
    const c = await specCounterexample('glibc', 'rtld-shared');
    const dir = await tempDir();
    const files = reproFiles({ ...c, graph: { dsos }, calls: [{ op: 'dlopen', file: 'liba.so', mode: 1 }], finding: { ...c.finding, call: { op: 'dlopen', file: 'liba.so', mode: 1 } } });
    for (const [name, text] of files) await writeFileAtomic(join(dir, name), text);
    await run('make', ['-C', dir, ...dsos.map((d) => `lib/${d.name}`)]);
    for (const d of dsos) {
      const ours = await dynamic(join(dir, 'lib', d.name));
      const theirs = await dynamic(await buildDso(d));
      expect(ours, d.name).toEqual(theirs);
      expect(ours.tags.some((t) => t.includes('(NEEDED)') && t.includes('[libc.so.6]'))).toBe(d.libc);
    }
  });
});

test('C string literals', () => {
  expect(cString('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
  expect(cString('é')).toBe('"\\303\\251"');
  expect(cString('??=')).toBe('"\\?\\?="');
});
