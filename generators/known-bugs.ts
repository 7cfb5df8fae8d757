import { isOpen, type Call } from '../model/call.ts';
import { RTLD_GLOBAL } from '../model/mode.ts';
import { LM_ID_BASE, LM_ID_NEWLM, RTLD_ISOLATE, RTLD_SHARED } from '../model/mode.ts';
import { entriesOf, findEntry, freeNamespaces, handleEntry, realEntry, type LoaderState } from '../model/state.ts';
import { libcName, objectInfo, type SpecContext } from '../spec/context.ts';
import { underAudit } from '../spec/audit.ts';
import { dlopenRefusesMode } from '../spec/open.ts';
import { step } from '../spec/step.ts';

/**
 * Loader bugs found by dlmspec: calls on which a real loader crashes where
 * the spec gives a defined answer. Generators avoid them when asked (so a
 * differential run can go on to find other things); `--strict` runs do not.
 * Each is in CONFORMANCE.md ("Loader bugs found") with a corpus reproducer.
 */
export interface KnownBug {
  readonly id: string;
  readonly loader: string;
  readonly summary: string;
  /** `past`: the calls before this one, each with the state it was made in (a bug can depend on history). */
  readonly triggers: (ctx: SpecContext, state: LoaderState, call: Call, past: readonly PastCall[]) => boolean;
}

