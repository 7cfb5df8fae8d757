/**
 * LD_AUDIT (`man 7 rtld-audit`; SEMANTICS.md section 5): what a loader run
 * under an audit module reports to it per call, and the namespace the module
 * takes. glibc: elf/dl-load.c `_dl_map_object_from_fd` (LA_ACT_ADD,
 * la_objopen), elf/dl-open.c `dl_open_worker` (LA_ACT_CONSISTENT),
 * elf/dl-close.c `_dl_close_worker` (la_objclose, LA_ACT_DELETE,
 * LA_ACT_CONSISTENT); the series: elf/dl-object.c `_dl_new_proxy`.
 *
 * The spec never assumes an auditor: a run is audited when the loader's own
 * start-up state shows an auditor's namespace (AUD1).
 */
import { isOpen, type Call } from '../model/call.ts';
import type { SystemObject } from '../model/dso.ts';
import type { AuditEvent, ExpectedAudit, NamespaceView } from '../model/observation.ts';
import { entriesOf, type Entry, type LoaderState } from '../model/state.ts';
import { exercise, libcName, objectInfo, rtldName, type SpecContext } from './context.ts';
import { auditorNamespace } from './auditor.ts';
import { exitAudit } from './exit.ts';
import type { Outcome } from './outcome.ts';
import { behaviour, ranged, since, until } from './releases.ts';

export { auditorNamespace, underAudit } from './auditor.ts';

/**
 * AUD1: dlmopen into an auditor's namespace is `invalid target namespace`
 * (elf/dl-open.c `_dl_open`: "don't allow loading into a namespace used for
 * an auditing module"; seen on glibc 2.36).
 */
export function refusedAuditorTarget(ctx: SpecContext, state: LoaderState, ns: number): boolean {
  if (!auditorNamespace(state, ns)) return false;
  exercise(ctx, 'AUD1');
  return true;
}

const objopen = (e: Entry): AuditEvent => ({ event: 'objopen', object: e.object, ns: e.ns });
const objclose = (e: Entry): AuditEvent => ({ event: 'objclose', object: e.object, ns: e.ns });

/** AUD2, by release: whether the ld.so stand-in a new namespace gets (NS4) is reported with la_objopen. */
export const STANDIN_OBJOPEN = ranged('AUD2', 'la_objopen for the ld.so stand-in of a new namespace', [
  until('2.41', false, 'not reported: _dl_map_object_from_fd (elf/dl-load.c) returns the stand-in before the auditing checkpoints', 'seen on 2.35 to 2.39 (2.34 makes no namespace under LD_AUDIT: GLIBC-AUDIT-EMPTY-NS)', { bug: 'GLIBC-AUDIT-RTLD-STANDIN-SILENT' }),
  since('2.41', true, 'la_objopen(ld.so, N) in list order, like any new object', 'commit 8f36b1469677, bug 31985; seen on 2.41, 2.42, master'),
]);

/** AUD5, by release: where a dlclose's LA_ACT_DELETE falls among its la_objclose calls. */
export const DELETE_ORDER = ranged('AUD5', 'LA_ACT_DELETE of a dlclose: before or after its la_objclose calls', [
  until('2.41', 'after' as const, 'after the last la_objclose: _dl_close_worker (elf/dl-close.c) signalled it after its unload loop', 'seen on 2.34 to 2.39 and the RTLD_SHARED build', { bug: 'GLIBC-AUDIT-DELETE-AFTER-CLOSE' }),
  since('2.41', 'before' as const, 'before the first la_objclose, as _dl_fini does at exit', 'commit 495b96e064da, bug 32066; seen on 2.41, 2.42, master'),
]);

