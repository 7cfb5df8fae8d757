/**
 * dlopen and dlmopen (glibc: dlfcn/dlopen.c, dlfcn/dlmopen.c, elf/dl-open.c
 * `_dl_open` and `dl_open_worker_begin`, elf/dl-load.c `_dl_map_object`,
 * elf/dl-deps.c `_dl_map_object_deps`). The RTLD_SHARED decisions are
 * spec/shared.ts's.
 */
import type { Draft } from 'immer';
import type { CallResult, LifecycleEvent } from '../model/observation.ts';
import {
  DL_NNS,
  LM_ID_BASE,
  LM_ID_CALLER,
  LM_ID_NEWLM,
  RTLD_BINDING_MASK,
  RTLD_DEEPBIND,
  RTLD_GLOBAL,
  RTLD_ISOLATE,
  RTLD_LAZY,
  RTLD_NODELETE,
  RTLD_NOLOAD,
  RTLD_SHARED,
} from '../model/mode.ts';
import { canonicalHandle, freeNamespaces, type Entry, type LoaderState } from '../model/state.ts';
import { refusedAuditorTarget } from './audit.ts';
import { exercise, libcName, objectInfo, type SpecContext } from './context.ts';
import { chain, eventOrder } from './event-order.ts';
import { sortAsReleased } from './sorter.ts';
import * as msg from './messages.ts';
import { unchanged, type Outcome } from './outcome.ts';
import { _dl_new_object, createdSince, entryOf, findObject, LoadError, produce, type StateDraft } from './object.ts';
import { searchList } from './sym.ts';
import { bind, lookup } from './scope.ts';
import { _dl_new_proxy, callShares, dependencyShares, globalRefused, noloadProxy, proxyOfDependency, proxyOfNamed, proxyReopened, refuseDemotion, refuseIsolatedDependency } from './shared.ts';

/** Mode bits dlmopen passes on (any other is ignored, MODE5): glibc's, and under rtld-shared the series' two. */
const DLMOPEN_KNOWN = RTLD_BINDING_MASK | RTLD_NOLOAD | RTLD_DEEPBIND | RTLD_GLOBAL | RTLD_NODELETE;

/** dlmopen (dlfcn/dlmopen.c `dlmopen_doit`): MODE2 first, then _dl_open. */
export function dlmopen(ctx: SpecContext, state: LoaderState, lmid: number, file: string, mode: number, call: number, callerNs: number): Outcome {
  if (lmid !== LM_ID_BASE && mode & RTLD_GLOBAL) return globalOutsideBase(ctx, state);
  ignoredBits(ctx, mode);
  return _dl_open(ctx, state, file, mode, lmid, call, callerNs);
}

/** MODE2: RTLD_GLOBAL with any namespace argument but LM_ID_BASE is `invalid mode`, checked before anything else (and S12). */
function globalOutsideBase(ctx: SpecContext, state: LoaderState): Outcome {
  exercise(ctx, 'MODE2');
  globalRefused(ctx);
  return unchanged(state, { kind: 'null', error: msg.invalidMode() });
}

/** MODE5: dlmopen checks no mode bit but RTLD_GLOBAL: unknown ones are passed on and ignored. */
function ignoredBits(ctx: SpecContext, mode: number): void {
  const known = ctx.profile === 'rtld-shared' ? DLMOPEN_KNOWN | RTLD_SHARED | RTLD_ISOLATE : DLMOPEN_KNOWN;
  if (mode & ~known) exercise(ctx, 'MODE5');
}

/** Mode bits dlopen accepts (dlfcn/dlopen.c `dlopen_doit`; RTLD_LOCAL is 0, 0x40000000 is __RTLD_SPROF). */
const DLOPEN_BITS = RTLD_BINDING_MASK | RTLD_NOLOAD | RTLD_DEEPBIND | RTLD_GLOBAL | RTLD_NODELETE | 0x40000000;

/**
 * dlopen: unknown mode bits are refused (MODE6; unlike dlmopen, which ignores
 * them), then _dl_open into the caller's namespace (CALLER1). The series
 * leaves dlopen's mask as it is: RTLD_SHARED and RTLD_ISOLATE are dlmopen
 * flags (its NEWS; `dlfcn/dlopen.c` `dlopen_doit`), so under both profiles
 * dlopen refuses them (CONFORMANCE.md, open questions).
 */
export function dlopen(ctx: SpecContext, state: LoaderState, file: string, mode: number, call: number, callerNs: number): Outcome {
  if (dlopenRefusesMode(ctx, mode)) {
    exercise(ctx, 'MODE6');
    return unchanged(state, { kind: 'null', error: msg.invalidModeParameter() });
  }
  return _dl_open(ctx, state, file, mode, LM_ID_CALLER, call, callerNs);
}

