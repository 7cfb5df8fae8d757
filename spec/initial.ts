import type { SystemObject } from '../model/dso.ts';
import { DL_NNS } from '../model/mode.ts';
import type { NamespaceView } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';

/**
 * The state before the first call, built from what the implementation under
 * test reported (its start-up objects), never assumed: all of them are
 * start-up entries of namespace 0, their DT_NEEDED resolved among themselves.
 * A secondary namespace there is an audit module's (AUD1); a proxy in it (of
 * ld.so, or of a UNIQUE object under the series) stands for namespace 0's
 * entry of its name.
 */
export function initialState(system: readonly SystemObject[], initial: readonly NamespaceView[]): LoaderState {
  const namespaces: number[][] = Array.from({ length: DL_NNS }, () => []);
  const loaded: { id: number; object: string; ns: number; proxy: boolean }[] = [];
  // Entries by namespace and object name, in id order; DT_NEEDED by object name (the first system object of a name).
  const byName = new Map<string, number[]>();
  const neededOf = new Map<string, readonly string[]>();
  for (const s of system) if (!neededOf.has(s.name)) neededOf.set(s.name, s.needed);
  for (const view of initial) {
    for (const { object, proxy } of view.entries) {
      if (proxy && (view.ns === 0 || !byName.has(`0/${object}`))) throw new Error(`initial state: ${object} in namespace ${view.ns} is a proxy of nothing in namespace 0`);
      const id = loaded.length;
      loaded.push({ id, object, ns: view.ns, proxy });
      (namespaces[view.ns] as number[]).push(id);
      const key = `${view.ns}/${object}`;
      byName.set(key, [...(byName.get(key) ?? []), id]);
    }
  }
  const entries: Record<number, Entry> = {};
  for (const { id, object, ns, proxy } of loaded) {
    const deps = proxy ? [] : (neededOf.get(object) ?? []).flatMap((n) => byName.get(`${ns}/${n}`) ?? []);
    const master = proxy ? (byName.get(`0/${object}`)?.[0] as number) : null;
    // A start-up entry's search list is never the close worker's to make (CLOSE5 takes dlopen-loaded ones only).
    // Its l_initfini: itself and its DT_NEEDED (the program's, its whole search list); no test object depends on
    // a start-up one through it, so where the sorters put start-up entries changes no test object's order.
    const initfini = proxy ? [id] : [id, ...deps];
    // Its scope: the global one, its namespace's first entry's search list (namespace 0's: the program's).
    const head = namespaces[ns]?.[0];
    const scope = proxy || head === undefined ? [] : [head];
    entries[id] = { id, deps, openCount: 0, nodelete: false, startup: true, searchList: 'none', scope, initfini, reldeps: [], bound: {}, object, ns, kind: proxy ? 'proxy' : 'real', master };
  }
  return { entries, namespaces, handles: {}, nextId: loaded.length, global: [] };
}

/**
 * Spec-only convenience (not read from any loader): the start-up objects of a
 * glibc 2.36 x86_64 program, for runs of the spec with no loader attached.
 * `libcUnique` models a glibc built with the RTLD_SHARED series.
 */
export function referenceSystem(libcUnique: boolean): { system: SystemObject[]; initial: NamespaceView[] } {
  const system: SystemObject[] = [
    { name: '<main>', needed: ['libc.so.6'], unique: false, rtld: false },
    { name: 'linux-vdso.so.1', needed: [], unique: false, rtld: false },
    { name: 'libc.so.6', needed: ['ld-linux-x86-64.so.2'], unique: libcUnique, rtld: false },
    { name: 'ld-linux-x86-64.so.2', needed: [], unique: libcUnique, rtld: true },
  ];
  return { system, initial: [{ ns: 0, entries: system.map((s) => ({ object: s.name, proxy: false })) }] };
}
