/**
 * `dlmspec import` reads the language of glibc's scripts/dso-ordering-test.py
 * as the script does (its docstring's examples), and the shipped tables are
 * what it makes of the shipped copies of glibc's files.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runMain } from '../cli/test-helpers.ts';
import { DSO_SORT_COPIES, DSO_SORT_DIR } from './copies.ts';
import { importDef } from './import.ts';
import { parseOutput } from './output.ts';
import { DefError, parseDefFile } from './parse.ts';
import { casesOf } from './testcase.ts';

const ctx = { origin: 'test', file: 'elf/test.def' };
const one = (text: string) => importDef(text, ctx);
const table = (text: string) => {
  const [c] = one(text);
  if (c?.scenario == null) throw new Error(`not imported: ${c?.reason}`);
  return c.scenario;
};
const needs = (text: string) => Object.fromEntries(table(text).graph.dsos.map((d) => [d.name, d.needed.join(' ')]));

describe('the description language', () => {
  test('-> chains, [..] sets of one-letter objects, (..) sets with ranges, ; separates', () => {
    expect(needs('t: a->b->[cd]->e;(f1 g2-4)->a\noutput: {}')).toEqual({
      'liba.so': 'libb.so',
      'libb.so': 'libc_.so libd.so',
      'libc_.so': 'libe.so',
      'libd.so': 'libe.so',
      'libe.so': '',
      'libf1.so': 'liba.so',
      'libg2.so': 'liba.so',
      'libg3.so': 'liba.so',
      'libg4.so': 'liba.so',
    });
  });

  test('the program: {}->x, or by default the objects nothing depends on; {}->* adds those to an explicit one', () => {
    expect(table('t: a->b;d\noutput: {}').graph.program).toEqual({ needed: ['liba.so', 'libd.so'] });
    expect(table('t: {}->b;a->b;d\noutput: {}').graph.program).toEqual({ needed: ['libb.so'] });
    expect(table('t: {}->b;{}->*;a->b;d\noutput: {}').graph.program).toEqual({ needed: ['libb.so', 'liba.so', 'libd.so'] });
  });

  test('=> call references: fn_a calls fn_b, in order; the callee exports fn_b', () => {
    const s = table('t: a->b=>c;a=>[dc]\noutput: {}');
    const fn = Object.fromEntries(s.graph.dsos.map((d) => [d.name, [d.fn ?? '-', ...(d.calls ?? [])].join(' ')]));
    expect(fn).toEqual({ 'liba.so': 'fn_a fn_d fn_c', 'libb.so': 'fn_b fn_c', 'libc_.so': 'fn_c', 'libd.so': 'fn_d' });
  });

  test('the program\'s operations become rows: + dlopen GLOBAL, ^ dlopen, - dlclose of the last open, % a call through it', () => {
    const s = table('t: {+a;^b;%a;-a}\noutput: {+a[a>];:b[b>];%a();-a[<a];}<b');
    expect(s.rows.map((r) => r.call)).toEqual([
      { op: 'start' },
      { op: 'dlopen', file: 'liba.so', mode: 0x101 },
      { op: 'dlopen', file: 'libb.so', mode: 1 },
      { op: 'call', handle: 1, symbol: 'fn_a' },
      { op: 'dlclose', handle: 1 },
      { op: 'exit' },
    ]);
    expect(s.rows.map((r) => (r.expect?.trace ?? []).map((e) => `${e.event} ${e.object}`).join(','))).toEqual(['', 'ctor liba.so', 'ctor libb.so', 'enter liba.so,leave liba.so', 'dtor liba.so', 'dtor libb.so']);
  });

  test('! permutes an object\'s link order: one case per permutation, named as the script names its programs', () => {
    const cases = one('tst-x: a!->[bc]->d;{}!->[ae]\noutput: {}');
    expect(cases.map((c) => c.name)).toEqual(['tst-x_1-a_bc-ae', 'tst-x_2-a_bc-ea', 'tst-x_3-a_cb-ae', 'tst-x_4-a_cb-ea']);
    expect(cases.map((c) => c.scenario!.graph.program!.needed.join(' '))).toEqual(['liba.so libe.so', 'libe.so liba.so', 'liba.so libe.so', 'libe.so liba.so']);
  });

  test('outputs per tunable; the tunable_option lines in effect when the next test starts (the script processes a test then); clear_tunables; xfail_output', () => {
    const text = ['tunable_option: glibc.rtld.dynamic_sort=1', 'tunable_option: glibc.rtld.dynamic_sort=2', 't1: a', 'output: a>{}<a', 't2: b', 'output(glibc.rtld.dynamic_sort=2): b>{}<b', 'xfail_output(glibc.rtld.dynamic_sort=1): x>{}<x', 'clear_tunables', 't3: c', 'output: c>{}<c'].join('\n');
    expect(one(text).map((c) => [c.name, c.tunable, c.xfail])).toEqual([
      ['t1-glibc.rtld.dynamic_sort_1', 'glibc.rtld.dynamic_sort=1', false],
      ['t1-glibc.rtld.dynamic_sort_2', 'glibc.rtld.dynamic_sort=2', false],
      ['t2-glibc.rtld.dynamic_sort_2', 'glibc.rtld.dynamic_sort=2', false],
      ['t2-glibc.rtld.dynamic_sort_1', 'glibc.rtld.dynamic_sort=1', true],
      ['t3', '', false],
    ]);
    // clear_tunables before t2's end would have left t2's default outputs with none: what counts is the moment t2 is processed.
    expect(one(['tunable_option: glibc.rtld.dynamic_sort=1', 't1: a', 'output: a>{}<a', 'clear_tunables', 't2: b'].join('\n'))[0]!.tunable).toBe('');
    // An XFAIL output is not what glibc prints: the table leaves the trace to the spec.
    expect(one(text)[3]!.scenario!.rows.every((r) => r.expect?.trace === undefined)).toBe(true);
  });

  test('soname({})=x: the program answers the DT_NEEDED of x; xtest(NAME); several lines make one description', () => {
    const [c] = one('xtest(t): {}->a->b->c\nsoname({})=c\noutput: b>a>{}<a<b');
    expect(c!.xtest).toBe(true);
    expect(c!.scenario!.graph.program).toEqual({ needed: ['liba.so'], soname: 'libc_.so' });
  });

  test('what a table cannot say is skipped with its reason, never dropped', () => {
    expect(one('t: a;soname(a)=b\noutput: {}')[0]!.reason).toMatch(/soname\(a\)=b/);
    expect(one('t: {@a}\noutput: {@a();}')[0]!.reason).toMatch(/direct call from the program/);
    expect(one('t: {-a}\noutput: {-a[];}')[0]!.reason).toMatch(/not open in the program/);
  });

  test('the script\'s errors are the importer\'s, with the line', () => {
    expect(() => parseDefFile('output: x')).toThrow(DefError);
    expect(() => parseDefFile('t: a->->b')).toThrow(/line 1: syntax error, multiple contiguous ->,=> operations/);
    expect(() => parseDefFile('t: a\n  b&c')).toThrow(/line 2: unknown token '&'/);
    expect(() => parseDefFile('t: *->a')).toThrow(/non-dependence target set/);
    expect(() => parseOutput('a>{+a[a>]}')).toThrow(/expected ';'/);
  });

  test('permutations come in itertools order', () => {
    const t = parseDefFile('t: a!->[bcd]\noutput: {}')[0]!;
    expect(casesOf(t).map((c) => c.deps.get('a')!.join(''))).toEqual(['bcd', 'bdc', 'cbd', 'cdb', 'dbc', 'dcb']);
  });
});

describe('the shipped tables (scenarios/dso-sort/)', () => {
  test.each(DSO_SORT_COPIES.map((c) => [c.dir, c] as const))('%s: exactly what dlmspec import makes of its src/ copy of glibc\'s files', async (_dir, copy) => {
    const out = await mkdtemp(join(tmpdir(), 'dlmspec-import-'));
    try {
      const src = join(DSO_SORT_DIR, copy.dir, 'src');
      const r = await runMain(['import', join(src, 'dso-sort-tests-1.def'), join(src, 'dso-sort-tests-2.def'), '--out', out, '--origin', copy.dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/0 skipped\n.*0 skipped\n$/s);
      const made = (await readdir(out)).sort();
      const shipped = (await readdir(join(DSO_SORT_DIR, copy.dir))).filter((f) => f.endsWith('.scenario')).sort();
      expect(made).toEqual(shipped);
      for (const f of made) expect(await readFile(join(out, f), 'utf8'), f).toBe(await readFile(join(DSO_SORT_DIR, copy.dir, f), 'utf8'));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
