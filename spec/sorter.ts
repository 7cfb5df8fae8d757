/**
 * LOAD3, CLOSE3: which of glibc's sorters (spec/sort-maps.ts) a release
 * runs, and how, stated per range of releases. The tunable
 * `glibc.rtld.dynamic_sort` (1: the original sorter, 2: the DFS one) picks
 * one from 2.35 on; the loader's GLIBC_TUNABLES is in its hello.
 */
import type { SpecContext } from './context.ts';
import type { LoaderState } from '../model/state.ts';
import { behaviour, behaviourOrFix, followsBug, ranged, since, until } from './releases.ts';
import { sortMaps, type SortOptions, type Sorter } from './sort-maps.ts';

/** LOAD3, CLOSE3: the sorter a release runs when no tunable picks one. */
export const DEFAULT_SORTER = ranged<Sorter>('LOAD3', 'the sorter of constructors and destructors', [
  until('2.35', 'original', 'the original sorter, the only one (glibc.rtld.dynamic_sort does not exist)', 'glibc 2.34 elf/dl-sort-maps.c _dl_sort_maps'),
  since('2.35', 'dfs', 'the depth-first sorter by default; glibc.rtld.dynamic_sort=1 selects the original', 'commit 15a0c5730d1d, bug 17645'),
]);

/** LOAD3: whether the DFS sorter keeps the object dlopen opened first in its l_initfini (constructed last). */
export const DFS_FORCE_FIRST = ranged('LOAD3', 'the DFS sorter honours force_first (the opened object constructed last on a cycle)', [
  until('2.35', true, 'no DFS sorter (the original one keeps it first)', 'glibc 2.34 elf/dl-sort-maps.c'),
  since('2.35', false, 'ignored: on a dependency cycle the object dlopen opened need not be constructed last', 'glibc 2.35, 2.36 elf/dl-sort-maps.c _dl_sort_maps_dfs (unused skip)', '2.37', 'GLIBC-DFS-FORCE-FIRST-ORDER'),
  since('2.37', true, 'the object forced back to the front of its l_initfini after the walk', 'commit 1df71d32fe5f, bug 28937'),
]);

/** The sorter the loader judged runs: its release's default, or the one its GLIBC_TUNABLES picks (2.35 on). */
export function sorterOf(ctx: SpecContext): Sorter {
  const byDefault = behaviour(ctx, DEFAULT_SORTER);
  if (byDefault === 'original') return byDefault;
  const tunable = /(?:^|:)glibc\.rtld\.dynamic_sort=(\d+)/.exec(ctx.tunables ?? '')?.[1];
  return tunable === '1' ? 'original' : 'dfs';
}

/**
 * LOAD3, PROC3: whether the program's map is marked `l_main_map`, which the
 * DFS sorter never walks into from a dependency. elf/rtld.c `dl_main` marks
 * it only where ld.so itself was run on the program (`ld.so PROGRAM`, the
 * way glibc's tests run theirs, and the harness runs a loader it is given);
 * a program the kernel exec'd through its PT_INTERP is unmarked, so a
 * dependency that reaches it (the program's own DT_SONAME closing a cycle,
 * glibc's tst-dso-ordering10) walks into it and the order differs. The same
 * in every release since the flag came with the DFS sorter (commit
 * 15a0c5730d1d, bug 17645; unchanged on master of January 2026). Seen on
 * this machine's glibc 2.36 and on a 2.42 build, each started both ways.
 */
export const mainMapMarked = (ctx: SpecContext): boolean => ctx.programStart !== 'exec';

/**
 * _dl_sort_maps as the loader judged runs it: its sorter, and the DFS
 * sorter's force_first handling by release. Where that release's handling
 * is a known bug (GLIBC-DFS-FORCE-FIRST-ORDER), the step records the bug
 * only when the fixed sorter would have ordered otherwise.
 */
export function sortAsReleased(ctx: SpecContext, state: LoaderState, maps: readonly number[], forceFirst: boolean, forFini: boolean, stillUsed?: ReadonlySet<number>): number[] {
  const sorter = sorterOf(ctx);
  const options = (dfsForceFirst: boolean): SortOptions => ({ sorter, forceFirst, forFini, dfsForceFirst, dfsReldepsEarlyReturn: false, mainMapMarked: mainMapMarked(ctx), ...(stillUsed !== undefined ? { stillUsed } : {}) });
  if (sorter === 'original') return sortMaps(state, maps, options(true));
  const { value, bug } = behaviourOrFix(ctx, DFS_FORCE_FIRST);
  const sorted = sortMaps(state, maps, options(value));
  if (bug !== undefined && JSON.stringify(sortMaps(state, maps, options(bug.fixed))) !== JSON.stringify(sorted)) followsBug(ctx, bug.id);
  return sorted;
}
