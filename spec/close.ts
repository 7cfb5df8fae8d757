import { castDraft } from 'immer';
import type { LifecycleEvent } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from './context.ts';
import { copyEntry, produce } from './draft.ts';
import { eventOrder } from './graph-order.ts';
import * as msg from './messages.ts';
import { unchanged, type Outcome } from './open.ts';

/** _dl_close: nodelete check, open count, then the close worker (CLOSE1..CLOSE4, S5, S6). */
export function dlclose(ctx: SpecContext, state: LoaderState, entry: Entry): Outcome {
  // CLOSE2, S5: a nodelete entry (masters included) is never unloaded; its count is not touched.
  if (entry.nodelete) return unchanged(state, { kind: 'ok' });
  // CLOSE4: closing an entry nobody holds open.
  if (entry.openCount === 0) return unchanged(state, { kind: 'fail', error: msg.notOpen(entry.object) });
  // The count goes down; the last close of an entry that is not a start-up entry runs the close worker.
  const counted = copyEntry(state.entries[entry.id] as Entry);
  counted.openCount -= 1;
  const entries: Record<number, Entry> = { ...state.entries, [entry.id]: counted };
  // Stryker disable next-line LogicalOperator: equivalent mutants, see CONFORMANCE.md
  const collects = entry.openCount === 1 && !entry.startup;
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const dead = collects ? garbage(entries, state.namespaces[entry.ns] ?? []) : [];
  for (const e of dead) delete entries[e.id];
  // CLOSE3: destructors of the real test entries being unloaded, dependents first
  // (the order reads only DT_NEEDED and proxy links, which the count does not change).
  // Stryker disable next-line OptionalChaining: equivalent mutants, see CONFORMANCE.md
  const dying = dead.filter((e) => e.kind === 'real' && objectInfo(ctx, e.object)?.test === true);
  const events: LifecycleEvent[] = dying.map((e) => ({ event: 'dtor', object: e.object, ns: e.ns }));
  const order = eventOrder(state, events, dying.map((e) => e.id));
  // One produce for the whole call; the parts it changes are replaced whole (see StateChanges, spec/draft.ts).
  const next = produce(state, (draft) => {
    draft.entries = castDraft(entries);
    if (!collects) return;
    const gone = new Set(dead.map((e) => e.id));
    const namespaces = [...state.namespaces];
    // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
    namespaces[entry.ns] = (state.namespaces[entry.ns] ?? []).filter((id) => !gone.has(id));
    draft.namespaces = castDraft(namespaces);
  });
  return { state: next, result: { kind: 'ok' }, events, order };
}

/**
 * _dl_close_worker's mark and sweep over one namespace (CLOSE1): roots are
 * entries with a direct open count, nodelete or start-up entries; everything
 * not reachable from a root through DT_NEEDED is unloaded, cycles included.
 * Proxies are swept like any entry but unload nothing in namespace 0 (S6).
 */
function garbage(entries: Readonly<Record<number, Entry>>, ids: readonly number[]): Entry[] {
  const list = ids.map((id) => entries[id] as Entry);
  const live = new Set<number>();
  const stack = list.filter((e) => e.openCount > 0 || e.nodelete || e.startup).map((e) => e.id);
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (live.has(id)) continue;
    live.add(id);
    for (const d of (entries[id] as Entry).deps) if (!live.has(d)) stack.push(d);
  }
  return list.filter((e) => !live.has(e.id));
}
