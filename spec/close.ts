/** dlclose (glibc: elf/dl-close.c `_dl_close` and `_dl_close_worker`). */
import type { LifecycleEvent } from '../model/observation.ts';
import { tracksScope, type Entry, type LoaderState } from '../model/state.ts';
import { exercise, objectInfo, type SpecContext } from './context.ts';
import { chain } from './event-order.ts';
import { behaviourOrFix, followsBug, ranged, since, until } from './releases.ts';
import { sortAsReleased } from './sorter.ts';
import * as msg from './messages.ts';
import { entryOf, produce } from './object.ts';
import { unchanged, type Outcome } from './outcome.ts';
import { masterKept, proxyClosed } from './shared.ts';

/** _dl_close: a nodelete entry stays (CLOSE2), an entry nobody holds open is refused (CLOSE4), else the count goes down. */
export function dlclose(ctx: SpecContext, state: LoaderState, entry: Entry): Outcome {
  proxyClosed(ctx, entry);
  if (entry.nodelete) return keptNodelete(ctx, state, entry);
  if (entry.openCount === 0) return notOpen(ctx, state, entry);
  // The last close of an entry that is not a start-up entry runs the close worker.
  const counted = produce(state, (d) => void (entryOf(d, entry.id).openCount -= 1));
  if (entry.openCount > 1 || entry.startup) return { state: counted, result: { kind: 'ok' }, events: [], order: [] };
  return _dl_close_worker(ctx, state, counted, entry);
}

/** CLOSE2: dlclose of a nodelete entry (a master too, S5) succeeds, unloads nothing and leaves the count. */
function keptNodelete(ctx: SpecContext, state: LoaderState, entry: Entry): Outcome {
  exercise(ctx, 'CLOSE2');
  masterKept(ctx, entry, Object.values(state.entries).some((p) => p.master === entry.id));
  return unchanged(state, { kind: 'ok' });
}

/** CLOSE4: dlclose of a loaded entry whose direct open count is 0: `shared object not open`. */
function notOpen(ctx: SpecContext, state: LoaderState, entry: Entry): Outcome {
  exercise(ctx, 'CLOSE4');
  return unchanged(state, { kind: 'fail', error: msg.notOpen(entry.object) });
}

/**
 * CLOSE1: _dl_close_worker's mark and sweep over the entry's namespace, once
 * its count is 0: roots are entries with a direct open count, nodelete or
 * start-up entries; everything not reachable from a root through DT_NEEDED
 * is unloaded, cycles included. A proxy is swept like any entry and unloads
 * nothing in namespace 0 (S6).
 */
function _dl_close_worker(ctx: SpecContext, state: LoaderState, counted: LoaderState, entry: Entry): Outcome {
  const list = (counted.namespaces[entry.ns] ?? []).map((id) => counted.entries[id] as Entry);
  const live = new Set<number>();
  const stack = list.filter((e) => e.openCount > 0 || e.nodelete || e.startup).map((e) => e.id);
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (live.has(id)) continue;
    live.add(id);
    // Its DT_NEEDED and its relocation dependencies (SYM4: `l_reldeps`, "And the same for relocation dependencies").
    const e = counted.entries[id] as Entry;
    for (const d of [...e.deps, ...e.reldeps]) if (!live.has(d)) stack.push(d);
  }
  const dead = list.filter((e) => !live.has(e.id));
  if (dead.length > 0) exercise(ctx, 'CLOSE1');
  const finiOrder = closeOrder(ctx, counted, list, entry, live);
  const gone = new Set(dead.map((e) => e.id));
  const swept = produce(counted, (d) => {
    for (const e of dead) delete d.entries[e.id];
    d.namespaces[entry.ns] = (d.namespaces[entry.ns] ?? []).filter((id) => !gone.has(id));
    // An unloaded object leaves the global scope (SYM3) and the scopes of what stays (CLOSE5 gives some their own list first).
    d.global = d.global.filter((id) => !gone.has(id));
    for (const id of d.namespaces[entry.ns] ?? []) {
      const kept = d.entries[id] as Entry;
      if (kept.scope.some((s) => gone.has(s))) entryOf(d, id).scope = kept.scope.filter((s) => !gone.has(s));
    }
  });
  const next = keptSearchLists(ctx, swept, list.filter((e) => live.has(e.id)), gone);
  return { state: next, result: { kind: 'ok' }, ...destructors(ctx, state, dead, finiOrder) };
}