/**
 * The audit events a call must report, from the state before it and its
 * outcome (the hook of spec/step.ts; a mutant may replace it, see Ops).
 *
 * AUD2: la_objopen(map, lmid) for each real entry the call added, lmid its
 * namespace, in the order they were added; none for a proxy of the series
 * (`_dl_new_proxy` has no checkpoint) and none for an auditor's own
 * namespace; the ld.so stand-in of a new namespace (NS4) by release
 * (STANDIN_OBJOPEN).
 * AUD3: la_objclose for each entry the call unloaded, proxies included
 * (`_dl_close_worker` reports every map it removes), each cookie naming its
 * object: the loader's default cookie is the object's link map.
 * At exit: exitAudit (spec/exit.ts, AUD7); the start-up's events are not
 * judged (PROC1).
 * AUD6 (position): a failed open is not judged (what it mapped and took
 * back is not modelled, LOAD4). Any other call is: a failed dlsym or
 * dlclose, an RTLD_NOLOAD miss, must report no event.
 */
export function auditEvents(ctx: SpecContext, call: Call, before: LoaderState, outcome: Outcome): ExpectedAudit | null {
  // PROC1: the start-up's own audit events (the program, ld.so, ...) are not judged; AUD7: exit's.
  if (call.op === 'start') return null;
  if (call.op === 'exit') return exitAudit(ctx, before);
  const after = outcome.state;
  if (isOpen(call) && outcome.result.kind === 'null' && outcome.result.error !== null) {
    exercise(ctx, 'AUD6');
    return null;
  }
  // In id order, the order of creation: integer keys iterate ascending (ECMAScript OrdinaryOwnPropertyKeys).
  const added = Object.values(after.entries).filter((e) => before.entries[e.id] === undefined && !auditorNamespace(before, e.ns));
  const removed = Object.values(before.entries).filter((e) => after.entries[e.id] === undefined);
  const standIn = (e: Entry) => e.kind === 'proxy' && objectInfo(ctx, e.object)?.rtld === true;
  const standInsReported = added.some(standIn) && behaviour(ctx, STANDIN_OBJOPEN);
  const reported = added.filter((e) => e.kind === 'real' || (standInsReported && standIn(e)));
  if (reported.length > 0) exercise(ctx, 'AUD2');
  if (removed.length > 0) exercise(ctx, 'AUD3');
  const addedNs = [...new Set(reported.map((e) => e.ns))];
  const removedNs = [...new Set(removed.map((e) => e.ns))];
  if (addedNs.length > 0) exercise(ctx, 'AUD4');
  if (removedNs.length > 0) exercise(ctx, 'AUD5');
  const deleteFirst = removedNs.length > 0 && behaviour(ctx, DELETE_ORDER) === 'before';
  return {
    opens: reported.map(objopen),
    closes: removed.map(objclose),
    added: addedNs.map((ns) => ({ ns, fresh: entriesOf(before, ns).length === 0 })),
    removed: removedNs.map((ns) => ({ ns, emptied: entriesOf(after, ns).length === 0, ...(deleteFirst ? { deleteFirst } : {}) })),
  };
}

const show = (e: AuditEvent): string =>
  e.event === 'activity' ? `la_activity(${e.activity})@ns${e.ns ?? '?'}` : `la_${e.event}(${e.object ?? '<unknown cookie>'})@ns${e.ns ?? '?'}`;
const showAll = (list: readonly AuditEvent[]): string => `[${list.map(show).join(', ')}]`;

/**
 * How an audit report departs from the expectation, or null.
 * AUD4: every la_activity cookie names a namespace; for each namespace the
 * call added real entries to, LA_ACT_ADD before its first la_objopen (glibc
 * 2.35 on also for a namespace the call creates; the series' base, 2.34,
 * skips it there: optional for a fresh namespace) and LA_ACT_CONSISTENT after
 * its last. AUD5: for each namespace the call removed entries from,
 * LA_ACT_DELETE before its first la_objclose or after its last (by release,
 * DELETE_ORDER), then, after both, LA_ACT_CONSISTENT unless the namespace is
 * now empty (its head, the cookie that names it, is gone).
 * Other la_activity calls are allowed (glibc reports LA_ACT_CONSISTENT when
 * it reopens an object first loaded as a dependency).
 */
