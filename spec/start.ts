/**
 * `start` (the process extension): the program's start-up, as ld.so's
 * `dl_main` (elf/rtld.c) and `_dl_init` (elf/dl-init.c) do it, for the
 * test DSOs the program itself needs (DsoGraph.program).
 */
import { ownProgram, programNeeded } from '../model/graph.ts';
import type { LifecycleEvent } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { exercise, objectInfo, type SpecContext } from './context.ts';
import { chain } from './event-order.ts';
import { _dl_new_object, entryOf, produce } from './object.ts';
import { unchanged, type Outcome } from './outcome.ts';
import { sortAsReleased } from './sorter.ts';

/**
 * PROC1: before `main`, `_dl_map_object_deps` of the program maps its
 * DT_NEEDED (the graph's start-up DSOs in link order, then libc) and theirs,
 * breadth-first, each once, into namespace 0, after the program and the
 * vdso; ld.so stands where its search list puts it. A DT_NEEDED the
 * program's own DT_SONAME answers is the program (no object is loaded for
 * it). The program's `l_initfini` is that search list sorted with the
 * program kept first (the release's sorter, LOAD3), and `_dl_init` runs it
 * from its end: the constructors of the start-up test DSOs, in that order.
 * Start-up objects are never unloaded (a DF_1_NODELETE one is nodelete at
 * once); their scope is the global scope.
 */
export function start(ctx: SpecContext, state: LoaderState): Outcome {
  const { graph, system } = ctx.world;
  if (!ownProgram(graph)) return unchanged(state, { kind: 'started' });
  const needed = programNeeded(graph);
  exercise(ctx, 'PROC1');
  const main = state.namespaces[0]?.[0];
  if (main === undefined) throw new Error('internal: no program in namespace 0');
  let searchList: number[] = [];
  const next = produce(state, (draft) => {
    const ns0 = draft.namespaces[0] as number[];
    const byName = new Map<string, number>();
    for (const id of ns0) byName.set((draft.entries[id] as Entry).object, id);
    const soname = graph.program?.soname;
    if (soname !== undefined) byName.set(soname, main);
    const programNeededAll = [...needed, ...(system.find((s) => s.name === '<main>')?.needed ?? [])];
    const list: number[] = [main];
    const depsOf = (id: number): readonly string[] => (id === main ? programNeededAll : (objectInfo(ctx, (draft.entries[id] as Entry).object)?.needed ?? []));
    for (let i = 0; i < list.length; i++) {
      const id = list[i] as number;
      const deps: number[] = [];
      for (const name of depsOf(id)) {
        let dep = byName.get(name);
        if (dep === undefined) {
          const e = _dl_new_object(draft, { object: name, ns: 0, kind: 'real', master: null });
          // DF_1_NODELETE holds at once for an object loaded at start-up (dlclose of it does nothing, CLOSE2).
          Object.assign(e, { startup: true, scope: [main], nodelete: objectInfo(ctx, name)?.nodelete === true });
          dep = e.id;
          byName.set(name, dep);
        }
        deps.push(dep);
        if (!list.includes(dep)) list.push(dep);
      }
      const e = entryOf(draft, id);
      // Objects already there (libc, ld.so) keep what the start-up state gave them.
      if (id === main || id >= state.nextId) {
        e.deps = deps;
        if (id !== main) e.initfini = [id, ...deps];
      }
    }
    // The namespace list: the program, what the loader set up before its DT_NEEDED (the vdso), then its search list.
    const before = ns0.filter((id) => id !== main && !list.includes(id));
    draft.namespaces[0] = [main, ...before, ...list.slice(1)];
    searchList = list;
  });
  const initfini = sortAsReleased(ctx, next, searchList, true, false);
  const initialised = produce(next, (draft) => void (entryOf(draft, main).initfini = initfini));
  const events: LifecycleEvent[] = [...initfini]
    .reverse()
    .filter((id) => id >= state.nextId && objectInfo(ctx, (next.entries[id] as Entry).object)?.test === true)
    .map((id) => ({ event: 'ctor', object: (next.entries[id] as Entry).object, ns: 0 }));
  return { state: initialised, result: { kind: 'started' }, events, order: chain(events.length) };
}

