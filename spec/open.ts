import type { CallResult, LifecycleEvent } from '../model/observation.ts';
import {
  DL_NNS,
  LM_ID_BASE,
  LM_ID_CALLER,
  LM_ID_NEWLM,
  RTLD_BINDING_MASK,
  RTLD_DEEPBIND,
  RTLD_GLOBAL,
  RTLD_LAZY,
  RTLD_NODELETE,
  RTLD_NOLOAD,
  RTLD_SHARED,
} from '../model/mode.ts';
import { canonicalHandle, freeNamespaces, type Entry, type LoaderState } from '../model/state.ts';
import { objectInfo, shares, type SpecContext } from './context.ts';
import { LoadError, produce, StateChanges } from './draft.ts';
import { eventOrder } from './graph-order.ts';
import * as msg from './messages.ts';

/** The state after a call, what it returned, and the events it caused. */
export interface Outcome {
  readonly state: LoaderState;
  readonly result: CallResult;
  readonly events: readonly LifecycleEvent[];
  readonly order: ReadonlyArray<readonly [number, number]>;
}

export const unchanged = (state: LoaderState, result: CallResult): Outcome => ({ state, result, events: [], order: [] });

/** dlmopen (dlfcn/dlmopen.c dlmopen_doit): RTLD_GLOBAL is refused outside namespace 0 (MODE2, S12), then _dl_open. */
export function dlmopen(ctx: SpecContext, state: LoaderState, lmid: number, file: string, mode: number, call: number, callerNs: number): Outcome {
  if (lmid !== LM_ID_BASE && mode & RTLD_GLOBAL) return unchanged(state, { kind: 'null', error: msg.invalidMode() });
  return dlOpen(ctx, state, file, mode, lmid, call, callerNs);
}

/** Mode bits dlopen accepts (dlfcn/dlopen.c dlopen_doit; RTLD_LOCAL is 0, 0x40000000 is __RTLD_SPROF). */
const DLOPEN_BITS = RTLD_BINDING_MASK | RTLD_NOLOAD | RTLD_DEEPBIND | RTLD_GLOBAL | RTLD_NODELETE | 0x40000000;

/**
 * dlopen: unknown mode bits are refused (MODE6; unlike dlmopen, which ignores
 * them), then _dl_open into the caller's namespace (CALLER1). The series
 * leaves dlopen's mask as it is: RTLD_SHARED and RTLD_ISOLATE are dlmopen
 * flags (its NEWS; `dlfcn/dlopen.c` `dlopen_doit`), so under both profiles
 * dlopen refuses them (CONFORMANCE.md, open questions).
 */
export function dlopen(ctx: SpecContext, state: LoaderState, file: string, mode: number, call: number, callerNs: number): Outcome {
  if (dlopenRefusesMode(ctx, mode)) return unchanged(state, { kind: 'null', error: msg.invalidModeParameter() });
  return dlOpen(ctx, state, file, mode, LM_ID_CALLER, call, callerNs);
}

/** MODE6: whether dlopen refuses a mode for bits it does not know. */
export function dlopenRefusesMode(_ctx: SpecContext, mode: number): boolean {
  return (mode & ~DLOPEN_BITS) !== 0;
}

/** NS1..NS3: the namespace a call loads into, or the error that refuses it. */
function targetNamespace(state: LoaderState, lmid: number, file: string, callerNs: number): number | string {
  if (lmid === LM_ID_NEWLM) return freeNamespaces(state)[0] ?? msg.noMoreNamespaces(file);
  if (lmid === LM_ID_CALLER) return callerNs;
  if (lmid === LM_ID_BASE) return 0;
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  if (lmid < 0 || lmid >= DL_NNS || (state.namespaces[lmid] ?? []).length === 0) return msg.invalidTargetNamespace(file);
  return lmid;
}

/** _dl_open: mode check (MODE1), namespace choice, then the open worker with full rollback on failure (LOAD4). Unknown mode bits are ignored (MODE5). */
function dlOpen(ctx: SpecContext, state: LoaderState, file: string, mode: number, lmid: number, call: number, callerNs: number): Outcome {
  if ((mode & RTLD_BINDING_MASK) === 0) return unchanged(state, { kind: 'null', error: msg.invalidModeForDlopen(file) });
  const ns = targetNamespace(state, lmid, file, callerNs);
  if (typeof ns === 'string') return unchanged(state, { kind: 'null', error: ns });

  // The worker plans the call's changes beside the state; a failure drops the plan (LOAD4).
  const changes = new StateChanges(state);
  let opened: number | null;
  try {
    opened = openWorker(ctx, changes, ns, file, mode);
  } catch (e) {
    if (e instanceof LoadError) return unchanged(state, { kind: 'null', error: e.message });
    throw e;
  }
  if (opened === null) return unchanged(state, { kind: 'null', error: null }); // MODE3: NOLOAD miss
  const id = opened; // a const: the recipe below does not see the narrowing of `opened`
  const next = produce(state, (draft) => {
    changes.commit(draft);
    draft.handles = { ...state.handles, [call]: id }; // replaced whole, as commit does (see StateChanges)
  });
  const entry = next.entries[id] as Entry;
  // Entry ids are never reused: no earlier call returned an entry this call created.
  const handle = id >= state.nextId ? call : canonicalHandle(next, entry.id);
  const result: CallResult = { kind: 'handle', handle, ns: entry.ns, object: entry.object, proxy: entry.kind === 'proxy' };
  return { state: next, result, ...constructorEvents(ctx, next, changes.created) };
}

