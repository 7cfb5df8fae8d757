import { produce } from 'immer';
import type { LifecycleEvent } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from './context.ts';
import { eventOrder } from './graph-order.ts';
import * as msg from './messages.ts';
import { unchanged, type Outcome } from './open.ts';

/** _dl_close: nodelete check, open count, then the close worker (CLOSE1..CLOSE4, S5, S6). */
export function dlclose(ctx: SpecContext, state: LoaderState, entry: Entry): Outcome {
  // CLOSE2, S5: a nodelete entry (masters included) is never unloaded; its count is not touched.
  if (entry.nodelete) return unchanged(state, { kind: 'ok' });
  // CLOSE4: closing an entry nobody holds open.
  if (entry.openCount === 0) return unchanged(state, { kind: 'fail', error: msg.notOpen(entry.object) });
  const counted = produce(state, (draft) => {
    draft.entries[entry.id]!.openCount -= 1;
  });
  if (entry.openCount > 1 || entry.startup) return unchanged(counted, { kind: 'ok' });
  return collect(ctx, counted, entry.ns);
}

/**
 * _dl_close_worker's mark and sweep over one namespace (CLOSE1): roots are
 * entries with a direct open count, nodelete or start-up entries; everything
 * not reachable from a root through DT_NEEDED is unloaded, cycles included.
 * Proxies are swept like any entry but unload nothing in namespace 0 (S6).
 */
function collect(ctx: SpecContext, state: LoaderState, ns: number): Outcome {
  const list = (state.namespaces[ns] ?? []).map((id) => state.entries[id] as Entry);
  const live = new Set<number>();
  const stack = list.filter((e) => e.openCount > 0 || e.nodelete || e.startup).map((e) => e.id);
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (live.has(id)) continue;
    live.add(id);
    for (const d of (state.entries[id] as Entry).deps) if (!live.has(d)) stack.push(d);
  }
  const dead = list.filter((e) => !live.has(e.id));
  // CLOSE3: destructors of the real test entries being unloaded, dependents first.
  const dying = dead.filter((e) => e.kind === 'real' && objectInfo(ctx, e.object)?.test === true);
  const events: LifecycleEvent[] = dying.map((e) => ({ event: 'dtor', object: e.object, ns: e.ns }));
  const order = eventOrder(state, events, dying.map((e) => e.id));
  const gone = new Set(dead.map((e) => e.id));
  const next = produce(state, (draft) => {
    draft.namespaces[ns] = (draft.namespaces[ns] ?? []).filter((id) => !gone.has(id));
    for (const id of gone) delete draft.entries[id];
  });
  return { state: next, result: { kind: 'ok' }, events, order };
}
