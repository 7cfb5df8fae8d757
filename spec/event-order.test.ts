import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { arbScenario } from '../generators/calls.ts';
import type { LifecycleEvent } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { eventOrder, reachable } from './event-order.ts';
import { PROFILES } from './profile.ts';
import { runSpec } from './run.ts';

/**
 * eventOrder (spec/event-order.ts) is the plain definition, transitively
 * reduced. Its closure must be what the definition's pairs give when every
 * pair is listed (written out again below, unreduced), and no pair it keeps
 * may follow from the others.
 */

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

/** The transitive closure of `order` over n events: before[a][b] when a must precede b. */
function closureMatrix(n: number, order: ReadonlyArray<readonly [number, number]>): boolean[][] {
  const before = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (const [a, b] of order) before[a]![b] = true;
  for (let c = 0; c < n; c++) for (let a = 0; a < n; a++) if (before[a]![c]) for (let b = 0; b < n; b++) if (before[c]![b]) before[a]![b] = true;
  return before;
}

/** The pairs of the transitive closure of `order` over n events, sorted. */
function closure(n: number, order: ReadonlyArray<readonly [number, number]>): string[] {
  const pairs: string[] = [];
  closureMatrix(n, order).forEach((row, a) => row.forEach((yes, b) => yes && pairs.push(`${a}<${b}`)));
  return pairs.sort();
}

/**
 * eventOrder agrees with the reference up to closure, and is a reduction:
 * every pair it keeps is needed. Once the closures agree, the closure is a
 * strict partial order, and a kept pair [a, b] follows from the others
 * exactly when some third event lies between a and b.
 */
function expectReduction(state: LoaderState, events: readonly LifecycleEvent[], ids: readonly number[]): void {
  const got = eventOrder(state, events, ids);
  const n = ids.length;
  expect(closure(n, got)).toEqual(closure(n, referenceOrder(state, events, ids)));
  expect(new Set(got.map(([a, b]) => `${a}<${b}`)).size, 'a pair listed twice').toBe(got.length);
  const before = closureMatrix(n, got);
  for (const [a, b] of got) expect(before.some((row, c) => before[a]![c] && row[b]), `[${a}, ${b}] follows from the other pairs`).toBe(false);
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
      entries[id] = { id, object: `lib${id}.so`, ns: 0, kind: master === null ? 'real' : 'proxy', master, deps, openCount: 0, nodelete: false, startup: false, searchList: 'none', scope: [], initfini: null, reldeps: [], bound: {} };
    });
    return { state: { entries, namespaces: [links.map((_, id) => id)], handles: {}, nextId: links.length, global: [] }, ids };
  });

test.prop([arbState, fc.boolean()], { numRuns: Number(process.env.DLMSPEC_RUNS ?? 1000) })('eventOrder is the reduced direct definition on arbitrary graphs', ({ state, ids }, ctor) => {
  expectReduction(state, eventsFor(state, ids, ctor ? 'ctor' : 'dtor'), ids);
});

/**
 * eventOrder keeps its per-event sets in 32-bit words, and random runs rarely
 * give a call more than 32 events. Here fixed graphs of 28 to 92 entries
 * (chains, cycles, proxy links, links to entries the state lacks), every
 * entry an event, and four more for ids the state lacks: 32, 64 and 96
 * events fill their last word exactly (LOAD3, CLOSE3).
 */
describe('event order constraints over many events', () => {
  /** A graph of n entries from a fixed-seed generator: mostly links to later entries, a few back (cycles), proxies, missing ids. */
  const graphOf = (n: number, seed: number): LoaderState => {
    let x = seed;
    const rand = (m: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % m);
    const entries: Record<number, Entry> = {};
    for (let id = 0; id < n; id++) {
      const deps = Array.from({ length: rand(3) }, () => (rand(10) === 0 ? rand(n + 5) : Math.min(n + 2, id + 1 + rand(6))));
      if (id < 3) deps.push(n + [1, 3, 0][id]!); // entries the state lacks (ids from nextId on), which are events too
      const proxy = rand(12) === 0 && id + 1 < n;
      entries[id] = { id, object: `lib${id}.so`, ns: 0, kind: proxy ? 'proxy' : 'real', master: proxy ? id + 1 + rand(n - id - 1) : null, deps, openCount: 0, nodelete: false, startup: false, searchList: 'none', scope: [], initfini: null, reldeps: [], bound: {} };
    }
    return { entries, namespaces: [Object.keys(entries).map(Number)], handles: {}, nextId: n, global: [] };
  };
  test.each([
    [28, 1],
    [40, 2],
    [60, 3],
    [61, 4],
    [92, 5],
  ])('%i entries (graph %i)', (n, seed) => {
    const state = graphOf(n, seed);
    const ids = [...Array.from({ length: n }, (_, i) => (i * 37 + seed) % n), n + 3, n + 1, n, n + 2];
    for (const event of ['ctor', 'dtor'] as const) {
      const events: LifecycleEvent[] = ids.map((id) => ({ event, object: `lib${id}.so`, ns: 0 }));
      const want = referenceOrder(state, events, ids);
      expect(want.length, 'the graph constrains something').toBeGreaterThan(n);
      // Events n.. are those of entries the state lacks.
      expect(want.some((pair) => pair.some((x) => x >= n)), 'events of entries the state lacks are constrained').toBe(true);
      expectReduction(state, events, ids);
    }
  });
});
