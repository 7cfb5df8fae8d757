/**
 * `exit` (the process extension): exit(0), whose destructors `_dl_fini`
 * (elf/dl-fini.c) runs, namespace by namespace.
 */
import type { ExpectedAudit, LifecycleEvent } from '../model/observation.ts';
import { entriesOf, type Entry, type LoaderState } from '../model/state.ts';
import { auditorNamespace } from './auditor.ts';
import { exercise, objectInfo, type SpecContext } from './context.ts';
import { chain } from './event-order.ts';
import type { Outcome } from './outcome.ts';
import { behaviour, ranged, since, until } from './releases.ts';
import { sortAsReleased } from './sorter.ts';

/**
 * PROC3: `_dl_fini` takes the namespaces from the highest to 0, an
 * auditor's aside; in each, the real entries of its list (not the ld.so
 * stand-in: `l == l->l_real`; under rtld-shared the series' proxies too,
 * `|| l->l_proxy`, which the sorter passes over but which keep their
 * places), sorted for
 * finalisation by the release's sorter (LOAD3), namespace 0's program kept
 * first; then it runs the destructor of each that was initialised, in that
 * order. Nothing is unloaded: the lists stay as they are.
 */
export function exitProcess(ctx: SpecContext, state: LoaderState): Outcome {
  exercise(ctx, 'PROC3');
  const events: LifecycleEvent[] = [];
  for (const { maps } of finiOrder(ctx, state)) {
    for (const e of maps) if (objectInfo(ctx, e.object)?.test === true) events.push({ event: 'dtor', object: e.object, ns: e.ns });
  }
  return { state, result: { kind: 'exited' }, events, order: chain(events.length) };
}

/** Each namespace `_dl_fini` finalises, in its order, with its maps in theirs. */
export function finiOrder(ctx: SpecContext, state: LoaderState): { ns: number; maps: Entry[]; standIn: boolean }[] {
  const out: { ns: number; maps: Entry[]; standIn: boolean }[] = [];
  for (let ns = state.namespaces.length - 1; ns >= 0; ns--) {
    const list = entriesOf(state, ns);
    if (list.length === 0 || auditorNamespace(state, ns)) continue;
    const isStandIn = (e: Entry) => e.kind === 'proxy' && objectInfo(ctx, e.object)?.rtld === true;
    // The series keeps its own proxies in the array (`l == l->l_real || l->l_proxy`); the sorter passes over them, but they hold their places.
    const maps = list.filter((e) => e.kind === 'real' || (ctx.profile === 'rtld-shared' && !isStandIn(e))).map((e) => e.id);
    const sorted = sortAsReleased(ctx, state, maps, ns === 0, true);
    out.push({ ns, maps: sorted.map((id) => state.entries[id] as Entry).filter((e) => e.kind === 'real'), standIn: list.some(isStandIn) });
  }
  return out;
}

/** AUD7, by release: whether `_dl_fini` brackets each namespace with la_activity. */
export const EXIT_ACTIVITY = ranged('AUD7', 'la_activity at exit', [
  until('2.35', false, 'none: _dl_fini reported la_objclose only', 'glibc 2.34 elf/dl-fini.c _dl_fini', { bug: 'GLIBC-AUDIT-EXIT-NO-ACTIVITY' }),
  since('2.35', true, 'LA_ACT_DELETE before a namespace\'s first la_objclose, LA_ACT_CONSISTENT after its last', 'commit 5fa11a2bc94c "elf: Add la_activity during application exit"'),
]);

/** AUD7, by release: whether `_dl_fini` reports la_objclose for the ld.so stand-in of a secondary namespace. */
export const EXIT_STANDIN_OBJCLOSE = ranged('AUD7', 'la_objclose at exit for the ld.so stand-in', [
  until('2.41', false, 'not reported: _dl_fini skips maps that are not their own l_real', 'glibc 2.34 to 2.40 elf/dl-fini.c _dl_fini', { bug: 'GLIBC-AUDIT-EXIT-STANDIN-SILENT' }),
  since('2.41', true, 'after the namespace\'s other la_objclose calls', 'commit c4b160744cb3, bug 32065'),
]);

/**
 * AUD7: what an auditor hears at exit: per namespace, in `_dl_fini`'s order
 * (PROC3), LA_ACT_DELETE (by release, EXIT_ACTIVITY), la_objclose for each
 * initialised entry in destructor order (the vdso never is; the start-up
 * objects, libc and ld.so are), the ld.so stand-in's la_objclose (by
 * release, EXIT_STANDIN_OBJCLOSE), then LA_ACT_CONSISTENT. The auditor's own
 * namespace is not reported.
 */
export function exitAudit(ctx: SpecContext, state: LoaderState): ExpectedAudit {
  exercise(ctx, 'AUD7');
  const activity = behaviour(ctx, EXIT_ACTIVITY);
  const order = finiOrder(ctx, state);
  const closes = order.flatMap(({ ns, maps, standIn }) => {
    const stand = standIn && behaviour(ctx, EXIT_STANDIN_OBJCLOSE) ? entriesOf(state, ns).filter((e) => e.kind === 'proxy' && objectInfo(ctx, e.object)?.rtld === true) : [];
    return [...maps.filter((e) => !e.object.startsWith('linux-vdso')), ...stand].map((e) => ({ event: 'objclose' as const, object: e.object, ns: e.ns }));
  });
  const removed = activity ? order.map(({ ns }) => ({ ns, emptied: false, deleteFirst: true })) : [];
  return { opens: [], closes, added: [], removed, closesInOrder: true };
}
