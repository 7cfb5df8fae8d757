import { describe, expect, test } from 'vitest';
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import { RTLD_NOW } from '../model/mode.ts';
import { referenceSystem } from './initial.ts';
import { runSpec, specContext } from './run.ts';
import { sorterOf } from './sorter.ts';

/**
 * LOAD3 and CLOSE3 by release: the exact order of constructors and
 * destructors around DT_NEEDED cycles, as the release builds of
 * ../shared/loaders ran these calls (under GLIBC_TUNABLES
 * glibc.rtld.dynamic_sort=1 and =2; native/driver.c, December 2026). The
 * spec must predict each, with each release's sorter, force-first handling
 * and tunable; the corpus test replays the same calls on the loaders
 * themselves.
 */

const dso = (name: string, needed: string[], extra: Partial<DsoGraph['dsos'][number]> = {}) => ({ name, needed, unique: false, nodelete: false, libc: false, symbols: [], ...extra });

/** libd <-> libe, dlmopen'ed by libd (corpus/glibc-dfs-force-first-order.json). */
const TWO_CYCLE: { graph: DsoGraph; calls: Call[] } = {
  graph: { dsos: [dso('liba.so', [], { nodelete: true }), dso('libb.so', [], { nodelete: true }), dso('libd.so', ['libe.so'], { nodelete: true }), dso('libe.so', ['libd.so'])] },
  calls: [{ op: 'dlmopen', lmid: -1, file: 'libd.so', mode: RTLD_NOW }],
};

/** libd -> libe -> liba -> libb -> libd, opened by libd and closed (corpus/glibc-dlclose-force-first-order.json). */
const FOUR_CYCLE: { graph: DsoGraph; calls: Call[] } = {
  graph: { dsos: [dso('liba.so', ['libb.so']), dso('libb.so', ['libd.so']), dso('libd.so', ['libe.so'], { libc: true }), dso('libe.so', ['liba.so'])] },
  calls: [
    { op: 'dlmopen', lmid: -1, file: 'libd.so', mode: RTLD_NOW },
    { op: 'dlclose', handle: 0 },
  ],
};

/** What each release did, with the original sorter (1) and the DFS one (2): per call, events in order. */
const SEEN: ReadonlyArray<readonly [string, { graph: DsoGraph; calls: Call[] }, 1 | 2, string]> = [
  ['2.34', TWO_CYCLE, 2, 'c:libe c:libd'], // no DFS sorter: the tunable is unknown
  ['2.35', TWO_CYCLE, 1, 'c:libe c:libd'],
  ['2.35', TWO_CYCLE, 2, 'c:libd c:libe'], // GLIBC-DFS-FORCE-FIRST-ORDER
  ['2.36', TWO_CYCLE, 2, 'c:libd c:libe'],
  ['2.37', TWO_CYCLE, 2, 'c:libe c:libd'], // 1df71d32fe5f
  ['2.42', TWO_CYCLE, 2, 'c:libe c:libd'],
  ['2.34', FOUR_CYCLE, 1, 'c:libb c:liba c:libe c:libd | d:libb d:libd d:libe d:liba'],
  ['2.35', FOUR_CYCLE, 2, 'c:libd c:libb c:liba c:libe | d:libb d:libd d:libe d:liba'],
  ['2.37', FOUR_CYCLE, 1, 'c:libb c:liba c:libe c:libd | d:libb d:libd d:libe d:liba'],
  ['2.38', FOUR_CYCLE, 2, 'c:libb c:liba c:libe c:libd | d:libb d:libd d:libe d:liba'], // GLIBC-DLCLOSE-FORCE-FIRST-ORDER
  ['2.39', FOUR_CYCLE, 1, 'c:libb c:liba c:libe c:libd | d:libd d:libe d:liba d:libb'], // 849274d48fc5
  ['2.39', FOUR_CYCLE, 2, 'c:libb c:liba c:libe c:libd | d:libd d:libb d:libe d:liba'],
  ['2.42', FOUR_CYCLE, 1, 'c:libb c:liba c:libe c:libd | d:libd d:libe d:liba d:libb'],
  ['2.42.9000', FOUR_CYCLE, 2, 'c:libb c:liba c:libe c:libd | d:libd d:libb d:libe d:liba'],
];

