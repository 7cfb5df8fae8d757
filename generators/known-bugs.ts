import { isOpen, type Call } from '../model/call.ts';
import { RTLD_GLOBAL } from '../model/mode.ts';
import { LM_ID_BASE, LM_ID_NEWLM, RTLD_ISOLATE, RTLD_SHARED } from '../model/mode.ts';
import { entriesOf, findEntry, freeNamespaces, handleEntry, realEntry, type LoaderState } from '../model/state.ts';
import { libcName, objectInfo, type SpecContext } from '../spec/context.ts';
import { underAudit } from '../spec/audit.ts';
import { dlopenRefusesMode } from '../spec/open.ts';
import { reachable } from '../spec/event-order.ts';
import { affects, LOADER_BUGS, type LoaderBug } from '../spec/loader-bugs.ts';
import { step } from '../spec/step.ts';

/**
 * A loader bug (spec/loader-bugs.ts) with the trigger that tells, before a
 * call is made, whether it would hit the bug: random runs leave such calls
 * out on the loaders that have the bug (their profile and release), unless
 * `--strict`, so the search goes on to find other things. Each is in
 * CONFORMANCE.md ("Loader bugs found") with a corpus reproducer.
 */
export interface KnownBug extends LoaderBug {
  /** `past`: the calls before this one, each with the state it was made in (a bug can depend on history). */
  readonly triggers: Trigger;
}

type Trigger = (ctx: SpecContext, state: LoaderState, call: Call, past: readonly PastCall[]) => boolean;

export interface PastCall {
  readonly call: Call;
  readonly before: LoaderState;
}

