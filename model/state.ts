import type { SystemObject } from './dso.ts';
import type { DsoGraph } from './graph.ts';

/** One object in one namespace's list (glibc: a `struct link_map`). */
export interface Entry {
  /** Serial number, never reused: distinguishes a reload from the old copy. */
  readonly id: number;
  readonly object: string;
  readonly ns: number;
  readonly kind: 'real' | 'proxy';
  /** For a proxy: the id of its master (a real entry of namespace 0). */
  readonly master: number | null;
  /** DT_NEEDED resolved at load time, in link order (glibc: l_initfini). */
  readonly deps: readonly number[];
  /** Successful dlopen/dlmopen calls that returned it, minus dlclose calls on it. */
  readonly openCount: number;
  /** DF_1_NODELETE, RTLD_NODELETE, or pinned as a master (S5). */
  readonly nodelete: boolean;
  /** Loaded at start-up: never unloaded (glibc: l_type != lt_loaded). */
  readonly startup: boolean;
  /**
   * The entry's own search list (glibc: `l_searchlist`), which dlsym through
   * it searches: `none` while it was only ever loaded as a dependency;
   * `breadth-first` once a dlopen of it built one (the entry, then its
   * dependencies breadth-first, LOAD2); `direct` when the close worker gave a
   * dependency-only entry its own `l_initfini`, itself and its direct
   * DT_NEEDED only (CLOSE5).
   */
  readonly searchList: 'none' | 'breadth-first' | 'direct';
  /**
   * The entries whose search lists make up its lookup scope (glibc:
   * `l_scope`), in order: its namespace's first entry (namespace 0's is the
   * main program, whose search list is the global scope: SYM3) and the
   * object whose open loaded it (`_dl_new_object`), then each later open
   * that took it in once it was initialised (`update_scopes`); a list the
   * close worker unloads leaves it (CLOSE5). Start-up entries: the main
   * program. A call's bindings are looked up there (SYM3).
   */
  readonly scope: readonly number[];
  /**
   * glibc's `l_initfini`, which the sorters walk (spec/sort-maps.ts): null
   * until set; for an object dlopen opened, its whole search list sorted
   * (`_dl_map_object_deps`), for one loaded as a dependency, itself and its
   * direct DT_NEEDED in link order; a proxy's, itself.
   */
  readonly initfini: readonly number[] | null;
  /**
   * glibc's `l_reldeps`: objects a symbol of it was bound to outside its
   * `l_initfini` (`add_dependency`, SYM4): they stay loaded while it does,
   * and destructors respect them.
   */
  readonly reldeps: readonly number[];
  /** Symbols its code called that the loader bound, and to which entry (a PLT slot, bound once: SYM3). */
  readonly bound: Readonly<Record<string, number>>;
}

/** Whether the spec follows the entry's scope: a dependency-only entry dlopen loaded (CLOSE5). */
export const tracksScope = (e: Entry): boolean => e.kind === 'real' && !e.startup && e.searchList === 'none';

/** Everything the spec knows about the objects of one run. */
export interface World {
  readonly graph: DsoGraph;
  readonly system: readonly SystemObject[];
}

/**
 * Loader state. Plain data (JSON-serialisable) changed only through immer.
 * `namespaces[n]` lists entry ids in list order; `handles[k]` is the entry call k
 * returned (kept after the entry is unloaded, so a stale handle is detectable).
 */
export interface LoaderState {
  readonly entries: Readonly<Record<number, Entry>>;
  readonly namespaces: readonly (readonly number[])[];
  readonly handles: Readonly<Record<number, number>>;
  readonly nextId: number;
  /**
   * Entries dlopen with RTLD_GLOBAL added to namespace 0's global scope
   * after the main program's own search list, in order (glibc:
   * `_ns_main_searchlist`, `add_to_global_update`; SYM3).
   */
  readonly global: readonly number[];
}

export function entriesOf(state: LoaderState, ns: number): Entry[] {
  return (state.namespaces[ns] ?? []).map((id) => entryById(state, id));
}

export function entryById(state: LoaderState, id: number): Entry {
  const e = state.entries[id];
  if (e === undefined) throw new Error(`internal: no entry ${id}`);
  return e;
}

export function findEntry(state: LoaderState, ns: number, object: string): Entry | undefined {
  return entriesOf(state, ns).find((e) => e.object === object);
}

export function isLive(state: LoaderState, id: number): boolean {
  return state.entries[id] !== undefined;
}

/** The entry a handle refers to, or undefined when it was unloaded (or never returned). */
export function handleEntry(state: LoaderState, handle: number): Entry | undefined {
  const id = state.handles[handle];
  return id === undefined ? undefined : state.entries[id];
}

/** The lowest call index whose handle is this entry: how observations name it. */
export function canonicalHandle(state: LoaderState, entryId: number): number {
  let best = Infinity;
  for (const k in state.handles) {
    if (state.handles[k as unknown as number] === entryId && Number(k) < best) best = Number(k);
  }
  if (best === Infinity) throw new Error(`internal: entry ${entryId} has no handle`);
  return best;
}

/** The real entry a (possibly proxy) entry stands for. */
export function realEntry(state: LoaderState, e: Entry): Entry {
  return e.kind === 'proxy' && e.master !== null ? entryById(state, e.master) : e;
}

/** Namespaces in 1..15 whose list is empty. */
export function freeNamespaces(state: LoaderState): number[] {
  const free: number[] = [];
  for (let ns = 1; ns < state.namespaces.length; ns++) if ((state.namespaces[ns] ?? []).length === 0) free.push(ns);
  return free;
}
