/**
 * Transformations of scenarios and of the spec's observations, for the
 * metamorphic properties: renaming DSOs, renumbering handles when a call is
 * inserted, dropped or moved, states compared up to entry ids, and the
 * namespace footprint of a call (the independence criterion for reordering).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { arbScenario } from '../generators/calls.ts';
import { formatSequence, type Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import { LM_ID_BASE, LM_ID_CALLER, LM_ID_NEWLM, RTLD_BINDING_MASK, RTLD_GLOBAL, DL_NNS } from '../model/mode.ts';
import type { CallResult, ExpectedObservation } from '../model/observation.ts';
import { handleEntry, realEntry, type Entry, type LoaderState } from '../model/state.ts';
import type { Profile } from '../spec/profile.ts';
import type { SpecRun } from '../spec/run.ts';

// ---------------------------------------------------------------- reporting

export interface Scenario {
  readonly graph: DsoGraph;
  readonly calls: readonly Call[];
}

/** A scenario as a maintainer reads it: the graph as JSON, then the calls as C. */
export function describeScenario({ graph, calls }: Scenario): string {
  return `graph: ${JSON.stringify(graph)}\n${formatSequence(calls)}`;
}

/**
 * The same value, printed by fast-check (counterexamples, shrinking) as
 * `describeScenario` prints it, not as raw objects.
 */
export function readable<T extends Scenario>(s: T): T {
  return Object.defineProperty({ ...s }, fc.toStringMethod, {
    value: () => `\n${describeScenario(s)}\n`,
    enumerable: false,
  }) as T;
}

/** Random scenarios of the generators, printed readably by fast-check. */
export const scenarios = (profile: Profile): fc.Arbitrary<Scenario> => arbScenario({ profile, maxCalls: 12 }).map(readable);

/** Everything a run shows, per step, as an implementation would report it. */
export const shown = (run: SpecRun): ExpectedObservation[] => run.steps.map((s) => s.expected);

/**
 * `expect(actual, message).toEqual(expected)`, with a fast path: plain data
 * whose JSON is equal is deep-equal, so the (slow) structural comparison and
 * its diff only run when something differs.
 */
export function sameAs(actual: unknown, expected: unknown, message: string): void {
  if (JSON.stringify(actual) === JSON.stringify(expected)) return;
  expect(actual, message).toEqual(expected);
}

/** A failure message: what was done, and both scenarios. */
export function context(label: string, original: Scenario, transformed: Scenario): string {
  return `${label}\n--- original\n${describeScenario(original)}\n--- transformed\n${describeScenario(transformed)}`;
}

// ---------------------------------------------------------------- renaming

/** DSO names inside free text (error messages): not `libc.so.6`, not a longer name. */
const DSO_NAME = /\blib[a-z0-9_]+\.so(?![\w.])/g;

export type Renaming = ReadonlyMap<string, string>;

const rn = (map: Renaming, name: string): string => map.get(name) ?? name;
const rnText = (map: Renaming, text: string): string => text.replace(DSO_NAME, (n) => rn(map, n));

export function renameGraph(graph: DsoGraph, map: Renaming): DsoGraph {
  const dsos = graph.dsos.map((d) => ({ ...d, name: rn(map, d.name), needed: d.needed.map((n) => rn(map, n)) }));
  const p = graph.program;
  if (p === undefined) return { dsos };
  return { dsos, program: { needed: p.needed.map((n) => rn(map, n)), ...(p.soname !== undefined ? { soname: rn(map, p.soname) } : {}) } };
}

export function renameCalls(calls: readonly Call[], map: Renaming): Call[] {
  return calls.map((c) => (c.op === 'dlopen' || c.op === 'dlmopen' ? { ...c, file: rn(map, c.file) } : c));
}

