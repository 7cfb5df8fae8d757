/**
 * The RTLD_SHARED series (rules S1..S13 of CONFORMANCE.md): when a load into
 * a secondary namespace N shares the object of namespace 0 through a proxy,
 * how a proxy is made, and what it refuses. Under the glibc profile none of
 * it applies: stock glibc ignores RTLD_SHARED, RTLD_ISOLATE and UNIQUE.
 * Sources: the series' elf/dl-open.c `dl_open_worker_begin`, elf/dl-load.c
 * `_dl_map_object`, elf/dl-deps.c `openaux`, elf/dl-object.c `_dl_new_proxy`.
 */
import type { Draft } from 'immer';
import { RTLD_ISOLATE, RTLD_SHARED } from '../model/mode.ts';
import type { Entry } from '../model/state.ts';
import { exercise, objectInfo, type SpecContext } from './context.ts';
import * as msg from './messages.ts';
import { _dl_new_object, entryOf, LoadError, type StateDraft } from './object.ts';

const series = (ctx: SpecContext): boolean => ctx.profile === 'rtld-shared';

/** S9: RTLD_ISOLATE turns all sharing off for the call (`dl_isolate` clears RTLD_SHARED). */
function isolated(ctx: SpecContext, mode: number): boolean {
  if (!(mode & RTLD_ISOLATE)) return false;
  exercise(ctx, 'S9');
  return true;
}

/** S8: a UNIQUE object (DF_GNU_1_UNIQUE) loads into N as if RTLD_SHARED were given. */
const unique = (ctx: SpecContext, object: string): boolean => objectInfo(ctx, object)?.unique ?? false;

/**
 * S1, S2: whether the object a call names, loaded into `ns` with `mode`,
 * is shared from namespace 0. RTLD_SHARED into namespace 0 is a plain open
 * (S1: dl_open_worker_begin drops the flag); into N it shares (S2) unless
 * the call isolates (S9); without it, a UNIQUE object shares (S8).
 */
export function callShares(ctx: SpecContext, ns: number, mode: number, file: string): boolean {
  if (!series(ctx)) return false;
  if (ns === 0) {
    if (mode & RTLD_SHARED) exercise(ctx, 'S1');
    return false;
  }
  if (isolated(ctx, mode)) return false;
  return (mode & RTLD_SHARED) !== 0 || unique(ctx, file);
}

/**
 * S8: whether a DT_NEEDED dependency of an object loaded into `ns` is shared
 * from namespace 0 (elf/dl-deps.c `openaux`). Only UNIQUE does it: the
 * call's RTLD_SHARED applies to the object it names, whose dependencies
 * then load in namespace 0 anyway (S2).
 */
export function dependencyShares(ctx: SpecContext, ns: number, mode: number, name: string): boolean {
  if (!series(ctx) || ns === 0 || isolated(ctx, mode)) return false;
  return unique(ctx, name);
}

/**
 * S4, S10: a call that shares an object N already holds as a real entry
 * fails with EEXIST: the real entry is never demoted to a proxy (S4 with
 * RTLD_SHARED; S10 for a UNIQUE object N holds from an RTLD_ISOLATE open).
 */
export function refuseDemotion(ctx: SpecContext, file: string, mode: number): never {
  exercise(ctx, mode & RTLD_SHARED ? 'S4' : 'S10');
  throw new LoadError(msg.cannotDemote(file));
}

/**
 * S10 for a DT_NEEDED lookup too: the series' `_dl_map_object` refuses a
 * UNIQUE name that N holds as a real (RTLD_ISOLATE) copy whoever looks it
 * up: a dependent's first load, or the lookups made again when an entry
 * loaded only as a dependency is opened itself (CONFORMANCE.md, open
 * questions). `found` is what N holds under that name.
 */
export function refuseIsolatedDependency(ctx: SpecContext, ns: number, mode: number, name: string, found: Entry | undefined): void {
  if (found !== undefined && found.kind === 'real' && dependencyShares(ctx, ns, mode, name)) refuseDemotion(ctx, name, mode & ~RTLD_SHARED);
}