/** MODE6: dlopen refuses a mode bit it does not know (unlike dlmopen), before everything else; under both profiles, RTLD_SHARED and RTLD_ISOLATE included. */
export function dlopenRefusesMode(_ctx: SpecContext, mode: number): boolean {
  return (mode & ~DLOPEN_BITS) !== 0;
}

/**
 * _dl_open: the binding check (MODE1), the namespace (NS1..NS3), then the
 * open worker; all of it in one `produce`, whose draft a failure discards.
 */
function _dl_open(ctx: SpecContext, state: LoaderState, file: string, mode: number, lmid: number, call: number, callerNs: number): Outcome {
  let opened: number | null = null;
  let mapped: number | null = null;
  let next: LoaderState;
  try {
    next = produce(state, (draft) => {
      checkBinding(ctx, file, mode);
      const ns = targetNamespace(ctx, state, lmid, file, callerNs);
      ({ opened, mapped } = dl_open_worker(ctx, draft, ns, file, mode));
      if (opened !== null) draft.handles[call] = opened;
    });
  } catch (e) {
    if (e instanceof LoadError) return rolledBack(ctx, state, e.message, e.alternatives);
    throw e;
  }
  if (opened === null) return unchanged(state, { kind: 'null', error: null }); // MODE3: NOLOAD miss
  const entry = next.entries[opened] as Entry;
  // Entry ids are never reused: no earlier call returned an entry this call created.
  const handle = entry.id >= state.nextId ? call : canonicalHandle(next, entry.id);
  const result: CallResult = { kind: 'handle', handle, ns: entry.ns, object: entry.object, proxy: entry.kind === 'proxy' };
  return { state: next, result, ...constructors(ctx, state, next, mapped) };
}

/** LOAD4: a failed dlopen/dlmopen leaves no trace (the call's draft is dropped). */
function rolledBack(ctx: SpecContext, state: LoaderState, error: string, alternatives: readonly string[] = []): Outcome {
  exercise(ctx, 'LOAD4');
  const outcome = unchanged(state, { kind: 'null', error });
  return alternatives.length === 0 ? outcome : { ...outcome, alternatives: alternatives.map((e) => ({ kind: 'null', error: e })) };
}

/** MODE1: neither RTLD_LAZY nor RTLD_NOW is `invalid mode for dlopen()`; both is accepted and binds lazily. */
function checkBinding(ctx: SpecContext, file: string, mode: number): void {
  const binding = mode & RTLD_BINDING_MASK;
  if (binding === 0 || binding === RTLD_BINDING_MASK) exercise(ctx, 'MODE1');
  if (binding === 0) throw new LoadError(msg.invalidModeForDlopen(file));
}

/** The namespace a call loads into (`_dl_open`), or the error that refuses it. */
function targetNamespace(ctx: SpecContext, state: LoaderState, lmid: number, file: string, callerNs: number): number {
  if (lmid === LM_ID_NEWLM) return newNamespace(ctx, state, file);
  if (lmid === LM_ID_CALLER) return callerNs;
  if (lmid === LM_ID_BASE) return 0;
  return explicitNamespace(ctx, state, lmid, file);
}

/** NS1, NS2: LM_ID_NEWLM takes the lowest-numbered empty namespace in 1..15; with none left, `no more namespaces`. */
function newNamespace(ctx: SpecContext, state: LoaderState, file: string): number {
  const ns = freeNamespaces(state)[0];
  exercise(ctx, ns === undefined ? 'NS2' : 'NS1');
  if (ns === undefined) throw new LoadError(msg.noMoreNamespaces(file));
  return ns;
}

/** NS3: an explicit namespace out of 0..15, or empty, is `invalid target namespace` (so is an auditor's, AUD1). */
function explicitNamespace(ctx: SpecContext, state: LoaderState, lmid: number, file: string): number {
  if (lmid >= 0 && lmid < DL_NNS && (state.namespaces[lmid]?.length ?? 0) > 0 && !refusedAuditorTarget(ctx, state, lmid)) return lmid;
  exercise(ctx, 'NS3');
  throw new LoadError(msg.invalidTargetNamespace(file));
}

/**
 * LOAD3: constructors of the real test entries the call created, in the
 * order `_dl_init` (elf/dl-init.c) calls them: the l_initfini of the object
 * the open mapped (spec/sort-maps.ts made it), from the end, each entry not
 * initialised before. Proxies never construct (S6). An entry created outside
 * that list (a master in namespace 0 for a UNIQUE dependency, S8) is ordered
 * only against its dependencies (spec/event-order.ts).
 */
