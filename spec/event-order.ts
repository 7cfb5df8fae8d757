import type { LifecycleEvent } from '../model/observation.ts';
import type { LoaderState } from '../model/state.ts';

/** The entries reachable from `from` (itself included) through DT_NEEDED edges and proxy->master links. */
export function reachable(state: LoaderState, from: number): Set<number> {
  return reachableFrom(state, [from]);
}

/** The entries reachable from any of `starts` (themselves included). */
function reachableFrom(state: LoaderState, starts: readonly number[]): Set<number> {
  const seen = new Set<number>(starts);
  const stack = [...starts];
  while (stack.length > 0) {
    const e = state.entries[stack.pop() as number];
    if (e === undefined) continue;
    for (const d of e.master === null ? e.deps : [...e.deps, e.master]) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}

/**
 * LOAD3, CLOSE3: order constraints between the events of one call
 * (`[a, b]`: events[a] runs before events[b]; `ids[i]` is the entry of
 * events[i]). Constructors run dependencies before dependents, destructors
 * dependents before dependencies. Only one-way dependencies between objects
 * on no cycle constrain: glibc's sort (elf/dl-sort-maps.c) leaves the order
 * unspecified around cycles, and glibc 2.36 was seen to construct a cycle
 * member before a leaf it reaches through the cycle. "i depends on j": j's
 * entry is reachable from i's; "i is on a cycle": one of its DT_NEEDED
 * entries reaches it back. The result is transitively reduced: a pair that
 * follows from two others (a before b, b before c) is left out.
 */
export function eventOrder(state: LoaderState, events: readonly LifecycleEvent[], ids: readonly number[]): Array<[number, number]> {
  const reach = ids.map((id) => reachable(state, id));
  const onCycle = ids.map((id) => reachableFrom(state, state.entries[id]?.deps ?? []).has(id));
  // needs[i]: the events i depends on one way, both on no cycle.
  const needs = ids.map((id, i) =>
    ids.flatMap((other, j) => (i !== j && !onCycle[i] && !onCycle[j] && reach[i]!.has(other) && !reach[j]!.has(id) ? [j] : [])),
  );
  const order: Array<[number, number]> = [];
  needs.forEach((direct, i) => {
    const implied = new Set(direct.flatMap((l) => needs[l]!));
    for (const j of direct) if (!implied.has(j)) order.push(events[i]!.event === 'ctor' ? [j, i] : [i, j]);
  });
  return order;
}

/** The order constraints of events that run exactly in the order given: each before the next. */
export function chain(n: number): Array<[number, number]> {
  return Array.from({ length: Math.max(0, n - 1) }, (_, i): [number, number] => [i, i + 1]);
}