export interface PastCall {
  readonly call: Call;
  readonly before: LoaderState;
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'GLIBC-NS-DLOPEN-MODE',
    loader: 'glibc 2.36 (stock)',
    summary:
      'dlopen with a mode bit it refuses, called from code in a secondary namespace, crashes (SIGSEGV): the libc copy of that namespace signals "invalid mode parameter" through its own _dl_signal_error, whose catch hook is unset, so fatal_error runs instead of dlerror.',
    triggers: (ctx, state, call) => {
      if (call.op !== 'dlopen' || call.caller === undefined) return false;
      const caller = handleEntry(state, call.caller);
      return caller !== undefined && realEntry(state, caller).ns > 0 && dlopenRefusesMode(ctx, call.mode);
    },
  },
  {
    id: 'GLIBC-NS-DLOPEN-GLOBAL',
    loader: 'glibc 2.36 (stock)',
    summary:
      'dlopen with RTLD_GLOBAL, called from code in a secondary namespace, crashes (SIGSEGV in add_to_global_resize, elf/dl-open.c): that namespace has no global scope list. dlmopen refuses the same request with "invalid mode"; dlopen has no such check.',
    triggers: (_ctx, state, call) => {
      if (call.op !== 'dlopen' || call.caller === undefined || !(call.mode & RTLD_GLOBAL)) return false;
      const caller = handleEntry(state, call.caller);
      return caller !== undefined && realEntry(state, caller).ns > 0;
    },
  },
  {
    id: 'SHARED-UNIQUE-RT-ADD',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'after a direct open of a UNIQUE object into namespace N > 0 while namespace 0 does not hold it yet, the next dlopen/dlmopen into N that maps no new real object (a reopen of the proxy, an RTLD_NOLOAD miss, an error) crashes (abort, exit 127): "Assertion `_dl_debug_update (args.nsid)->r_state == RT_CONSISTENT\' failed" (elf/dl-open.c _dl_open). _dl_map_object_from_fd marks N RT_ADD before it redirects the UNIQUE object to namespace 0, and only namespace 0 is made RT_CONSISTENT again.',
    // The loader state the bug lives in (a namespace left RT_ADD) is not the
    // spec's: it is replayed from the past calls. Armed by a direct open
    // into N of a UNIQUE test object namespace 0 does not hold yet (without
    // RTLD_SHARED, which redirects earlier, or RTLD_ISOLATE); disarmed by a
    // successful open into N that made a real entry there. Broader than the
    // bug where a close would also have disarmed it.
    triggers: (ctx, state, call, past) => ctx.profile === 'rtld-shared' && isOpen(call) && stuckNamespaces(ctx, past).has(targetOf(state, call) ?? -1),
  },
  {
    id: 'SHARED-ISOLATE-RTLD-RELOC',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'dlmopen with RTLD_ISOLATE that gives namespace N a private libc copy (and so a stand-in for ld.so, NS4) crashes (SIGSEGV in _dl_relocate_object) when the stand-in sits between objects still to relocate (liba -> {libb, libc}, libb -> libd -> libe): the series changed the relocation loop of dl_open_worker_begin (elf/dl-open.c) from `l->l_real->l_relocated` to `if (l->l_proxy) l = l->l_real; if (l->l_relocated)`, and the ld.so stand-in is no l_proxy, so ld.so itself is relocated again.',
    // Broader than the bug: every isolated open that brings a new libc copy
    // into N is left out (where the stand-in lands in l_initfini is not
    // modelled).
    triggers: (ctx, state, call) => {
      if (ctx.profile !== 'rtld-shared' || call.op !== 'dlmopen' || !(call.mode & RTLD_ISOLATE)) return false;
      const ns = loadsInto(state, call);
      if (ns === undefined || ns <= 0) return false;
      const libc = libcName(ctx.world.system);
      return !entriesOf(state, ns).some((e) => e.kind === 'real' && e.object === libc) && neededClosure(ctx, call.file).has(libc);
    },
  },
  {
    id: 'SHARED-UNIQUE-DEP-UNINITIALISED',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'a UNIQUE DT_NEEDED dependency of an object loaded into namespace N > 0, not yet in namespace 0, diverges (S8): it is mapped into namespace 0 but its own DT_NEEDED are never loaded and its constructor never runs. openaux (elf/dl-deps.c) wraps the object _dl_map_object just mapped in namespace 0 in a proxy at once, and _dl_map_object_deps, the relocation loop and _dl_init then see only the proxy (which has no dependencies and no initialiser), never the new master.',
    // Broader than the bug: any open into N whose new objects need, through
    // objects N would get real copies of, a UNIQUE test object namespace 0
    // lacks.
    triggers: (ctx, state, call) => {
      if (ctx.profile !== 'rtld-shared' || !isOpen(call) || call.mode & RTLD_ISOLATE) return false;
      const ns = loadsInto(state, call);
      if (ns === undefined || ns <= 0) return false;
      const top = objectInfo(ctx, call.file);
      if (top === undefined || top.unique || call.mode & RTLD_SHARED) return false;
      return [...neededClosure(ctx, call.file, (name) => objectInfo(ctx, name)?.unique !== true)].some(
        (name) => name !== call.file && objectInfo(ctx, name)?.unique === true && objectInfo(ctx, name)?.test === true && findEntry(state, 0, name) === undefined,
      );
    },
  },
  {
    id: 'SHARED-PROXY-NODELETE-LOST',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'dlclose of a proxy opened with RTLD_NODELETE diverges (MODE4, CLOSE2): the proxy is removed when its count reaches zero. _dl_new_proxy (elf/dl-object.c) records RTLD_NODELETE as `l_flags_1 |= DF_1_NODELETE`, a flag read only while a dynamic section is parsed; since glibc 2.31 _dl_close and _dl_close_worker (elf/dl-close.c) test l_nodelete_active, which nothing sets for a proxy (a reopen of an existing proxy returns before any NODELETE handling).',
    triggers: (ctx, state, call) => {
      if (ctx.profile !== 'rtld-shared' || call.op !== 'dlclose') return false;
      const e = handleEntry(state, call.handle);
      return e !== undefined && e.kind === 'proxy' && e.nodelete;
    },
  },
  {
    id: 'SHARED-MASTER-PIN-LOST',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'a master in namespace 0 is unloaded under its proxies (S5), and the process diverges: dlclose of the master, or of an object in namespace 0 that holds it, unloads it (destructor, gone from namespace 0) while the proxy stays in N, pointing at freed memory. _dl_new_proxy (elf/dl-object.c) pins the master with `old->l_flags_1 |= DF_1_NODELETE`, which _dl_close and _dl_close_worker (elf/dl-close.c) never read (they test l_nodelete_active); and dl_open_worker_begin (elf/dl-open.c) counts the proxy\'s open on the master too (`++new->l_direct_opencount` before _dl_new_proxy), a count no close of the proxy gives back, so the master goes one close after its own opens are closed. A start-up master (libc.so.6) is not even flagged (`if (old->l_type == lt_loaded)`): closing it once more than it was opened, proxy creations counted, fails with `shared object not open`, where S5 has dlclose of a master succeed.',
    // Broader than the bug: every dlclose in namespace 0 while it holds an
    // entry made nodelete at run time (the pin of S5, or RTLD_NODELETE: the
    // state does not say which), not DF_1_NODELETE.
    triggers: (ctx, state, call) => {
      if (ctx.profile !== 'rtld-shared' || call.op !== 'dlclose') return false;
      const e = handleEntry(state, call.handle);
      if (e === undefined || e.ns !== 0) return false;
      return entriesOf(state, 0).some((m) => m.nodelete && objectInfo(ctx, m.object)?.nodelete !== true);
    },
  },
  {
    id: 'SHARED-PROXY-DLSYM-DEP-MASTER',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'dlsym through a proxy whose master has no search list of its own crashes (SIGSEGV in do_lookup_x): a master namespace 0 loaded at start-up (libc.so.6) or only as a dependency, proxied into N as a DT_NEEDED of a real object there, or reopened there through that proxy (S3). _dl_sym (elf/dl-sym.c) looks the name up in the master\'s l_local_scope, that is its l_searchlist, which _dl_map_object_deps builds only for the object a dlopen maps; openaux (elf/dl-deps.c) proxies the master without one, and do_lookup_x reads the NULL list. A direct RTLD_SHARED open of the object builds one, and dlsym on that proxy works (S7); so does a list the close worker gave the master (CLOSE5).',
    // Also a call made from code reached through such a proxy: the native
    // driver finds the caller's entry point with dlsym on the caller's handle.
    triggers: (ctx, state, call) => {
      if (ctx.profile !== 'rtld-shared') return false;
      const through = call.op === 'dlsym' ? call.handle : 'caller' in call ? call.caller : undefined;
      const e = through === undefined ? undefined : handleEntry(state, through);
      return e !== undefined && e.kind === 'proxy' && e.master !== null && state.entries[e.master]?.searchList === 'none';
    },
  },
  {
    id: 'SHARED-PROXY-SONAME-MISS',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'a DT_NEEDED name that namespace N holds as a proxy (opened by path) diverges (LOAD2, S3): N gets a second, real copy beside the proxy, with its constructor. _dl_find_dso (elf/dl-load.c) matches a proxy by l_name and l_libname only; its soname fallback reads l_info[DT_SONAME], which _dl_new_proxy (elf/dl-object.c) leaves empty, so a dependency named by soname misses the proxy.',
    // Broader than the bug: any open into N that would load an object needing
    // a test object N holds as a proxy.
    triggers: (ctx, state, call) => {
      if (ctx.profile !== 'rtld-shared' || !isOpen(call)) return false;
      const ns = loadsInto(state, call);
      if (ns === undefined || ns <= 0) return false;
      return [...neededClosure(ctx, call.file)].some((name) => name !== call.file && objectInfo(ctx, name)?.test === true && findEntry(state, ns, name)?.kind === 'proxy');
    },
  },
  {
    id: 'SHARED-AUDIT-PROXY-COOKIE',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'under LD_AUDIT, the audit report diverges (AUD3, AUD4) wherever a proxy goes: an auditor cannot tell which object or namespace a proxy stands for: la_objclose for a removed proxy, and la_activity for a namespace whose head is a proxy, pass a cookie of 0 (AUD3, AUD4), where rtld-audit(7) says the cookie starts out as the object\'s link map. _dl_new_proxy (elf/dl-object.c) reserves the proxy\'s audit state (calloc of sizeof (struct link_map) + audit_space) but, unlike _dl_new_object, never sets `l_audit[cnt].cookie = (uintptr_t) new`; it makes no la_objopen either (AUD2 has none for a proxy), while _dl_close_worker (elf/dl-close.c) reports every map it removes, proxies included.',
    // Broader than the bug where a namespace's head before or after the call
    // is a proxy but the call reports no la_activity for it.
    triggers: (ctx, state, call, past) => ctx.profile === 'rtld-shared' && underAudit(state) && touchesProxyAudit(ctx, state, call, past.length),
  },
  {
    id: 'SHARED-AUDIT-UNIQUE-ADD',
    loader: 'glibc 2.34.9000 with the RTLD_SHARED series (v12)',
    summary:
      'under LD_AUDIT, the audit report diverges (AUD4) when a direct open into namespace N > 0 of a UNIQUE object namespace 0 lacks (without RTLD_SHARED) reports la_objopen(obj, 0) with no LA_ACT_ADD for namespace 0 before it (AUD4). _dl_map_object_from_fd (elf/dl-load.c) makes the "going to add new objects" checkpoint for N (skipped there, N being empty) before has_gnu_unique redirects the object to namespace 0: the same misplaced checkpoint as SHARED-UNIQUE-RT-ADD.',
    triggers: (ctx, state, call) => {
      if (ctx.profile !== 'rtld-shared' || !underAudit(state) || !isOpen(call) || call.mode & (RTLD_SHARED | RTLD_ISOLATE)) return false;
      const ns = loadsInto(state, call);
      return ns !== undefined && ns > 0 && objectInfo(ctx, call.file)?.unique === true && findEntry(state, 0, call.file) === undefined;
    },
  },
];

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

/** The namespace an open loads into: targetOf, and for LM_ID_NEWLM the one it would take. */
function loadsInto(state: LoaderState, call: Call): number | undefined {
  return call.op === 'dlmopen' && call.lmid === LM_ID_NEWLM ? freeNamespaces(state)[0] : targetOf(state, call);
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

export function knownBug(ctx: SpecContext, state: LoaderState, call: Call, past: readonly PastCall[] = []): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.triggers(ctx, state, call, past));
}
