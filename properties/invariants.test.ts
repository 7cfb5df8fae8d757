import { fc, test } from '@fast-check/vitest';
import { produce, type Draft } from 'immer';
import { describe, expect } from 'vitest';
import { arbScenario } from '../generators/calls.ts';
import type { Call } from '../model/call.ts';
import { LM_ID_NEWLM, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';
import type { LoaderState } from '../model/state.ts';
import { checkInvariants, INVARIANTS } from '../spec/invariants.ts';
import { PROFILES } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';
import type { Step } from '../spec/step.ts';
import { dso, graph } from './rows.ts';
import { describeScenario, readable } from './transform.ts';

/** Every invariant, after every step, of random sequences over random graphs. */
describe.each(PROFILES)('invariants hold after every step (%s)', (profile) => {
  test.prop([arbScenario({ profile, maxCalls: 16 }).map(readable)], { numRuns: Number(process.env.DLMSPEC_RUNS ?? 1000) })('every invariant, random sequences', (s) => {
    const run = runSpec(profile, s.graph, s.calls);
    const violations = checkInvariants(run.ctx, run.steps);
    expect(violations, describeScenario(s)).toEqual([]);
  });
});

/**
 * NS1 and NS2 checked on what a run shows, by a definition of their own (not
 * `freeNamespaces`, which the spec picks with, nor the NS1 entry of
 * INVARIANTS, which reads the state): a successful LM_ID_NEWLM open lands in
 * the lowest of 1..15 that the namespace lists shown after the previous call
 * do not name; with all of them named, the open fails.
 */
describe.each(PROFILES)('LM_ID_NEWLM on the namespaces shown (%s)', (profile) => {
  test.prop([arbScenario({ profile, maxCalls: 24 }).map(readable)], { numRuns: Number(process.env.DLMSPEC_RUNS ?? 1000) })(
    '[NS1][NS2] the lowest namespace the previous lists do not show',
    (s) => {
      const run = runSpec(profile, s.graph, s.calls);
      let shown = new Set(run.initial.namespaces.flatMap((list, ns) => (list.length > 0 ? [ns] : [])));
      for (const st of run.steps) {
        const c = st.call;
        if (c.op === 'dlmopen' && c.lmid === LM_ID_NEWLM) {
          const lowest = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].find((ns) => !shown.has(ns));
          const r = st.expected.result;
          if (r.kind === 'handle') expect(r.ns, describeScenario(s)).toBe(lowest);
          if (lowest === undefined) expect(r.kind, describeScenario(s)).toBe('null');
        }
        shown = new Set(st.expected.namespaces.map((v) => v.ns));
      }
    },
  );
});

/**
 * Each invariant can fail: a run of the spec whose trace is then broken by
 * hand, in the one way the invariant forbids, must be flagged under its ID.
 * The names carry the IDs (`[${inv.id}] ...`), which is how CONFORMANCE.md's
 * catalogue test sees that the invariant suite checks every invariant.
 */
const G = graph(dso('liba.so', { needed: ['libb.so'], libc: true }), dso('libb.so'));
const CALLS: Call[] = [
  { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW | RTLD_SHARED }, // ns0 liba libb, ns1 liba(p)
  { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW }, // ns2 liba libb libc(p)
  { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libb.so', mode: RTLD_NOW }, // ns3 libb
  { op: 'dlopen', file: 'libnothere.so', mode: RTLD_NOW }, // fails
];
/**
 * The unbroken run, computed afresh in each test (never at collection time):
 * StrykerJS (npm run mutation) counts spec code run outside a test as
 * "static" and then runs every test against each such mutant.
 */
const baseRun = () => runSpec('rtld-shared', G, CALLS);

const idOf = (state: LoaderState, ns: number, object: string): number => {
  const id = (state.namespaces[ns] ?? []).find((i) => state.entries[i]?.object === object);
  if (id === undefined) throw new Error(`no ${object} in namespace ${ns}`);
  return id;
};

/** Step k with its state after changed by `recipe`. */
const breakAfter =
  (k: number, recipe: (d: Draft<LoaderState>, s: Step) => void) =>
  (steps: readonly Step[]): Step[] =>
    steps.map((s, i) => (i === k ? { ...s, after: produce(s.after, (d) => recipe(d, s)) } : s));

const BREAK: Record<string, (steps: readonly Step[]) => Step[]> = {
  'INV-SINGLE-MASTER': breakAfter(0, (d) => {
    const id = d.nextId++;
    d.entries[id] = { ...d.entries[idOf(d, 0, 'liba.so')]!, id };
    d.namespaces[0]!.push(id); // a second real liba.so in namespace 0
  }),
  'INV-MASTER-PINNED': breakAfter(0, (d) => {
    d.entries[idOf(d, 0, 'liba.so')]!.nodelete = false;
  }),
  S13: breakAfter(0, (d) => {
    const e = d.entries[idOf(d, 0, 'libb.so')]!;
    e.kind = 'proxy';
    e.master = idOf(d, 0, 'liba.so');
  }),
  'INV-ONE-ENTRY': breakAfter(2, (d) => {
    d.namespaces[3]!.push(idOf(d, 3, 'libb.so'));
  }),
  'INV-CLOSURE': breakAfter(1, (d) => {
    d.entries[idOf(d, 2, 'liba.so')]!.deps = [];
  }),
  'INV-NO-GARBAGE': breakAfter(2, (d) => {
    d.entries[idOf(d, 3, 'libb.so')]!.openCount = 0;
  }),
  'INV-CTOR-ONCE': (steps) => steps.map((s, i) => (i === 1 ? { ...s, expected: { ...s.expected, events: [] } } : s)),
  'INV-COUNT': breakAfter(1, (d) => {
    d.entries[idOf(d, 2, 'liba.so')]!.openCount = 2;
  }),
  'INV-NODELETE-STAYS': breakAfter(2, (d) => {
    const id = idOf(d, 0, 'liba.so');
    d.namespaces[0] = d.namespaces[0]!.filter((i) => i !== id);
    delete d.entries[id];
  }),
  NS1: (steps) =>
    steps.map((s, i) => (i === 2 && s.expected.result.kind === 'handle' ? { ...s, expected: { ...s.expected, result: { ...s.expected.result, ns: 5 } } } : s)),
  LOAD4: breakAfter(3, (d) => {
    d.nextId += 1; // any change at all
  }),
  LOAD2: breakAfter(2, (d) => {
    d.namespaces[0]!.reverse();
  }),
};

describe('each invariant is checked and can fail', () => {
  test('the unbroken trace keeps every invariant', () => {
    const base = baseRun();
    expect(base.steps[3]!.expected.result.kind).toBe('null');
    expect(checkInvariants(base.ctx, base.steps)).toEqual([]);
  });
  for (const inv of INVARIANTS) {
    test(`[${inv.id}] ${inv.statement} (flagged when broken)`, () => {
      const broken = BREAK[inv.id];
      expect(broken, `no broken trace for invariant ${inv.id}: add one to BREAK`).toBeDefined();
      const base = baseRun();
      const rules = checkInvariants(base.ctx, broken!(base.steps)).map((v) => v.rule);
      expect(rules).toContain(inv.id);
    });
  }
});

/** fast-check reports the scenario as C, not as raw objects. */
test('counterexamples print as the graph JSON and the C sequence', () => {
  const s = readable({ graph: G, calls: CALLS });
  const text = fc.stringify(s);
  expect(text).toContain('"name":"liba.so"');
  expect(text).toContain('void *h0 = dlmopen(LM_ID_NEWLM, "liba.so", RTLD_NOW | RTLD_SHARED);');
});