/** The triggers, by bug ID; which loaders have each bug is spec/loader-bugs.ts's to say. */
const TRIGGERS: Readonly<Record<string, { readonly triggers: Trigger }>> = {
  'GLIBC-NS-DLOPEN-MODE': {
    triggers: (ctx, state, call) => {
      if (call.op !== 'dlopen' || call.caller === undefined) return false;
      const caller = handleEntry(state, call.caller);
      return caller !== undefined && realEntry(state, caller).ns > 0 && dlopenRefusesMode(ctx, call.mode);
    },
  },
  'GLIBC-NS-DLOPEN-GLOBAL': {
    triggers: (_ctx, state, call) => {
      if (call.op !== 'dlopen' || call.caller === undefined || !(call.mode & RTLD_GLOBAL)) return false;
      const caller = handleEntry(state, call.caller);
      return caller !== undefined && realEntry(state, caller).ns > 0;
    },
  },
  'GLIBC-CLOSE-FORCE-FIRST': {
    // The close worker runs on a dlclose that ends an entry's count, and on a
    // failed open's rollback in its namespace. Broader than the bug: every
    // dlclose and every failing open in a namespace that holds an object
    // opened by dlopen (its l_initfini sorted then) on a DT_NEEDED cycle,
    // whether or not its l_initfini[0] is another object nothing else marks used.
    triggers: (ctx, state, call, past) => {
      const ns = call.op === 'dlclose' ? handleEntry(state, call.handle)?.ns : isOpen(call) ? targetOf(state, call) : undefined;
      if (ns === undefined || !holdsSortedCycle(state, ns)) return false;
      if (call.op === 'dlclose') return true;
      const r = step(ctx, state, call, past.length).expected.result;
      return r.kind === 'null' && r.error !== null;
    },
  },
  'GLIBC-AUDIT-EMPTY-NS': {
    // Broader than the bug: also an open that fails before it maps anything there.
    triggers: (_ctx, state, call) => underAudit(state) && call.op === 'dlmopen' && call.lmid === LM_ID_NEWLM && freeNamespaces(state).length > 0,
  },
  'GLIBC-CLOSE-LIBC-MAP-STALE': {
    // Read from the calls before (libc_map is not the spec's state). Broader
    // than the bug: every open into such a namespace, also one that finds
    // its object loaded and returns before relocating anything.
    triggers: (ctx, state, call, past) => {
      if (!isOpen(call)) return false;
      const ns = targetOf(state, call);
      return ns !== undefined && ns > 0 && staleLibcMaps(ctx, past, state).has(ns);
    },
  },
  'SHARED-UNIQUE-RT-ADD': {
    // The loader state the bug lives in (a namespace left RT_ADD) is not the
    // spec's: it is replayed from the past calls. Armed by a direct open
    // into N of a UNIQUE test object namespace 0 does not hold yet (without
    // RTLD_SHARED, which redirects earlier, or RTLD_ISOLATE); disarmed by a
    // successful open into N that made a real entry there. Broader than the
    // bug where a close would also have disarmed it.
    triggers: (ctx, state, call, past) => isOpen(call) && stuckNamespaces(ctx, past).has(targetOf(state, call) ?? -1),
  },
  'SHARED-ISOLATE-RTLD-RELOC': {
    // Broader than the bug: every isolated open that brings a new libc copy
    // into N is left out (where the stand-in lands in l_initfini is not
    // modelled).
    triggers: (ctx, state, call) => {
      if (call.op !== 'dlmopen' || !(call.mode & RTLD_ISOLATE)) return false;
      const ns = loadsInto(state, call);
      if (ns === undefined || ns <= 0) return false;
      const libc = libcName(ctx.world.system);
      return !entriesOf(state, ns).some((e) => e.kind === 'real' && e.object === libc) && neededClosure(ctx, call.file).has(libc);
    },
  },
  'SHARED-UNIQUE-DEP-UNINITIALISED': {
    // Broader than the bug: any open into N whose new objects need, through
    // objects N would get real copies of, a UNIQUE test object namespace 0
    // lacks.
    triggers: (ctx, state, call) => {
      if (!isOpen(call) || call.mode & RTLD_ISOLATE) return false;
      const ns = loadsInto(state, call);
      if (ns === undefined || ns <= 0) return false;
      const top = objectInfo(ctx, call.file);
      if (top === undefined || top.unique || call.mode & RTLD_SHARED) return false;
      return [...neededClosure(ctx, call.file, (name) => objectInfo(ctx, name)?.unique !== true)].some(
        (name) => name !== call.file && objectInfo(ctx, name)?.unique === true && objectInfo(ctx, name)?.test === true && findEntry(state, 0, name) === undefined,
      );
    },
  },
  'SHARED-PROXY-NODELETE-LOST': {
    triggers: (ctx, state, call) => {
      if (call.op !== 'dlclose') return false;
      const e = handleEntry(state, call.handle);
      return e !== undefined && e.kind === 'proxy' && e.nodelete;
    },
  },
  'SHARED-MASTER-PIN-LOST': {
    // Broader than the bug: every dlclose in namespace 0 while it holds an
    // entry made nodelete at run time (the pin of S5, or RTLD_NODELETE: the
    // state does not say which), not DF_1_NODELETE.
    triggers: (ctx, state, call) => {
      if (call.op !== 'dlclose') return false;
      const e = handleEntry(state, call.handle);
      if (e === undefined || e.ns !== 0) return false;
      return entriesOf(state, 0).some((m) => m.nodelete && objectInfo(ctx, m.object)?.nodelete !== true);
    },
  },
  'SHARED-PROXY-DLSYM-DEP-MASTER': {
    // Also a call made from code reached through such a proxy: the native
    // driver finds the caller's entry point with dlsym on the caller's handle.
    triggers: (ctx, state, call) => {
      const through = call.op === 'dlsym' ? call.handle : 'caller' in call ? call.caller : undefined;
      const e = through === undefined ? undefined : handleEntry(state, through);
      return e !== undefined && e.kind === 'proxy' && e.master !== null && state.entries[e.master]?.searchList === 'none';
    },
  },
  'SHARED-PROXY-SONAME-MISS': {
    // Broader than the bug: any open into N that would load an object needing
    // a test object N holds as a proxy.
    triggers: (ctx, state, call) => {
      if (!isOpen(call)) return false;
      const ns = loadsInto(state, call);
      if (ns === undefined || ns <= 0) return false;
      return [...neededClosure(ctx, call.file)].some((name) => name !== call.file && objectInfo(ctx, name)?.test === true && findEntry(state, ns, name)?.kind === 'proxy');
    },
  },
  'SHARED-AUDIT-PROXY-COOKIE': {
    // Broader than the bug where a namespace's head before or after the call
    // is a proxy but the call reports no la_activity for it.
    triggers: (ctx, state, call, past) => underAudit(state) && touchesProxyAudit(ctx, state, call, past.length),
  },
  'SHARED-AUDIT-UNIQUE-ADD': {
    triggers: (ctx, state, call) => {
      if (!underAudit(state) || !isOpen(call) || call.mode & (RTLD_SHARED | RTLD_ISOLATE)) return false;
      const ns = loadsInto(state, call);
      return ns !== undefined && ns > 0 && objectInfo(ctx, call.file)?.unique === true && findEntry(state, 0, call.file) === undefined;
    },
  },
};

/** The bugs that are left out by trigger, each with its trigger. */
export const KNOWN_BUGS: readonly KnownBug[] = LOADER_BUGS.filter((b) => b.handling === 'trigger').map((b) => {
  const t = TRIGGERS[b.id];
  if (t === undefined) throw new Error(`internal: loader bug ${b.id} has no trigger`);
  return { ...b, triggers: t.triggers };
});