function constructors(ctx: SpecContext, before: LoaderState, next: LoaderState, mapped: number | null): Pick<Outcome, 'events' | 'order'> {
  const created = Object.values(next.entries).filter((e) => e.id >= before.nextId);
  const running = created.filter((e) => e.kind === 'real' && objectInfo(ctx, e.object)?.test === true);
  if (running.length > 0) exercise(ctx, 'LOAD3');
  const initfini = mapped === null ? [] : (next.entries[mapped]?.initfini ?? []);
  const runs = new Set(running.map((e) => e.id));
  const inOrder = [...initfini].reverse().filter((id) => runs.has(id));
  const exact = inOrder.length === running.length;
  const ordered = exact ? inOrder.map((id) => next.entries[id] as Entry) : running;
  const events: LifecycleEvent[] = ordered.map((e) => ({ event: 'ctor', object: e.object, ns: e.ns }));
  return { events, order: exact ? chain(events.length) : eventOrder(next, events, ordered.map((e) => e.id)) };
}

/**
 * dl_open_worker_begin: find or load `file` in `ns`, count the open; the
 * entry's id, or null for an RTLD_NOLOAD miss (MODE3), and the object the
 * open mapped (the master when it shares), whose l_initfini `_dl_init` runs.
 */
function dl_open_worker(ctx: SpecContext, draft: StateDraft, ns: number, file: string, mode: number): { opened: number | null; mapped: number | null } {
  const firstId = draft.nextId;
  const sharing = callShares(ctx, ns, mode, file);
  const existing = findObject(draft, ns, file);
  let entry: Entry | null;
  // What _dl_open maps (glibc: `args->map`): the entry returned, or the master when the call shares.
  let mapped: Entry | undefined;
  if (existing !== undefined) {
    if (sharing && existing.kind === 'real') refuseDemotion(ctx, file, mode);
    entry = mapped = reopened(ctx, existing, mode);
  } else if (objectInfo(ctx, file) === undefined) {
    if (mode & RTLD_NOLOAD) exercise(ctx, 'MODE3');
    missingFile(ctx, file);
  } else if (mode & RTLD_NOLOAD) {
    mapped = sharing ? findObject(draft, 0, file) : undefined;
    entry = sharing ? noloadProxy(ctx, draft, ns, mapped, mode) : noloadMiss(ctx);
  } else if (sharing) {
    mapped = _dl_map_object(ctx, draft, 0, file, mode);
    entry = proxyOfNamed(ctx, draft, ns, mapped, mode);
  } else {
    entry = mapped = _dl_map_object(ctx, draft, ns, file, mode);
  }
  if (entry === null) return { opened: null, mapped: null };
  // _dl_map_object_deps gave the opened object its l_initfini before relocation binds anything (a binding within it is no relocation dependency).
  if (mapped !== undefined) ownSearchList(ctx, draft, mapped, firstId, mode);
  bindNow(ctx, draft, firstId, mode, mapped);
  const opened = entryOf(draft, entry.id);
  opened.openCount += 1;
  if (mode & RTLD_NODELETE) nodelete(ctx, opened);
  if (mode & RTLD_GLOBAL && ns === 0 && mapped !== undefined) addToGlobal(ctx, draft, mapped);
  return { opened: opened.id, mapped: mapped?.id ?? null };
}

/** LOAD1, S3: a name the namespace holds is that entry again (and MODE3: RTLD_NOLOAD finds it too). */
function reopened(ctx: SpecContext, existing: Entry, mode: number): Entry {
  if (mode & RTLD_NOLOAD) exercise(ctx, 'MODE3');
  if (existing.kind === 'proxy') proxyReopened(ctx);
  else exercise(ctx, 'LOAD1');
  return existing;
}

/** MODE3: RTLD_NOLOAD of an existing file the namespace does not hold is a quiet NULL. */
function noloadMiss(ctx: SpecContext): null {
  exercise(ctx, 'MODE3');
  return null;
}

/**
 * LOAD6: a file that does not exist, named or needed, is `cannot open shared
 * object file`; the file is opened before RTLD_NOLOAD is looked at (MODE3).
 */
function missingFile(ctx: SpecContext, name: string): never {
  exercise(ctx, 'LOAD6');
  throw new LoadError(msg.cannotOpen(name));
}

