import type { LifecycleEvent } from '../model/observation.ts';
import type { LoaderState } from '../model/state.ts';

/** Entry ids reachable from `from` through DT_NEEDED edges and proxy->master links (inclusive). */
export function reachable(state: LoaderState, from: number): Set<number> {
  const seen = new Set<number>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const e = state.entries[stack.pop() as number];
    if (e === undefined) continue;
    const next = e.master === null ? e.deps : [...e.deps, e.master];
    for (const d of next) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}

/**
 * Order constraints between the events of one call. Constructors run
 * dependencies before dependents; destructors dependents before dependencies
 * (SEMANTICS.md section 2). Objects in a cycle may run in any order, so only
 * one-way dependencies constrain. `ids[i]` is the entry of `events[i]`.
 */
export function eventOrder(
  state: LoaderState,
  events: readonly LifecycleEvent[],
  ids: readonly number[],
): Array<[number, number]> {
  const reach = ids.map((id) => reachable(state, id));
  const order: Array<[number, number]> = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = 0; j < ids.length; j++) {
      if (i === j) continue;
      const iNeedsJ = reach[i]!.has(ids[j]!);
      const jNeedsI = reach[j]!.has(ids[i]!);
      if (!iNeedsJ || jNeedsI) continue; // no one-way dependency of i on j
      const ev = events[i]!.event;
      // i depends on j: ctor(j) before ctor(i); dtor(i) before dtor(j).
      order.push(ev === 'ctor' ? [j, i] : [i, j]);
    }
  }
  return order;
}