/** LOAD3: constructors of the real test entries this call created; proxies never construct (S6). */
function constructorEvents(ctx: SpecContext, state: LoaderState, created: readonly number[]) {
  const ids = created.filter((id) => {
    const e = state.entries[id] as Entry;
    // Stryker disable next-line OptionalChaining: equivalent mutants, see CONFORMANCE.md
    return e.kind === 'real' && objectInfo(ctx, e.object)?.test === true;
  });
  const events: LifecycleEvent[] = ids.map((id) => {
    const e = state.entries[id] as Entry;
    return { event: 'ctor', object: e.object, ns: e.ns };
  });
  return { events, order: eventOrder(state, events, ids) };
}

/** The open worker: find or load `file` in `ns`, count the open; the entry's id, or null for an RTLD_NOLOAD miss. */
function openWorker(ctx: SpecContext, changes: StateChanges, ns: number, file: string, mode: number): number | null {
  const sharing = shares(ctx, ns, mode, file);
  const existing = changes.find(ns, file);
  let entry: Entry | null;
  if (existing !== undefined) {
    // S4, S10: a real entry of N is never demoted to a proxy.
    if (sharing && existing.kind === 'real') throw new LoadError(msg.cannotDemote(file));
    entry = existing; // LOAD1, S3: same entry again
  } else if (objectInfo(ctx, file) === undefined) {
    // LOAD6; MODE3: the file is opened (and matched by identity) before RTLD_NOLOAD is
    // looked at, so NOLOAD of a missing file is an error, not a quiet NULL.
    throw new LoadError(msg.cannotOpen(file));
  } else if (mode & RTLD_NOLOAD) {
    // MODE3; S11 (open question, position: reference behaviour): NOLOAD|SHARED proxies a loaded master.
    const master = sharing ? changes.find(0, file) : undefined;
    entry = master === undefined ? null : changes.proxy(ns, master);
  } else if (sharing) {
    // S2, S8: load or find the master in namespace 0, give N a proxy of it.
    entry = changes.proxy(ns, loadObject(ctx, changes, 0, file, mode));
  } else {
    entry = loadObject(ctx, changes, ns, file, mode);
  }
  if (entry === null) return null;
  if (!(mode & RTLD_LAZY)) checkBindNow(ctx, changes); // LOAD5
  changes.countOpen(entry.id);
  if (mode & RTLD_NODELETE) changes.pin(entry.id); // MODE4
  return entry.id;
}

/**
 * _dl_map_object + _dl_map_object_deps: find `file` in `ns` or map it, then
 * its DT_NEEDED breadth-first, each once (LOAD2). Dependencies found in the
 * namespace are reused; ld.so is proxied (NS4); a UNIQUE dependency is
 * proxied from namespace 0 (S8) unless the call isolates (S9).
 */
function loadObject(ctx: SpecContext, changes: StateChanges, ns: number, file: string, mode: number): Entry {
  const found = changes.find(ns, file);
  if (found !== undefined) return found;
  const top = mapObject(ctx, changes, ns, file);
  const queue: Entry[] = [top];
  for (let i = 0; i < queue.length; i++) {
    const e = queue[i] as Entry;
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    if (e.kind === 'proxy') continue;
    const deps: number[] = [];
    // Stryker disable next-line ArrayDeclaration,OptionalChaining: equivalent mutants, see CONFORMANCE.md
    for (const name of objectInfo(ctx, e.object)?.needed ?? []) {
      let dep = changes.find(ns, name);
      // S10 for dependencies too: the series' _dl_map_object refuses a UNIQUE
      // name N holds as a real (RTLD_ISOLATE) copy whenever the call does not
      // isolate, a DT_NEEDED lookup included (its comment: the UNIQUE-means-
      // RTLD_SHARED semantics cannot be satisfied). Position: CONFORMANCE.md.
      if (dep !== undefined && dep.kind === 'real' && shares(ctx, ns, mode & ~RTLD_SHARED, name)) throw new LoadError(msg.cannotDemote(name));
      if (dep === undefined) {
        if (shares(ctx, ns, mode & ~RTLD_SHARED, name)) {
          dep = changes.proxy(ns, loadObject(ctx, changes, 0, name, mode));
        } else {
          dep = mapObject(ctx, changes, ns, name);
          queue.push(dep);
        }
      }
      deps.push(dep.id);
    }
    changes.setDeps(e.id, deps);
  }
  return top;
}

/** _dl_map_object for a name not in the namespace: a new real entry, or a proxy of ld.so (NS4). */
function mapObject(ctx: SpecContext, changes: StateChanges, ns: number, name: string): Entry {
  const info = objectInfo(ctx, name);
  if (info === undefined) throw new LoadError(msg.cannotOpen(name)); // LOAD6
  if (info.rtld && ns !== 0) {
    const rtld = changes.find(0, name);
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    if (rtld === undefined) throw new Error(`internal: ${name} missing from namespace 0`);
    return changes.proxy(ns, rtld);
  }
  const entry = changes.append({ object: name, ns, kind: 'real', master: null });
  if (info.nodelete) changes.pin(entry.id);
  return entry;
}

/** LOAD5: with RTLD_NOW, relocation of a new object with an undefined symbol fails the whole call. */
function checkBindNow(ctx: SpecContext, changes: StateChanges): void {
  for (let i = changes.created.length - 1; i >= 0; i--) {
    const e = changes.entry(changes.created[i] as number);
    if (e.kind !== 'real') continue;
    // Stryker disable next-line OptionalChaining: equivalent mutants, see CONFORMANCE.md
    const sym = objectInfo(ctx, e.object)?.undefinedSymbol;
    if (sym !== undefined) throw new LoadError(msg.undefinedSymbol(e.object, sym));
  }
}