/** MODE4: RTLD_NODELETE pins the entry opened, on a first open or a reopen. */
function nodelete(ctx: SpecContext, entry: Draft<Entry>): void {
  exercise(ctx, 'MODE4');
  entry.nodelete = true;
}

/**
 * LOAD2: the object a call opens (the master, when it shares) gets a search
 * list of its own if it has none: `dl_open_worker_begin` runs
 * `_dl_map_object_deps` on it when `l_searchlist` is NULL, and at the end
 * (`update_scopes`) puts that list in the scope of each object on it that
 * was loaded before, which CLOSE5 reads. A list the close worker made stays.
 * For an entry loaded earlier as a dependency, that looks every DT_NEEDED
 * on the list up again, which finds the same entries (S10 aside).
 */
function ownSearchList(ctx: SpecContext, draft: StateDraft, mapped: Entry, firstId: number, mode: number): void {
  if (mapped.searchList !== 'none') return;
  const list = searchList(draft, mapped);
  if (mapped.id < firstId) {
    for (const e of list) {
      if (e.kind === 'real') for (const name of objectInfo(ctx, e.object)?.needed ?? []) refuseIsolatedDependency(ctx, e.ns, mode, name, findObject(draft, e.ns, name));
    }
  }
  // _dl_map_object_deps: the search list, sorted, becomes its l_initfini; libc, opened itself, takes part in the sort.
  const sorted = sortAsReleased(ctx, draft as LoaderState, list.map((e) => e.id), !isLibc(ctx, mapped.object), false);
  Object.assign(entryOf(draft, mapped.id), { searchList: 'breadth-first', initfini: sorted });
  // update_scopes: objects initialised before this call (not start-up ones) take the new list into their scope.
  for (const e of list) {
    if (e.id < firstId && e.kind === 'real' && !e.startup && !e.scope.includes(mapped.id)) entryOf(draft, e.id).scope.push(mapped.id);
  }
}

/** LOAD2: _dl_map_object: `file` in `ns`, found, or mapped with its dependencies (also S8's master of a UNIQUE dependency in namespace 0). */
function _dl_map_object(ctx: SpecContext, draft: StateDraft, ns: number, file: string, mode: number): Entry {
  const found = findObject(draft, ns, file);
  if (found !== undefined) return found;
  const top = mapNew(ctx, draft, ns, file);
  // Opened by path, it is its own loader (`_dl_map_object`: `__RTLD_CALLMAP` drops the caller).
  if (top.kind === 'real') top.scope = loaderScope(draft, top);
  _dl_map_object_deps(ctx, draft, top, mode);
  return top;
}

/**
 * LOAD2: _dl_map_object_deps of a new entry: its DT_NEEDED breadth-first,
 * each once; dependencies the namespace holds are reused, a UNIQUE one is
 * proxied from namespace 0 (S8).
 */
function _dl_map_object_deps(ctx: SpecContext, draft: StateDraft, top: Draft<Entry>, mode: number): void {
  const ns = top.ns;
  const queue: Draft<Entry>[] = [top];
  for (let i = 0; i < queue.length; i++) {
    const e = queue[i] as Draft<Entry>;
    if (e.kind === 'proxy') continue;
    const deps: number[] = [];
    for (const name of objectInfo(ctx, e.object)?.needed ?? []) {
      let dep: Entry | undefined = findObject(draft, ns, name);
      refuseIsolatedDependency(ctx, ns, mode, name, dep);
      if (dep === undefined && dependencyShares(ctx, ns, mode, name)) {
        dep = proxyOfDependency(ctx, draft, ns, _dl_map_object(ctx, draft, 0, name, mode));
      } else if (dep === undefined) {
        const loaded = mapNew(ctx, draft, ns, name);
        loaded.scope = loaderScope(draft, top);
        queue.push(loaded);
        dep = loaded;
      }
      deps.push(dep.id);
    }
    e.deps = deps;
    // A dependency this open loaded: itself and its direct DT_NEEDED (the opened object's own list is sorted after).
    if (e.id !== top.id) e.initfini = [e.id, ...deps];
  }
}

/**
 * The scope a new entry starts with, by the entries whose search lists it
 * holds (glibc: `_dl_new_object`): its namespace's first entry (the global
 * scope; namespace 0's is the main program's) and the object whose open
 * loaded it (for that object itself, its own), once each.
 */
function loaderScope(draft: StateDraft, top: Entry): number[] {
  const head = (draft.namespaces[top.ns] as number[])[0] as number;
  return head === top.id ? [top.id] : [head, top.id];
}

