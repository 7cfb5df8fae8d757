import { describe, expect, test } from 'vitest';
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import { RTLD_GLOBAL, RTLD_LAZY, RTLD_NOW } from '../model/mode.ts';
import { withAuditor } from './audit.ts';
import { referenceSystem } from './initial.ts';
import { runSpec } from './run.ts';

/**
 * The process extension's rules, each on a case whose every step was seen
 * as written here on the release builds 2.34, 2.36 and 2.42 of
 * ../shared/loaders (plain and under the audit module; December 2026): the
 * spec must predict them. The random suites and the imported DSO-sorting
 * tests (scenarios/dso-sort/) judge the rest.
 */

const dso = (name: string, needed: string[] = [], extra: Partial<Dso> = {}): Dso => ({ name, needed, unique: false, nodelete: false, libc: false, symbols: [], ...extra });
const at = (release: string) => ({ ...referenceSystem(false), release });
/** Each step as `result [events]`, events as `c:`, `d:`, `e:` (enter), `l:` (leave). */
const steps = (graph: DsoGraph, calls: Call[], release = '2.42') =>
  runSpec('glibc', graph, calls, at(release)).steps.map((s) => {
    const r = s.expected.result;
    const result = r.kind === 'null' || r.kind === 'fatal' ? `${r.kind}(${r.error})` : r.kind;
    return `${result} [${s.expected.events.map((e) => `${e.event[0]}:${e.object}@${e.ns}`).join(' ')}]`;
  });

const GLOBAL_X = RTLD_LAZY | RTLD_GLOBAL;
const XY = { dsos: [dso('libx.so', [], { fn: 'fn_x' }), dso('liby.so', [], { fn: 'fn_y', calls: ['fn_x'] })] };

describe('[PROC1] start-up', () => {
  const graph = { dsos: [dso('liba.so', ['libb.so'], { fn: 'fn_a' }), dso('libb.so', ['libc_.so']), dso('libc_.so')], program: { needed: ['liba.so'] } };

  test('the program\'s DT_NEEDED breadth-first after the program and the vdso, ld.so where its search list puts it; constructors from the end of its l_initfini', () => {
    const run = runSpec('glibc', graph, [{ op: 'start' }], at('2.42'));
    expect(run.steps[0]!.expected.namespaces[0]!.entries.map((e) => e.object)).toEqual(['<main>', 'linux-vdso.so.1', 'liba.so', 'libc.so.6', 'libb.so', 'ld-linux-x86-64.so.2', 'libc_.so']);
    expect(steps(graph, [{ op: 'start' }])).toEqual(['started [c:libc_.so@0 c:libb.so@0 c:liba.so@0]']);
  });

  test('a DT_NEEDED the program\'s own DT_SONAME answers is the program: that object is never loaded (glibc\'s tst-dso-ordering10)', () => {
    const soname = { dsos: [dso('liba.so', ['libb.so']), dso('libb.so', ['libd.so']), dso('libd.so')], program: { needed: ['liba.so'], soname: 'libd.so' } };
    expect(steps(soname, [{ op: 'start' }, { op: 'exit' }])).toEqual(['started [c:libb.so@0 c:liba.so@0]', 'exited [d:liba.so@0 d:libb.so@0]']);
  });

  test('a start-up object is never unloaded: a dlopen of it and its dlclose leave it; with DF_1_NODELETE a second dlclose succeeds too', () => {
    const pinned = { dsos: [dso('liba.so', [], { nodelete: true })], program: { needed: ['liba.so'] } };
    const calls: Call[] = [{ op: 'start' }, { op: 'dlopen', file: 'liba.so', mode: RTLD_NOW }, { op: 'dlclose', handle: 1 }, { op: 'dlclose', handle: 1 }];
    expect(steps(pinned, calls)).toEqual(['started [c:liba.so@0]', 'handle []', 'ok []', 'ok []']);
  });
});

describe('[PROC2][SYM3] calls', () => {
  test('a traced function reports entering, its callees bound in its scope (here the start-up objects: the global scope), and leaving', () => {
    const graph = { dsos: [dso('liba.so', [], { fn: 'fn_a' }), dso('libd.so', ['libe.so'], { fn: 'fn_d', calls: ['fn_a', 'fn_e'] }), dso('libe.so', [], { fn: 'fn_e' })], program: { needed: ['liba.so'] } };
    const calls: Call[] = [{ op: 'start' }, { op: 'dlopen', file: 'libd.so', mode: RTLD_LAZY }, { op: 'call', handle: 1, symbol: 'fn_d' }];
    expect(steps(graph, calls)[2]).toBe('called [e:libd.so@0 e:liba.so@0 l:liba.so@0 e:libe.so@0 l:libe.so@0 l:libd.so@0]');
  });

  test('RTLD_GLOBAL puts an object in the global scope, which binds a callee no DT_NEEDED gives; without it the call ends the process (status 127)', () => {
    const global: Call[] = [{ op: 'dlopen', file: 'libx.so', mode: GLOBAL_X }, { op: 'dlopen', file: 'liby.so', mode: RTLD_LAZY }, { op: 'call', handle: 1, symbol: 'fn_y' }];
    expect(steps(XY, global)[2]).toBe('called [e:liby.so@0 e:libx.so@0 l:libx.so@0 l:liby.so@0]');
    const local: Call[] = [{ op: 'dlopen', file: 'libx.so', mode: RTLD_LAZY }, { op: 'dlopen', file: 'liby.so', mode: RTLD_LAZY }, { op: 'call', handle: 1, symbol: 'fn_y' }];
    expect(steps(XY, local)[2]).toBe('fatal(symbol lookup error: liby.so: undefined symbol: fn_x) [e:liby.so@0]');
  });

  test('under RTLD_NOW every callee is bound at load: one no object defines fails the open (either of two may be named: the linker orders the relocations); RTLD_LAZY defers it', () => {
    const graph = { dsos: [dso('liby.so', [], { fn: 'fn_y', calls: ['fn_p', 'fn_q'] })] };
    const run = runSpec('glibc', graph, [{ op: 'dlopen', file: 'liby.so', mode: RTLD_NOW }, { op: 'dlopen', file: 'liby.so', mode: RTLD_LAZY }], at('2.42'));
    expect(run.steps[0]!.expected.result).toEqual({ kind: 'null', error: 'liby.so: undefined symbol: fn_p' });
    expect(run.steps[0]!.expected.alternatives).toEqual([{ kind: 'null', error: 'liby.so: undefined symbol: fn_q' }]);
    expect(run.steps[1]!.expected.result.kind).toBe('handle');
  });
});

