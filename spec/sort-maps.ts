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
const mainMap = (state: LoaderState, id: number): boolean => entry(state, id).object === '<main>' && entry(state, id).startup;

/** _dl_sort_maps: the sorter's order of `maps`. */
export function sortMaps(state: LoaderState, maps: readonly number[], o: SortOptions): number[] {
  const out = [...maps];
  if (o.sorter === 'original') {
    // Up to 2.36 the callers passed `maps + skip`; since, force_first does `maps += 1` inside: the same.
    const skip = o.forceFirst ? 1 : 0;
    const sorted = sortOriginal(state, out.slice(skip), o);
    return [...out.slice(0, skip), ...sorted];
  }
  return sortDfs(state, out, o);
}

/** _dl_sort_maps_original: move each object behind the last one that depends on it, counting visits to break cycles. */
function sortOriginal(state: LoaderState, maps: number[], o: SortOptions): number[] {
  const nmaps = maps.length;
  if (nmaps <= 1) return maps;
  let i = 0;
  const seen = new Array<number>(nmaps).fill(0);
  for (;;) {
    ++seen[i]!;
    const thisp = maps[i]!;
    // `goto skip`, `goto next_clear` and `goto next` as a small state machine.
    let then: 'skip' | 'next_clear' | 'next' = 'skip';
    // Do not handle ld.so in secondary namespaces and objects which are not removed.
    if (!(o.forFini && (notReal(state, thisp) || o.stillUsed?.has(thisp) === true))) {
      let k = nmaps - 1;
      while (k > i) {
        let move = initfini(state, maps[k]!).includes(thisp);
        if (!move && o.forFini) {
          const rel = reldeps(state, maps[k]!);
          // Look through the relocation dependencies of the object; if a cycle exists with a link time dependency, preserve the latter.
          for (let m = rel.length; !move && m-- > 0; ) {
            if (rel[m] === thisp) move = !initfini(state, thisp).includes(maps[k]!);
          }
        }
        if (move) {
          // Move the current object to the back past the last object with it as the dependency.
          maps.splice(i, 1);
          maps.splice(k, 0, thisp);
          if (seen[i + 1]! > nmaps - i) {
            ++i;
            then = 'next_clear';
          } else {
            const thisSeen = seen[i]!;
            seen.splice(i, 1);
            seen.splice(k, 0, thisSeen);
            then = 'next';
          }
          break;
        }
        --k;
      }
    }
    if (then === 'skip') {
      if (++i === nmaps) break;
      then = 'next_clear';
    }
    if (then === 'next_clear') seen.fill(0, i);
  }
  return maps;
}

/** _dl_sort_maps_dfs: reverse post-order of a depth-first walk from the last map back to the first. */
function sortDfs(state: LoaderState, maps: number[], o: SortOptions): number[] {
  const nmaps = maps.length;
  const firstMap = maps[0];
  // Only `maps` have l_visited cleared: an object outside them (the ld.so stand-in _dl_fini leaves out) still has
  // the 1 an earlier sort left, so the walk never enters it (and could not place it: rpo has room for nmaps).
  const inMaps = new Set(maps);
  let visited = new Set<number>();
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