export function renameObservation(o: ExpectedObservation, map: Renaming): ExpectedObservation {
  const renamed = (r: CallResult): CallResult =>
    r.kind === 'handle' || r.kind === 'symbol'
      ? { ...r, object: rn(map, r.object) }
      : (r.kind === 'null' || r.kind === 'fail' || r.kind === 'fatal') && r.error !== null
        ? { ...r, error: rnText(map, r.error) }
        : r;
  return {
    result: renamed(o.result),
    ...(o.alternatives !== undefined ? { alternatives: o.alternatives.map(renamed) } : {}),
    events: o.events.map((e) => ({ ...e, object: rn(map, e.object) })),
    order: o.order,
    namespaces: o.namespaces.map((v) => ({ ns: v.ns, entries: v.entries.map((e) => ({ ...e, object: rn(map, e.object) })) })),
  };
}

// ---------------------------------------------------------------- handle renumbering

/** A map on call indices (handles are named after the call that returned them). */
export type Renumber = (handle: number) => number;

export function renumberCall(c: Call, f: Renumber): Call {
  switch (c.op) {
    case 'dlopen':
      return c.caller === undefined ? c : { ...c, caller: f(c.caller) };
    case 'dlmopen':
      return c;
    case 'dlclose':
      return c.caller === undefined ? { ...c, handle: f(c.handle) } : { ...c, handle: f(c.handle), caller: f(c.caller) };
    case 'dlsym':
    case 'dlinfo':
    case 'call':
      return { ...c, handle: f(c.handle) };
    case 'start':
    case 'exit':
      return c;
  }
}

export function renumberObservation(o: ExpectedObservation, f: Renumber): ExpectedObservation {
  return o.result.kind === 'handle' ? { ...o, result: { ...o.result, handle: f(o.result.handle) } } : o;
}

/** Handles of a state renumbered: `handles[f(k)] = handles[k]`. */
export function renumberState(s: LoaderState, f: Renumber): LoaderState {
  const handles: Record<number, number> = {};
  for (const [k, id] of Object.entries(s.handles)) handles[f(Number(k))] = id;
  return { ...s, handles };
}

/** Insert `call` at `at`, shifting the handles of later calls. */
export function insertCall(calls: readonly Call[], at: number, call: Call): Call[] {
  const shift: Renumber = (h) => (h >= at ? h + 1 : h);
  return [...calls.slice(0, at), call, ...calls.slice(at).map((c) => renumberCall(c, shift))];
}

/** Drop the call at `at` (which returned no handle anyone uses), shifting later handles down. */
export function dropCall(calls: readonly Call[], at: number): Call[] {
  const shift: Renumber = (h) => (h > at ? h - 1 : h);
  return [...calls.slice(0, at), ...calls.slice(at + 1).map((c) => renumberCall(c, shift))];
}

/** Swap calls `at` and `at + 1`, exchanging their handle names everywhere later. */
export function swapCalls(calls: readonly Call[], at: number): Call[] {
  const f = swapIndex(at);
  const out = calls.map((c, i) => (i > at + 1 ? renumberCall(c, f) : c));
  [out[at], out[at + 1]] = [out[at + 1] as Call, out[at] as Call];
  return out;
}

export const swapIndex =
  (at: number): Renumber =>
  (h) =>
    h === at ? at + 1 : h === at + 1 ? at : h;

// ---------------------------------------------------------------- states up to entry ids

/**
 * A state with entry ids replaced by positions (`ns:index`), so that two runs
 * allocating ids in a different order compare equal when their loaders are.
 * Handles to unloaded entries become 'unloaded'.
 */
export function canonicalState(s: LoaderState): unknown {
  const pos = new Map<number, string>();
  s.namespaces.forEach((ids, ns) => ids.forEach((id, i) => pos.set(id, `${ns}:${i}`)));
  const where = (id: number) => pos.get(id) ?? `dangling ${id}`;
  return {
    namespaces: s.namespaces.map((ids) =>
      ids.map((id) => {
        const e = s.entries[id] as Entry;
        return {
          object: e.object,
          kind: e.kind,
          master: e.master === null ? null : where(e.master),
          deps: e.deps.map(where),
          openCount: e.openCount,
          nodelete: e.nodelete,
          startup: e.startup,
        };
      }),
    ),
    entries: Object.keys(s.entries).length,
    handles: Object.fromEntries(Object.entries(s.handles).map(([k, id]) => [k, s.entries[id] === undefined ? 'unloaded' : where(id)])),
  };
}

