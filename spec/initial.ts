import type { SystemObject } from '../model/dso.ts';
import { DL_NNS } from '../model/mode.ts';
import type { NamespaceView } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';

/**
 * The state before the first call, built from what the implementation under
 * test reported (its start-up objects), never assumed: all of them are
 * start-up entries of namespace 0, their DT_NEEDED resolved among themselves.
 */
export function initialState(system: readonly SystemObject[], initial: readonly NamespaceView[]): LoaderState {
  const entries: Record<number, Entry> = {};
  const namespaces: number[][] = Array.from({ length: DL_NNS }, () => []);
  let nextId = 0;
  for (const view of initial) {
    for (const { object, proxy } of view.entries) {
      if (proxy) throw new Error(`initial state: ${object} in namespace ${view.ns} is a proxy`);
      entries[nextId] = { id: nextId, object, ns: view.ns, kind: 'real', master: null, deps: [], openCount: 0, nodelete: false, startup: true };
      (namespaces[view.ns] as number[]).push(nextId);
      nextId++;
    }
  }
  for (const e of Object.values(entries)) {
    const needed = system.find((s) => s.name === e.object)?.needed ?? [];
    const deps = needed.flatMap((n) => Object.values(entries).filter((d) => d.ns === e.ns && d.object === n).map((d) => d.id));
    entries[e.id] = { ...e, deps };
  }
  return { entries, namespaces, handles: {}, nextId };
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
