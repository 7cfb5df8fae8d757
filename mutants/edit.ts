/**
 * Small tools for writing a mutant as "the spec's operation, then one change":
 * state edits, stand-in entries that make the spec's namespace choice go
 * elsewhere, and a patched view of the objects. Mutant code only; the spec
 * never uses any of this.
 */
import { produce, type Draft } from 'immer';
import type { Dso, SystemObject } from '../model/dso.ts';
import type { LifecycleEvent } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import type { SpecContext } from '../spec/context.ts';
import { eventOrder } from '../spec/event-order.ts';
import { linearize } from '../adapters/linearize.ts';
import type { Outcome } from '../spec/outcome.ts';
import type { Ops } from '../spec/step.ts';

/** Object name of a stand-in entry: never a DSO name (graphs use lib*.so). */
const STAND_IN = '<dlmspec-stand-in>';

export const edit = (state: LoaderState, recipe: (draft: Draft<LoaderState>) => void): LoaderState => produce(state, recipe);

/** Entries of `after` that `before` did not have. */
export const createdBy = (before: LoaderState, after: LoaderState): Entry[] =>
  Object.values(after.entries).filter((e) => before.entries[e.id] === undefined);

/** Entries of `before` that `after` no longer has. */
export const removedBy = (before: LoaderState, after: LoaderState): Entry[] =>
  Object.values(before.entries).filter((e) => after.entries[e.id] === undefined);

/** The entry an open returned, if it returned one. */
export function returned(out: Outcome): Entry | undefined {
  if (out.result.kind !== 'handle') return undefined;
  return out.state.entries[out.state.handles[out.result.handle] as number];
}

/**
 * Run `op` as if every namespace in `nss` were in use (a nodelete stand-in
 * entry in each; not a start-up one, which would head an auditor's namespace,
 * spec/audit.ts AUD1), then take the stand-ins out again. Makes the spec's own
 * LM_ID_NEWLM choice, or its empty-namespace check, land where a mutant wants.
 */
export function occupying(state: LoaderState, nss: readonly number[], op: (s: LoaderState) => Outcome): Outcome {
  const ids: number[] = [];
  const padded = edit(state, (d) => {
    for (const ns of nss) {
      const id = d.nextId++;
      ids.push(id);
      d.entries[id] = { id, object: STAND_IN, ns, kind: 'real', master: null, deps: [], openCount: 0, nodelete: true, startup: false, searchList: 'none', scope: [], initfini: null, reldeps: [], bound: {} };
      d.namespaces[ns]!.push(id);
    }
  });
  const out = op(padded);
  const gone = new Set(ids);
  return {
    ...out,
    state: edit(out.state, (d) => {
      for (const id of ids) delete d.entries[id];
      d.namespaces.forEach((list, ns) => (d.namespaces[ns] = list.filter((id) => !gone.has(id))));
    }),
  };
}

/**
 * Run `op` with entry `hidden` swapped for a stand-in at its place in its
 * namespace list (so the spec does not find it there), then swap it back.
 */
export function hiding(state: LoaderState, hidden: Entry, op: (s: LoaderState) => Outcome): Outcome {
  let standIn = -1;
  const swapped = edit(state, (d) => {
    standIn = d.nextId++;
    d.entries[standIn] = { id: standIn, object: STAND_IN, ns: hidden.ns, kind: 'real', master: null, deps: [], openCount: 0, nodelete: true, startup: false, searchList: 'none', scope: [], initfini: null, reldeps: [], bound: {} };
    const list = d.namespaces[hidden.ns]!;
    list[list.indexOf(hidden.id)] = standIn;
  });
  const out = op(swapped);
  return {
    ...out,
    state: edit(out.state, (d) => {
      delete d.entries[standIn];
      const list = d.namespaces[hidden.ns]!;
      list[list.indexOf(standIn)] = hidden.id;
    }),
  };
}

/** The same world with every test DSO (and system object) rewritten: what a loader that misreads a flag sees. */
export function patchWorld(ctx: SpecContext, dso: (d: Dso) => Dso, system: (s: SystemObject) => SystemObject = (s) => s): SpecContext {
  return { ...ctx, world: { graph: { ...ctx.world.graph, dsos: ctx.world.graph.dsos.map(dso) }, system: ctx.world.system.map(system) } };
}

/** Destructor events for `dying` entries of `state`, with the spec's order constraints. */
export function destructors(state: LoaderState, dying: readonly Entry[]): Pick<Outcome, 'events' | 'order'> {
  const events: LifecycleEvent[] = dying.map((e) => ({ event: 'dtor', object: e.object, ns: e.ns }));
  return { events, order: eventOrder(state, events, dying.map((e) => e.id)) };
}

/** Events of an outcome in the order the spec would report them, then reversed (no constraints kept). */
export const reversed = (out: Outcome): Outcome => ({ ...out, events: linearize(out).reverse(), order: [] });

/** Two outcomes in sequence: the second's state, both results' events (the second's result). */
export function sequenced(first: Outcome, second: Outcome): Outcome {
  const k = first.events.length;
  return {
    state: second.state,
    result: second.result,
    events: [...first.events, ...second.events],
    order: [...first.order, ...second.order.map(([a, b]) => [a + k, b + k] as const)],
  };
}

/** Both open operations with their mode rewritten (per target namespace id as given: lmid, or the caller's for dlopen). */
export function modeRewrite(spec: Ops, f: (mode: number, lmid: number) => number): Partial<Ops> {
  return {
    dlmopen: (ctx, s, lmid, file, mode, call, ns) => spec.dlmopen(ctx, s, lmid, file, f(mode, lmid), call, ns),
    dlopen: (ctx, s, file, mode, call, ns) => spec.dlopen(ctx, s, file, f(mode, ns), call, ns),
  };
}