describe('[SYM4] relocation dependencies', () => {
  const calls: Call[] = [{ op: 'dlopen', file: 'libx.so', mode: GLOBAL_X }, { op: 'dlopen', file: 'liby.so', mode: RTLD_LAZY }, { op: 'call', handle: 1, symbol: 'fn_y' }];

  test('a binding outside the caller\'s DT_NEEDED keeps the definer loaded while the caller is, and they are destroyed together, the caller first', () => {
    expect(steps(XY, [...calls, { op: 'dlclose', handle: 0 }, { op: 'dlclose', handle: 1 }]).slice(3)).toEqual(['ok []', 'ok [d:liby.so@0 d:libx.so@0]']);
  });

  test('destructors at exit respect it: the caller first, though the definer was loaded first (the DFS sorter walks relocation dependencies too)', () => {
    expect(steps(XY, [...calls, { op: 'exit' }]).at(-1)).toBe('exited [d:liby.so@0 d:libx.so@0]');
  });

  test('a binding made by a start-up object pins the definer (nodelete): its dlclose unloads nothing', () => {
    const graph = { dsos: [dso('libx.so', [], { fn: 'fn_x' }), dso('libs.so', [], { fn: 'fn_s', calls: ['fn_x'] })], program: { needed: ['libs.so'] } };
    const pin: Call[] = [{ op: 'start' }, { op: 'dlopen', file: 'libx.so', mode: GLOBAL_X }, { op: 'dlopen', file: 'libs.so', mode: RTLD_LAZY }, { op: 'call', handle: 2, symbol: 'fn_s' }, { op: 'dlclose', handle: 1 }, { op: 'exit' }];
    expect(steps(graph, pin).slice(3)).toEqual(['called [e:libs.so@0 e:libx.so@0 l:libx.so@0 l:libs.so@0]', 'ok []', 'exited [d:libs.so@0 d:libx.so@0]']);
  });
});

describe('[PROC3] exit', () => {
  test('namespaces from the highest to 0, each sorted for finalisation; nothing is unloaded', () => {
    const graph = { dsos: [dso('libx.so', ['liby.so']), dso('liby.so', ['libx.so']), dso('liba.so', ['libb.so'])] };
    const calls: Call[] = [{ op: 'dlopen', file: 'liba.so', mode: RTLD_NOW }, { op: 'dlmopen', lmid: -1, file: 'libx.so', mode: RTLD_NOW }, { op: 'exit' }];
    const run = runSpec('glibc', { dsos: [...graph.dsos, dso('libb.so')] }, calls, at('2.42'));
    expect(run.steps[2]!.expected.events.map((e) => `${e.object}@${e.ns}`)).toEqual(['liby.so@1', 'libx.so@1', 'liba.so@0', 'libb.so@0']);
    expect(run.steps[2]!.after).toBe(run.steps[2]!.before);
  });
});

describe('[AUD7] audit events at exit', () => {
  const graph = { dsos: [dso('libx.so', [], { libc: true })] };
  const calls: Call[] = [{ op: 'dlmopen', lmid: -1, file: 'libx.so', mode: RTLD_NOW }, { op: 'exit' }];
  const audit = (release: string, strict = false) => runSpec('glibc', graph, calls, { ...withAuditor(referenceSystem(false)), release }, { strict }).steps[1]!;

  test('per namespace: la_objclose in destructor order, the program, libc and ld.so too, never the vdso; the ld.so stand-in last since 2.41', () => {
    const closes = (release: string) => audit(release).expected.audited!.closes.map((e) => (e.event === 'activity' ? '' : `${e.object}@${e.ns}`));
    expect(closes('2.42')).toEqual(['libx.so@2', 'libc.so.6@2', 'ld-linux-x86-64.so.2@2', '<main>@0', 'libc.so.6@0', 'ld-linux-x86-64.so.2@0']);
    expect(closes('2.40')).toEqual(['libx.so@2', 'libc.so.6@2', '<main>@0', 'libc.so.6@0', 'ld-linux-x86-64.so.2@0']);
    expect(audit('2.40').bugs).toContain('GLIBC-AUDIT-EXIT-STANDIN-SILENT');
  });

  test('LA_ACT_DELETE before a namespace\'s first la_objclose, LA_ACT_CONSISTENT after, since 2.35; none on 2.34 (a known bug, fixed by 5fa11a2bc94c)', () => {
    expect(audit('2.42').expected.audited!.removed).toEqual([{ ns: 2, emptied: false, deleteFirst: true }, { ns: 0, emptied: false, deleteFirst: true }]);
    expect(audit('2.34').expected.audited!.removed).toEqual([]);
    expect(audit('2.34').bugs).toContain('GLIBC-AUDIT-EXIT-NO-ACTIVITY');
    expect(audit('2.34', true).expected.audited!.removed).toHaveLength(2);
  });
});
