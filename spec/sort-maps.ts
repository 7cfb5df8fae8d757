/**
 * LOAD3, CLOSE3: glibc's dependency sorters, elf/dl-sort-maps.c, as the
 * loader runs them: the original one (`_dl_sort_maps_original`, the only one
 * up to 2.34) and the depth-first one (`_dl_sort_maps_dfs`, the default
 * since 2.35). They order an array of entries by their `l_initfini` lists
 * (Entry.initfini) and, for destructors, their relocation dependencies
 * (Entry.reldeps). Pure: a new array, the state untouched.
 *
 * Followed line by line, labels and all, because the order around cycles is
 * whatever these loops make of it: glibc's own tests
 * (elf/dso-sort-tests-*.def) pin it down per sorter, and so does the spec.
 */
import type { Entry, LoaderState } from '../model/state.ts';

export type Sorter = 'original' | 'dfs';

export interface SortOptions {
  readonly sorter: Sorter;
  /** Keep maps[0] first (glibc's `force_first`; before 2.37 `skip`, 1 or 0). */
  readonly forceFirst: boolean;
  /** Sorting for destructors (`for_fini`): relocation dependencies count too. */
  readonly forFini: boolean;
  /** The DFS sorter honours force_first (2.37 on); before, it ignored it (bug 28937). */
  readonly dfsForceFirst: boolean;
  /** The DFS sorter's second pass with relocation dependencies ends early (before 2.39, bug 30981). */
  readonly dfsReldepsEarlyReturn: boolean;
  /** For destructors: entries the close keeps (`l_idx == IDX_STILL_USED`), which the original sorter does not move. */
  readonly stillUsed?: ReadonlySet<number>;
  /**
   * The program's map has `l_main_map` set, so the DFS sorter never walks into it from a dependency: only when ld.so
   * itself was run on the program (`ld.so PROGRAM`, as glibc's tests run theirs); elf/rtld.c `dl_main` sets it in that
   * branch alone, so a program the kernel exec'd is walked into like any object (spec/sorter.ts MAIN_MAP_MARKED).
   */
  readonly mainMapMarked: boolean;
}

const entry = (state: LoaderState, id: number): Entry => {
  const e = state.entries[id];
  if (e === undefined) throw new Error(`internal: sort of a missing entry ${id}`);
  return e;
};

/** `l_initfini` (NULL: none); `l_reldeps`. */
const initfini = (state: LoaderState, id: number): readonly number[] => entry(state, id).initfini ?? [];
const reldeps = (state: LoaderState, id: number): readonly number[] => entry(state, id).reldeps;
/** `thisp != thisp->l_real`: a proxy (the series') or the ld.so stand-in of a secondary namespace. */
const notReal = (state: LoaderState, id: number): boolean => entry(state, id).kind === 'proxy';
/** `l_main_map`: the program itself. */
const isProgram = (state: LoaderState, id: number): boolean => entry(state, id).object === '<main>' && entry(state, id).startup;

/** _dl_sort_maps: the sorter's order of `maps`. */
export function sortMaps(state: LoaderState, maps: readonly number[], o: SortOptions): number[] {
  if (maps.length < MEMO_FROM) return sortOnce(state, maps, o);
  // A sort of hundreds of objects by the original sorter takes seconds (its loops are cubic, as in glibc): the
  // same sort (every loader of a release range judged on one imported test) is made once per process.
  const key = memoKey(state, maps, o);
  const known = memo.get(key);
  if (known !== undefined) return [...known];
  const sorted = sortOnce(state, maps, o);
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
  memo.set(key, sorted);
  return [...sorted];
}

const MEMO_FROM = 128;
const MEMO_SIZE = 16;
const memo = new Map<string, readonly number[]>();

/** Everything a sort reads: the options and, per map, its id, kind, l_initfini and l_reldeps. */
function memoKey(state: LoaderState, maps: readonly number[], o: SortOptions): string {
  const opts = [o.sorter, o.forceFirst, o.forFini, o.dfsForceFirst, o.dfsReldepsEarlyReturn, o.mainMapMarked, [...(o.stillUsed ?? [])].sort((a, b) => a - b).join(',')].join('|');
  const each = maps.map((id) => `${id}${notReal(state, id) ? 'p' : ''}${isProgram(state, id) ? 'm' : ''}:${initfini(state, id).join(',')}/${reldeps(state, id).join(',')}`);
  return `${opts}#${each.join(';')}`;
}

function sortOnce(state: LoaderState, maps: readonly number[], o: SortOptions): number[] {
  const out = [...maps];
  if (o.sorter === 'original') {
    // Up to 2.36 the callers passed `maps + skip`; since, force_first does `maps += 1` inside: the same.
    const skip = o.forceFirst ? 1 : 0;
    const sorted = sortOriginal(state, out.slice(skip), o);
    return [...out.slice(0, skip), ...sorted];
  }
  return sortDfs(state, out, o);
}

/**
 * _dl_sort_maps_original: move each object behind the last one that depends
 * on it, counting visits to break cycles. The loops are glibc's, and as
 * slow on cycles (bug 1162810 is about that): the lists are looked up in
 * typed tables made once (position -> position), and the 600 objects of
 * glibc's tst-redhat-1162810 still take about 17 s a sort, about what the
 * loader's own C takes for it.
 */