const system = (release: string, sort: 1 | 2) => ({ ...referenceSystem(false), release, tunables: `glibc.rtld.nns=16:glibc.rtld.dynamic_sort=${sort}` });
const trace = (release: string, sort: 1 | 2, c: { graph: DsoGraph; calls: Call[] }) =>
  runSpec('glibc', c.graph, c.calls, system(release, sort))
    .steps.map((s) => s.expected.events.map((e) => `${e.event[0]}:${e.object.replace(/\.so$/, '')}`).join(' '))
    .join(' | ');

describe('[LOAD3][CLOSE3] the exact order each release ran', () => {
  test.each(SEEN.map(([release, c, sort, seen]) => [release, sort, c === TWO_CYCLE ? 'two-cycle' : 'four-cycle', c, seen] as const))('glibc %s, dynamic_sort=%i, %s', (release, sort, _name, c, seen) => {
    expect(trace(release, sort, c)).toBe(seen);
  });

  test('every step is exact: one chain of events, no freedom left', () => {
    for (const [release, c, sort] of SEEN) {
      for (const s of runSpec('glibc', c.graph, c.calls, system(release, sort)).steps) {
        expect(s.expected.order).toEqual(s.expected.events.slice(1).map((_, i) => [i, i + 1]));
      }
    }
  });

  test('the tunable picks the sorter from 2.35 on; 2.34 has the original one only', () => {
    const sorter = (release: string, tunables: string) => sorterOf(specContext('glibc', TWO_CYCLE.graph, { ...referenceSystem(false), release, tunables }));
    expect(sorter('2.34', 'glibc.rtld.dynamic_sort=2')).toBe('original');
    expect(sorter('2.35', '')).toBe('dfs');
    expect(sorter('2.35', 'glibc.rtld.dynamic_sort=1')).toBe('original');
    expect(sorter('2.42.9000', 'glibc.malloc.perturb=1:glibc.rtld.dynamic_sort=1')).toBe('original');
    expect(sorter('2.42.9000', 'glibc.rtld.dynamic_sort=2')).toBe('dfs');
  });

  test('a step that follows a modelled order bug says so, only where the fix would order otherwise', () => {
    const bugs = (release: string, c: { graph: DsoGraph; calls: Call[] }) => runSpec('glibc', c.graph, c.calls, system(release, 2)).steps.map((s) => s.bugs);
    expect(bugs('2.36', TWO_CYCLE)).toEqual([['GLIBC-DFS-FORCE-FIRST-ORDER']]);
    expect(bugs('2.37', TWO_CYCLE)).toEqual([[]]);
    expect(bugs('2.38', FOUR_CYCLE)).toEqual([[], ['GLIBC-DLCLOSE-FORCE-FIRST-ORDER']]);
    expect(bugs('2.39', FOUR_CYCLE)).toEqual([[], []]);
  });
});

describe('[LOAD3] the program\'s map, on a cycle through it, by how the program was started', () => {
  // glibc's tst-dso-ordering10: {}->a->b->c; soname({})=c. libb's DT_NEEDED names the program's own DT_SONAME.
  const graph: DsoGraph = { dsos: [dso('liba.so', ['libb.so'], { libc: true }), dso('libb.so', ['libc_.so'], { libc: true }), dso('libc_.so', [], { libc: true })], program: { needed: ['liba.so'], soname: 'libc_.so' } };
  const calls: Call[] = [{ op: 'start' }, { op: 'exit' }];
  const exitTrace = (programStart: 'exec' | 'ld.so' | undefined, release = '2.42') =>
    runSpec('glibc', graph, calls, { ...system(release, 2), ...(programStart !== undefined ? { programStart } : {}) })
      .steps[1]!.expected.events.map((e) => e.object)
      .join(' ');

  test('ld.so PROGRAM (glibc\'s own tests): l_main_map is set and the DFS walk never enters the program: <a<b, as the .def expects', () => {
    expect(exitTrace('ld.so')).toBe('liba.so libb.so');
    expect(exitTrace(undefined)).toBe('liba.so libb.so');
  });

  test('exec\'d (PT_INTERP): elf/rtld.c leaves l_main_map unset, the walk enters the program through libb: <b<a (seen on 2.36 and 2.42 builds)', () => {
    expect(exitTrace('exec')).toBe('libb.so liba.so');
    expect(exitTrace('exec', '2.36')).toBe('libb.so liba.so');
  });

  test('the original sorter does not look at l_main_map: the same either way', () => {
    const original = (programStart: 'exec' | 'ld.so') => runSpec('glibc', graph, calls, { ...system('2.42', 1), programStart }).steps[1]!.expected.events.map((e) => e.object).join(' ');
    expect(original('exec')).toBe(original('ld.so'));
  });
});