export function compareAudit(want: ExpectedAudit, got: readonly AuditEvent[]): string | null {
  const opens = got.filter((e) => e.event === 'objopen');
  if (JSON.stringify(opens) !== JSON.stringify(want.opens)) return `[AUD2] la_objopen: expected ${showAll(want.opens)}, observed ${showAll(opens)}`;
  const closes = got.filter((e) => e.event === 'objclose');
  const key = (list: readonly AuditEvent[]) => list.map(show).sort();
  if (want.closesInOrder === true) {
    if (JSON.stringify(closes.map(show)) !== JSON.stringify(want.closes.map(show))) return `[AUD7] la_objclose at exit: expected ${showAll(want.closes)}, observed ${showAll(closes)}`;
  } else if (JSON.stringify(key(closes)) !== JSON.stringify(key(want.closes))) return `[AUD3] la_objclose: expected {${key(want.closes).join(', ')}}, observed {${key(closes).join(', ')}}`;
  const unnamed = got.find((e) => e.event === 'activity' && (e.ns === null || e.activity === 'unknown'));
  if (unnamed) return `[AUD4] ${show(unnamed)}: its cookie names no namespace (or the flag is unknown); observed ${showAll(got)}`;
  const at = (pred: (e: AuditEvent) => boolean) => got.flatMap((e, i) => (pred(e) ? [i] : []));
  const activity = (kind: string, ns: number) => (e: AuditEvent) => e.event === 'activity' && e.activity === kind && e.ns === ns;
  for (const { ns, fresh } of want.added) {
    const mine = at((e) => e.event === 'objopen' && e.ns === ns);
    const first = mine[0] as number;
    const last = mine[mine.length - 1] as number;
    if (!fresh && !at(activity('add', ns)).some((i) => i < first)) return `[AUD4] no la_activity(add)@ns${ns} before the first la_objopen there; observed ${showAll(got)}`;
    if (!at(activity('consistent', ns)).some((i) => i > last)) return `[AUD4] no la_activity(consistent)@ns${ns} after the last la_objopen there; observed ${showAll(got)}`;
  }
  // At exit the brackets are AUD7's (spec/exit.ts), else a dlclose's (AUD5).
  const rule = want.closesInOrder === true ? 'AUD7' : 'AUD5';
  for (const { ns, emptied, deleteFirst } of want.removed) {
    const mine = at((e) => e.event === 'objclose' && e.ns === ns);
    const first = mine[0] as number;
    const last = mine[mine.length - 1] as number;
    const del = deleteFirst ? at(activity('delete', ns)).find((i) => i < first) : at(activity('delete', ns)).find((i) => i > last);
    if (del === undefined) return `[${rule}] no la_activity(delete)@ns${ns} ${deleteFirst ? 'before the first' : 'after the last'} la_objclose there; observed ${showAll(got)}`;
    const consistent = at(activity('consistent', ns)).some((i) => i > Math.max(del, last));
    if (!emptied && !consistent) return `[${rule}] no la_activity(consistent)@ns${ns} after its la_activity(delete); observed ${showAll(got)}`;
    if (emptied && consistent) return `[${rule}] la_activity(consistent)@ns${ns} after it was emptied (no head names it); observed ${showAll(got)}`;
  }
  return null;
}

/** The file name of dlmspec's audit module (native/build-programs.ts). */
export const AUDIT_MODULE = 'dlmspec-audit.so';

/**
 * Spec-only convenience (not read from any loader): a start-up state with
 * dlmspec's audit module in namespace 1, as both loaders show it (seen on
 * glibc 2.36 and the series build): the module, a libc copy of its own, and
 * an ld.so proxy.
 */
export function withAuditor<S extends { system: readonly SystemObject[]; initial: readonly NamespaceView[] }>(sys: S): S {
  const entries = [
    { object: AUDIT_MODULE, proxy: false },
    { object: libcName(sys.system), proxy: false },
    { object: rtldName(sys.system) ?? 'ld-linux-x86-64.so.2', proxy: true },
  ];
  return { ...sys, initial: [...sys.initial, { ns: 1, entries }] };
}