function sortOriginal(state: LoaderState, maps: number[], o: SortOptions): number[] {
  const nmaps = maps.length;
  if (nmaps <= 1) return maps;
  const at = new Map(maps.map((id, j) => [id, j]));
  // dependent[b * nmaps + a]: maps[b] is in maps[a]'s l_initfini (a depends on b); reldep likewise for l_reldeps.
  // Rows by the object looked for: the scan below reads one row, which stays in cache.
  const dependent = new Uint8Array(nmaps * nmaps);
  const reldep = new Uint8Array(o.forFini ? nmaps * nmaps : 0);
  maps.forEach((id, a) => {
    for (const d of initfini(state, id)) {
      const b = at.get(d);
      if (b !== undefined) dependent[b * nmaps + a] = 1;
    }
    if (o.forFini) {
      for (const d of reldeps(state, id)) {
        const b = at.get(d);
        if (b !== undefined) reldep[b * nmaps + a] = 1;
      }
    }
  });
  // Do not handle ld.so in secondary namespaces and objects which are not removed.
  const passOver = maps.map((id) => o.forFini && (notReal(state, id) || o.stillUsed?.has(id) === true));
  const order = Int32Array.from(maps.keys());
  const seen = new Uint32Array(nmaps);
  const forFini = o.forFini;
  let i = 0;
  for (;;) {
    ++seen[i]!;
    const thisp = order[i]!;
    // glibc's `goto skip` (0), `goto next_clear` (1) and `goto next` (2).
    let then = 0;
    if (!passOver[thisp]) {
      const row = thisp * nmaps;
      let k = nmaps - 1;
      // The last object that needs it: through l_initfini, or (for destructors) l_reldeps unless a
      // link-time dependency runs the other way ("If a cycle exists with a link time dependency, preserve the latter").
      if (forFini) {
        for (; k > i; --k) {
          const other = order[k]!;
          if (dependent[row + other] === 1 || (reldep[row + other] === 1 && dependent[other * nmaps + thisp] !== 1)) break;
        }
      } else {
        for (; k > i && dependent[row + order[k]!] !== 1; --k);
      }
      if (k > i) {
        // Move the current object to the back past the last object with it as the dependency.
        order.copyWithin(i, i + 1, k + 1);
        order[k] = thisp;
        if (seen[i + 1]! > nmaps - i) {
          ++i;
          then = 1;
        } else {
          const thisSeen = seen[i]!;
          seen.copyWithin(i, i + 1, k + 1);
          seen[k] = thisSeen;
          then = 2;
        }
      }
    }
    if (then === 0) {
      if (++i === nmaps) break;
      then = 1;
    }
    if (then === 1) seen.fill(0, i);
  }
  return Array.from(order, (j) => maps[j]!);
}

/** _dl_sort_maps_dfs: reverse post-order of a depth-first walk from the last map back to the first. */
function sortDfs(state: LoaderState, maps: number[], o: SortOptions): number[] {
  const nmaps = maps.length;
  const firstMap = maps[0];
  // Only `maps` have l_visited cleared: an object outside them (the ld.so stand-in _dl_fini leaves out) still has
  // the 1 an earlier sort left, so the walk never enters it (and could not place it: rpo has room for nmaps).
  const inMaps = new Set(maps);
  let visited = new Set<number>();
  const mainMap = (state: LoaderState, id: number): boolean => o.mainMapMarked && isProgram(state, id);
  // The walk writes the result from the end of the array backwards (`*rpo -= 1; **rpo = map`).
  const walk = (into: number[], map: number, withReldeps: { found: boolean } | null): void => {
    if (visited.has(map) || !inMaps.has(map)) return;
    visited.add(map);
    for (const dep of initfini(state, map)) if (!visited.has(dep) && !mainMap(state, dep)) walk(into, dep, withReldeps);
    if (withReldeps !== null && reldeps(state, map).length > 0) {
      withReldeps.found = true;
      const rel = reldeps(state, map);
      for (let m = rel.length - 1; m >= 0; m--) if (!visited.has(rel[m]!) && !mainMap(state, rel[m]!)) walk(into, rel[m]!, withReldeps);
    }
    into.unshift(map);
  };
  const reldepsSeen = { found: false };
  let rpo: number[] = [];
  for (let i = nmaps - 1; i >= 0 && rpo.length < nmaps; i--) walk(rpo, maps[i]!, o.forFini ? reldepsSeen : null);
  if (reldepsSeen.found) {
    // A second pass with DT_NEEDED links only: destructors respect the static links over relocation ones.
    visited = new Set();
    const second: number[] = [];
    for (let i = nmaps - 1; i >= 0 && second.length < nmaps; i--) walk(second, rpo[i]!, null);
    rpo = second;
    // Before 2.39 this pass returned at once, skipping the force_first handling below.
    if (o.dfsReldepsEarlyReturn) return rpo;
  }
  if (o.dfsForceFirst && o.forceFirst && rpo[0] !== firstMap && firstMap !== undefined) {
    // Force the first object back to the front; the others keep their order.
    return [firstMap, ...rpo.filter((m) => m !== firstMap)];
  }
  return rpo;
}