/** SHARED-AUDIT-PROXY-COOKIE: the call removes a proxy, or adds real entries to or removes entries from a namespace a proxy heads. */
function touchesProxyAudit(ctx: SpecContext, state: LoaderState, call: Call, index: number): boolean {
  const { after } = step(ctx, state, call, index);
  const gone = Object.values(state.entries).filter((e) => after.entries[e.id] === undefined);
  const made = Object.values(after.entries).filter((e) => state.entries[e.id] === undefined && e.kind === 'real');
  const headIsProxy = (ns: number) => entriesOf(state, ns)[0]?.kind === 'proxy' || entriesOf(after, ns)[0]?.kind === 'proxy';
  return gone.some((e) => e.kind === 'proxy') || [...gone, ...made].some((e) => headIsProxy(e.ns));
}

/**
 * The object and what it needs, transitively, by DT_NEEDED name; `through`
 * says whose dependencies are followed (default: everyone's).
 */
function neededClosure(ctx: SpecContext, file: string, through: (name: string) => boolean = () => true): Set<string> {
  const seen = new Set<string>([file]);
  const queue = [file];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (name !== file && !through(name)) continue;
    for (const dep of objectInfo(ctx, name)?.needed ?? []) if (!seen.has(dep)) seen.add(dep), queue.push(dep);
  }
  return seen;
}

/** GLIBC-CLOSE-FORCE-FIRST: namespace `ns` holds an entry a dlopen gave its own (sorted) l_initfini that is on a DT_NEEDED cycle. */
function holdsSortedCycle(state: LoaderState, ns: number): boolean {
  return entriesOf(state, ns).some((m) => m.kind === 'real' && !m.startup && m.searchList === 'breadth-first' && m.deps.some((d) => reachable(state, d).has(m.id)));
}

/** The namespace an open loads into: targetOf, and for LM_ID_NEWLM the one it would take. */
function loadsInto(state: LoaderState, call: Call): number | undefined {
  return call.op === 'dlmopen' && call.lmid === LM_ID_NEWLM ? freeNamespaces(state)[0] : targetOf(state, call);
}

/**
 * GLIBC-CLOSE-LIBC-MAP-STALE: namespaces whose libc copy a call unloaded
 * while the namespace kept other objects. Only LM_ID_NEWLM, which takes an
 * empty namespace, clears libc_map again.
 */
function staleLibcMaps(ctx: SpecContext, past: readonly PastCall[], now: LoaderState): Set<number> {
  const libc = libcName(ctx.world.system);
  const hasLibc = (st: LoaderState, ns: number) => entriesOf(st, ns).some((e) => e.kind === 'real' && e.object === libc);
  const stale = new Set<number>();
  const states = [...past.map((p) => p.before), now];
  for (let i = 0; i + 1 < states.length; i++) {
    const [before, after] = [states[i]!, states[i + 1]!];
    for (let ns = 1; ns < after.namespaces.length; ns++) {
      if (entriesOf(after, ns).length === 0) stale.delete(ns);
      else if (hasLibc(before, ns) && !hasLibc(after, ns)) stale.add(ns);
    }
  }
  return stale;
}

/** Namespaces left in RT_ADD by the past calls (SHARED-UNIQUE-RT-ADD). */
function stuckNamespaces(ctx: SpecContext, past: readonly PastCall[]): Set<number> {
  const stuck = new Set<number>();
  past.forEach(({ call, before }, i) => {
    if (!isOpen(call)) return;
    const ns = loadsInto(before, call);
    if (ns === undefined || ns <= 0) return;
    const after = past[i + 1]?.before;
    const madeReal = after !== undefined && entriesOf(after, ns).some((e) => e.kind === 'real' && before.entries[e.id] === undefined);
    if (madeReal) stuck.delete(ns);
    const info = objectInfo(ctx, call.file);
    const mode = call.mode;
    if (info?.unique === true && info.test && !(mode & (RTLD_SHARED | RTLD_ISOLATE)) && findEntry(before, 0, call.file) === undefined) stuck.add(ns);
  });
  return stuck;
}

/** The existing namespace an open loads into (undefined for LM_ID_NEWLM and for other calls). */
function targetOf(state: LoaderState, call: Call): number | undefined {
  if (call.op === 'dlmopen') return call.lmid >= LM_ID_BASE ? call.lmid : undefined;
  if (call.op !== 'dlopen') return undefined;
  if (call.caller === undefined) return LM_ID_BASE;
  const caller = handleEntry(state, call.caller);
  return caller === undefined ? undefined : caller.ns;
}

/** The first known bug of the loader judged (its profile and release) that `call` would hit. */
export function knownBug(ctx: SpecContext, state: LoaderState, call: Call, past: readonly PastCall[] = []): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => affects(b, ctx.profile, ctx.release ?? null) && b.triggers(ctx, state, call, past));
}