/**
 * S13, S5: _dl_new_proxy: a new proxy in `ns` of the real namespace-0 entry
 * `master` (never of a proxy, never in namespace 0), which pins the master
 * as nodelete for good (S5). ld.so's proxy (NS4) is made the same way under
 * both profiles; it is a start-up entry, and S5/S13 are not its rules.
 */
export function _dl_new_proxy(ctx: SpecContext, draft: StateDraft, ns: number, master: Entry): Draft<Entry> {
  if (master.kind !== 'real' || master.ns !== 0) throw new Error('internal: S13 proxy of a non-master');
  if (series(ctx) && objectInfo(ctx, master.object)?.rtld !== true) exercise(ctx, 'S5', 'S13');
  entryOf(draft, master.id).nodelete = true;
  const proxy = _dl_new_object(draft, { object: master.object, ns, kind: 'proxy', master: master.id });
  // `_dl_new_proxy` runs `_dl_map_object_deps` on it ("so that relocations work"): its search list and l_initfini are itself.
  Object.assign(proxy, { searchList: 'breadth-first', initfini: [proxy.id] });
  return proxy;
}

/** S2, S8: the proxy a sharing call gets for the object it names; S2 when it asked with RTLD_SHARED, else S8 (UNIQUE). */
export function proxyOfNamed(ctx: SpecContext, draft: StateDraft, ns: number, master: Entry, mode: number): Draft<Entry> {
  exercise(ctx, mode & RTLD_SHARED ? 'S2' : 'S8');
  return _dl_new_proxy(ctx, draft, ns, master);
}

/** S8: the proxy a real entry of N gets for a UNIQUE dependency, whose master loads in namespace 0. */
export function proxyOfDependency(ctx: SpecContext, draft: StateDraft, ns: number, master: Entry): Draft<Entry> {
  exercise(ctx, 'S8');
  return _dl_new_proxy(ctx, draft, ns, master);
}

/**
 * S11 (open question, position: the reference behaviour): RTLD_NOLOAD with
 * sharing into N proxies a master already loaded in namespace 0, and is a
 * quiet NULL (MODE3) when there is none.
 */
export function noloadProxy(ctx: SpecContext, draft: StateDraft, ns: number, master: Entry | undefined, mode: number): Draft<Entry> | null {
  exercise(ctx, 'S11');
  return master === undefined ? null : proxyOfNamed(ctx, draft, ns, master, mode);
}

/** S3: a proxy N already holds is returned again (count + 1), with or without RTLD_SHARED. */
export function proxyReopened(ctx: SpecContext): void {
  exercise(ctx, 'S3');
}

/** S12: RTLD_GLOBAL into N stays `invalid mode` with RTLD_SHARED (the series adds no exception to MODE2). */
export function globalRefused(ctx: SpecContext): void {
  if (series(ctx)) exercise(ctx, 'S12');
}

/**
 * S6: closing a proxy runs no destructor and unloads nothing in namespace 0:
 * the close worker sweeps it like any entry of N (its deps are empty, its
 * master link is not a DT_NEEDED edge) and only real entries have events.
 */
export function proxyClosed(ctx: SpecContext, entry: Entry): void {
  if (series(ctx) && entry.kind === 'proxy') exercise(ctx, 'S6');
}

/** S5: a master is nodelete, so dlclose leaves it (and its proxies' target) loaded. */
export function masterKept(ctx: SpecContext, entry: Entry, isMaster: boolean): void {
  if (series(ctx) && entry.kind === 'real' && entry.ns === 0 && isMaster) exercise(ctx, 'S5');
}

/** S7: symbols looked up through a proxy are its master's. */
export function throughProxy(ctx: SpecContext, entry: Entry): void {
  if (series(ctx) && entry.kind === 'proxy') exercise(ctx, 'S7');
}