// ---------------------------------------------------------------- independence

/** Every namespace id: what an LM_ID_NEWLM call touches (it reads which are empty). */
const ALL = Array.from({ length: DL_NNS }, (_, ns) => ns);

/**
 * The namespaces a call may read or write when run on `state`, and whether it
 * writes at all. Conservative: a call into N > 0 is counted as touching
 * namespace 0 under rtld-shared (masters are made, found and pinned there).
 * Calls that fail on their arguments alone (no binding, RTLD_GLOBAL outside
 * namespace 0, an out-of-range id) touch nothing.
 */
export function footprint(profile: Profile, state: LoaderState, call: Call): { ns: Set<number>; writes: boolean } {
  const nsOf = (h: number): number => (handleEntry(state, h) as Entry).ns;
  const into = (target: number) => new Set(profile === 'rtld-shared' && target !== 0 ? [target, 0] : [target]);
  switch (call.op) {
    case 'dlsym': {
      const ns = nsOf(call.handle);
      return { ns: new Set(ns === 0 ? [0] : [ns, 0]), writes: false };
    }
    case 'dlinfo':
      return { ns: new Set([nsOf(call.handle)]), writes: false };
    case 'dlclose': {
      const ns = new Set([nsOf(call.handle)]);
      if (call.caller !== undefined) ns.add(nsOf(call.caller));
      return { ns, writes: true };
    }
    case 'dlopen': {
      // The caller's handle must stay loaded whatever the mode.
      const caller = call.caller === undefined ? undefined : (handleEntry(state, call.caller) as Entry);
      if ((call.mode & RTLD_BINDING_MASK) === 0) return { ns: new Set(caller === undefined ? [] : [caller.ns]), writes: false };
      if (caller === undefined) return { ns: into(0), writes: true };
      const ns = into(realEntry(state, caller).ns);
      ns.add(caller.ns);
      return { ns, writes: true };
    }
    case 'dlmopen': {
      const { lmid, mode } = call;
      if (lmid !== LM_ID_BASE && mode & RTLD_GLOBAL) return { ns: new Set(), writes: false };
      if ((mode & RTLD_BINDING_MASK) === 0) return { ns: new Set(), writes: false };
      if (lmid === LM_ID_NEWLM) return { ns: new Set(ALL), writes: true };
      if (lmid === LM_ID_BASE || lmid === LM_ID_CALLER) return { ns: into(0), writes: true };
      if (lmid < 0 || lmid >= DL_NNS) return { ns: new Set(), writes: false };
      return { ns: into(lmid), writes: true };
    }
    // The process extension: start-up and exit see every namespace; a call binds (and so pins) across its scope.
    case 'start':
    case 'exit':
    case 'call':
      return { ns: new Set(ALL), writes: true };
  }
}

/**
 * Calls `at` and `at + 1` of a run commute: the second does not use the
 * first's handle, and either both only read or their footprints are disjoint.
 */
export function independent(profile: Profile, run: SpecRun, at: number): boolean {
  const a = run.steps[at];
  const b = run.steps[at + 1];
  if (a === undefined || b === undefined) return false;
  const usesA = [('handle' in b.call ? b.call.handle : undefined), ('caller' in b.call ? b.call.caller : undefined)].includes(at);
  if (usesA) return false;
  const fa = footprint(profile, a.before, a.call);
  const fb = footprint(profile, a.before, b.call);
  if (!fa.writes && !fb.writes) return true;
  for (const ns of fa.ns) if (fb.ns.has(ns)) return false;
  return true;
}