/** A name the namespace does not hold: a new real entry (LOAD2), or ld.so's proxy (NS4); LOAD6 when there is no such file. */
function mapNew(ctx: SpecContext, draft: StateDraft, ns: number, name: string): Draft<Entry> {
  const info = objectInfo(ctx, name);
  if (info === undefined) missingFile(ctx, name);
  if (info.rtld && ns !== 0) return rtldProxy(ctx, draft, ns, name);
  exercise(ctx, 'LOAD2');
  if (ns > 0 && /^libc\.so/.test(name)) privateLibc(ctx);
  const entry = _dl_new_object(draft, { object: name, ns, kind: 'real', master: null });
  if (info.nodelete) entry.nodelete = true; // DF_1_NODELETE (MODE4)
  return entry;
}

/** NS4: ld.so is never loaded twice: a secondary namespace gets a proxy of namespace 0's. */
function rtldProxy(ctx: SpecContext, draft: StateDraft, ns: number, name: string): Draft<Entry> {
  exercise(ctx, 'NS4');
  const rtld = findObject(draft, 0, name);
  if (rtld === undefined) throw new Error(`internal: ${name} missing from namespace 0`);
  return _dl_new_proxy(ctx, draft, ns, rtld);
}

/** libc itself: when dlopen opens it, it takes part in its own sort (`_dl_map_object_deps`). */
const isLibc = (ctx: SpecContext, object: string): boolean => object === libcName(ctx.world.system);

/** NS5: a secondary namespace that needs libc (and does not share it, S8) gets its own copy. */
function privateLibc(ctx: SpecContext): void {
  exercise(ctx, 'NS5');
}

/**
 * LOAD5: with RTLD_NOW, `dl_open_worker_begin` relocates the new objects,
 * the opened object's `l_initfini` from its end, binding every symbol their
 * code calls: one no object of the scope defines (an undefined symbol, or a
 * callee of a traced function no object defines, SYM3) fails the whole call,
 * named by the first object relocated with one; the callees bound leave
 * their relocation dependencies (SYM4). RTLD_LAZY defers all of it to the
 * first call (PROC2).
 */
function bindNow(ctx: SpecContext, draft: StateDraft, firstId: number, mode: number, mapped: Entry | undefined): void {
  const created = createdSince(draft, firstId).filter((e) => e.kind === 'real');
  if (created.length === 0) return;
  // Relocation runs over the opened object's l_initfini (sorted by _dl_map_object_deps, LOAD3) from its end.
  const initfini = mapped === undefined ? [] : (draft.entries[mapped.id]?.initfini ?? []);
  const inList = initfini.map((id) => draft.entries[id] as Entry).filter((e) => e.id >= firstId && e.kind === 'real');
  const listed = new Set(inList.map((e) => e.id));
  // Objects the call created off that list (a master in namespace 0, S8) were relocated before it.
  const order = [...created.filter((e) => !listed.has(e.id)).reverse(), ...[...inList].reverse()];
  const now = !(mode & RTLD_LAZY);
  for (const e of order) {
    const info = objectInfo(ctx, e.object);
    if (info?.undefinedSymbol !== undefined) {
      exercise(ctx, 'LOAD5');
      if (now) throw new LoadError(msg.undefinedSymbol(e.object, info.undefinedSymbol));
    }
    if (!now) continue;
    const callees = info?.calls ?? [];
    if (callees.length > 0) exercise(ctx, 'SYM3');
    // Every callee looked up once; none bound (SYM4) unless all are found.
    const found = callees.map((c) => lookup(ctx, draft as LoaderState, draft.entries[e.id] as Entry, c));
    const unbound = callees.filter((_, i) => found[i] === undefined);
    if (unbound.length > 0) {
      // Which of them the loader meets first is the order of the object's PLT relocations, the linker's: any is expected.
      exercise(ctx, 'LOAD5');
      const [first, ...others] = unbound.map((c) => msg.undefinedSymbol(e.object, c));
      throw new LoadError(first!, others);
    }
    callees.forEach((callee, i) => bind(ctx, draft, e.id, callee, found[i]!.id));
  }
}

/**
 * SYM3: RTLD_GLOBAL in namespace 0 adds the opened object's search list to
 * the global scope, each object once (`add_to_global_update`, after the
 * constructors ran); a reopen promotes an object already loaded.
 */
function addToGlobal(ctx: SpecContext, draft: StateDraft, mapped: Entry): void {
  for (const e of searchList(draft as LoaderState, mapped)) {
    if (e.startup || e.kind !== 'real' || draft.global.includes(e.id)) continue;
    exercise(ctx, 'SYM3');
    draft.global.push(e.id);
  }
}
