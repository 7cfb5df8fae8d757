import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { arbScenario } from '../generators/calls.ts';
import type { LifecycleEvent } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { eventOrder } from './graph-order.ts';
import { PROFILES } from './profile.ts';
import { runSpec } from './run.ts';

/**
 * eventOrder computes reachability once per call (strongly connected
 * components) and keeps the transitive reduction; its closure must be
 * exactly what the direct definition gives, and no pair it keeps may follow
 * from the others. The reference below is that definition, as the spec first
 * wrote it (a search per event and per dependency, every pair listed).
 */
function reachable(state: LoaderState, from: number): Set<number> {
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

function referenceOrder(state: LoaderState, events: readonly LifecycleEvent[], ids: readonly number[]): Array<[number, number]> {
  const reach = ids.map((id) => reachable(state, id));
  const onCycle = ids.map((id) => (state.entries[id]?.deps ?? []).some((d) => reachable(state, d).has(id)));
  const order: Array<[number, number]> = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = 0; j < ids.length; j++) {
      if (i === j || onCycle[i] || onCycle[j]) continue;
      const iNeedsJ = reach[i]!.has(ids[j]!);
      const jNeedsI = reach[j]!.has(ids[i]!);
      if (!iNeedsJ || jNeedsI) continue;
      order.push(events[i]!.event === 'ctor' ? [j, i] : [i, j]);
    }
  }
  return order;
}

/** The pairs of the transitive closure of `order` over n events, sorted. */
function closure(n: number, order: ReadonlyArray<readonly [number, number]>): string[] {
  const before = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (const [a, b] of order) before[a]![b] = true;
  for (let c = 0; c < n; c++) for (let a = 0; a < n; a++) if (before[a]![c]) for (let b = 0; b < n; b++) if (before[c]![b]) before[a]![b] = true;
  const pairs: string[] = [];
  before.forEach((row, a) => row.forEach((yes, b) => yes && pairs.push(`${a}<${b}`)));
  return pairs.sort();
}

/** eventOrder agrees with the reference up to closure, and is a reduction: every pair it keeps is needed. */
function expectReduction(state: LoaderState, events: readonly LifecycleEvent[], ids: readonly number[]): void {
  const got = eventOrder(state, events, ids);
  const n = ids.length;
  expect(closure(n, got)).toEqual(closure(n, referenceOrder(state, events, ids)));
  expect(new Set(got.map(([a, b]) => `${a}<${b}`)).size, 'a pair listed twice').toBe(got.length);
  got.forEach((pair, i) => {
    const others = got.filter((_, j) => j !== i);
    expect(closure(n, others), `[${pair.join(', ')}] follows from the other pairs`).not.toContain(`${pair[0]}<${pair[1]}`);
  });
}

const eventsFor = (state: LoaderState, ids: readonly number[], kind: LifecycleEvent['event']): LifecycleEvent[] =>
  ids.map((id) => ({ event: kind, object: state.entries[id]?.object ?? `#${id}`, ns: state.entries[id]?.ns ?? 0 }));

describe.each(PROFILES)('eventOrder is the reduced direct definition (%s)', (profile) => {
  test.prop([arbScenario({ profile, minDsos: 3, maxDsos: 12, maxCalls: 16 }), fc.infiniteStream(fc.tuple(fc.nat(), fc.boolean()))], {
    numRuns: Number(process.env.DLMSPEC_RUNS ?? 300),
  })('on every state of random runs, for any events', (s, picks) => {
    const run = runSpec(profile, s.graph, s.calls);
    const it = picks[Symbol.iterator]();
    for (const state of [run.initial, ...run.steps.map((x) => x.after)]) {
      const all = Object.values(state.entries).map((e) => e.id);
      // Every entry, then a pseudo-random subset in a pseudo-random order, as the events' entries.
      const [seed, ctor] = it.next().value as [number, boolean];
      const subset = all.filter((_, i) => (seed >> i % 30) & 1).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101));
      for (const ids of [all, subset]) {
        expectReduction(state, eventsFor(state, ids, ctor ? 'ctor' : 'dtor'), ids);
      }
    }
  });
});

/** Any graph at all: dependencies on missing entries, self-loops, cycles through proxy->master links. */
const arbState: fc.Arbitrary<{ state: LoaderState; ids: number[] }> = fc
  .integer({ min: 1, max: 80 })
  .chain((n) =>
    fc.record({
      links: fc.array(fc.record({ deps: fc.array(fc.integer({ min: 0, max: n + 3 }), { maxLength: 4 }), master: fc.option(fc.integer({ min: 0, max: n + 3 }), { freq: 3 }) }), {
        minLength: n,
        maxLength: n,
      }),
      ids: fc.uniqueArray(fc.integer({ min: 0, max: n + 3 }), { maxLength: n + 3 }),
    }),
  )
  .map(({ links, ids }) => {
    const entries: Record<number, Entry> = {};
    links.forEach(({ deps, master }, id) => {
      entries[id] = { id, object: `lib${id}.so`, ns: 0, kind: master === null ? 'real' : 'proxy', master, deps, openCount: 0, nodelete: false, startup: false };
    });
    return { state: { entries, namespaces: [links.map((_, id) => id)], handles: {}, nextId: links.length }, ids };
  });

test.prop([arbState, fc.boolean()], { numRuns: Number(process.env.DLMSPEC_RUNS ?? 1000) })('eventOrder is the reduced direct definition on arbitrary graphs', ({ state, ids }, ctor) => {
  expectReduction(state, eventsFor(state, ids, ctor ? 'ctor' : 'dtor'), ids);
});
