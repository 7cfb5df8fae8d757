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
 * (SEMANTICS.md section 2). Only one-way dependencies between objects that
 * are on no cycle constrain: glibc's sort (elf/dl-sort-maps.c) leaves the
 * order unspecified around cycles, and on glibc 2.36 an object in a cycle was
 * seen to construct before a leaf it reaches through that cycle (see
 * CONFORMANCE.md, LOAD3). `ids[i]` is the entry of `events[i]`.
 */
export function eventOrder(
  state: LoaderState,
  events: readonly LifecycleEvent[],
  ids: readonly number[],
): Array<[number, number]> {
  const reach = ids.map((id) => reachable(state, id));
  const onCycle = ids.map((id) => (state.entries[id]?.deps ?? []).some((d) => reachable(state, d).has(id)));
  const order: Array<[number, number]> = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = 0; j < ids.length; j++) {
      if (i === j || onCycle[i] || onCycle[j]) continue;
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