/** CLOSE3, by release: which entry `_dl_close_worker` keeps first when it sorts the namespace for destructors. */
export const CLOSE_FORCE_FIRST = ranged<'namespace-head' | 'closed-object'>('CLOSE3', 'dlclose sorts destructors with the closed object first', [
  until('2.39', 'namespace-head', 'the namespace list as it is, its first entry kept first in namespace 0 only: the closed object\'s destructor need not run first', 'glibc 2.34 to 2.38 elf/dl-close.c _dl_close_worker', { bug: 'GLIBC-DLCLOSE-FORCE-FIRST-ORDER' }),
  since('2.39', 'closed-object', 'the closed object swapped to the front and kept first, in every namespace: its destructor runs first', 'commit 849274d48fc5, bug 30981'),
]);

/**
 * CLOSE3: the order `_dl_close_worker` runs destructors in: the namespace's
 * entries (`maps`, list order), sorted for finalisation (spec/sort-maps.ts)
 * with the entries the close keeps marked, the closed object or the
 * namespace's head first by release (CLOSE_FORCE_FIRST).
 */
function closeOrder(ctx: SpecContext, counted: LoaderState, list: readonly Entry[], entry: Entry, live: ReadonlySet<number>): number[] {
  const ids = list.map((e) => e.id);
  if (!list.some((e) => !live.has(e.id))) return ids;
  const sorted = (first: 'namespace-head' | 'closed-object') => {
    const maps = [...ids];
    if (first === 'namespace-head') return sortAsReleased(ctx, counted, maps, entry.ns === 0, true, live);
    const at = maps.indexOf(entry.id);
    [maps[0], maps[at]] = [maps[at]!, maps[0]!];
    return sortAsReleased(ctx, counted, maps, true, true, live);
  };
  const { value, bug } = behaviourOrFix(ctx, CLOSE_FORCE_FIRST);
  const order = sorted(value);
  // The release's order is a known bug's only where the fixed one would differ for the objects unloaded.
  const dying = (o: readonly number[]) => JSON.stringify(o.filter((id) => !live.has(id)));
  if (bug !== undefined && dying(sorted(bug.fixed)) !== dying(order)) followsBug(ctx, bug.id);
  return order;
}

/**
 * CLOSE5: an entry the close worker keeps that dlopen loaded only as a
 * dependency (it has no search list of its own) and whose scope held the
 * search list of an entry this close unloads gets one: itself and its
 * direct DT_NEEDED, not theirs (`_dl_close_worker`: "We simply reuse the
 * l_initfini list", kept only when the scope changed). A later dlopen of
 * it finds it open already and keeps that list, so dlsym through it misses
 * a symbol only a deeper dependency defines.
 */
function keptSearchLists(ctx: SpecContext, state: LoaderState, kept: readonly Entry[], dead: ReadonlySet<number>): LoaderState {
  const given = kept.filter((e) => tracksScope(e) && e.scope.some((id) => dead.has(id)));
  if (given.length === 0) return state;
  exercise(ctx, 'CLOSE5');
  return produce(state, (d) => {
    // Its own list takes the place of the first list unloaded in its scope ("Remove the scope.  Or replace with own map's scope").
    for (const e of given) {
      const at = e.scope.findIndex((id) => dead.has(id));
      const scope = [...e.scope.slice(0, at), e.id, ...e.scope.slice(at + 1).filter((id) => !dead.has(id))];
      Object.assign(entryOf(d, e.id), { searchList: 'direct', scope });
    }
  });
}

/**
 * CLOSE3: destructors of the real test entries unloaded, in the order the
 * close worker sorted them (`closeOrder`).
 */
function destructors(ctx: SpecContext, state: LoaderState, dead: readonly Entry[], order: readonly number[]): Pick<Outcome, 'events' | 'order'> {
  const dying = order.map((id) => state.entries[id] as Entry).filter((e) => dead.some((d) => d.id === e.id) && e.kind === 'real' && objectInfo(ctx, e.object)?.test === true);
  if (dying.length > 0) exercise(ctx, 'CLOSE3');
  const events: LifecycleEvent[] = dying.map((e) => ({ event: 'dtor', object: e.object, ns: e.ns }));
  return { events, order: chain(events.length) };
}
