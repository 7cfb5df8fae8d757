/**
 * Metamorphic properties of the spec: transformations of a scenario whose
 * effect on the outcome is known without knowing the outcome (renaming,
 * inserting a read-only call, swapping independent calls). Each runs RUNS
 * random scenarios per profile; a counterexample prints as the graph JSON
 * and the C call sequence (see `readable`). More in
 * metamorphic.rollback.test.ts (split so that the two files run in parallel).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { liveHandles } from '../generators/calls.ts';
import { SYMBOLS } from '../generators/graph.ts';
import type { Call } from '../model/call.ts';
import type { LoaderState } from '../model/state.ts';
import { PROFILES } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';
import {
  canonicalState,
  context,
  independent,
  insertCall,
  renameCalls,
  renameGraph,
  renameObservation,
  renumberObservation,
  renumberState,
  scenarios,
  shown,
  swapCalls,
  swapIndex,
  type Renumber,
  sameAs,
} from './transform.ts';

/** DLMSPEC_RUNS overrides the number of runs per property (1000 by default). */
const RUNS = Number(process.env.DLMSPEC_RUNS ?? 1000);

/** Fresh names a renaming may use besides the graph's own. */
const FRESH = ['libr0.so', 'libr1.so', 'libr2.so', 'libzz.so', 'libq_x.so', 'libz9.so'];

describe.each(PROFILES)('metamorphic properties (%s)', (profile) => {
  test.prop(
    [
      scenarios(profile).chain((s) =>
        fc
          .shuffledSubarray([...s.graph.dsos.map((d) => d.name), ...FRESH], { minLength: s.graph.dsos.length, maxLength: s.graph.dsos.length })
          .map((names) => ({ s, map: new Map(s.graph.dsos.map((d, i) => [d.name, names[i] as string])) })),
      ),
    ],
    { numRuns: RUNS },
  )('renaming DSOs renames the outcome and changes nothing else', ({ s, map }) => {
    const renamed = { graph: renameGraph(s.graph, map), calls: renameCalls(s.calls, map) };
    const a = runSpec(profile, s.graph, s.calls);
    const b = runSpec(profile, renamed.graph, renamed.calls);
    const msg = context(`renaming ${JSON.stringify([...map])}`, s, renamed);
    sameAs(shown(b), shown(a).map((o) => renameObservation(o, map)), msg);
    sameAs(b.final, renameState(a.final, map), msg);
  });

  test.prop([scenarios(profile), fc.nat(), fc.nat(), fc.boolean(), fc.nat(SYMBOLS.length)], { numRuns: RUNS })(
    'inserting a dlsym or dlinfo anywhere changes no state',
    (s, where, which, sym, symbol) => {
      const a = runSpec(profile, s.graph, s.calls);
      const states = [...a.steps.map((st) => st.before), a.final];
      const places = states.flatMap((st, i) => (liveHandles(st).length > 0 ? [i] : []));
      fc.pre(places.length > 0);
      const at = places[where % places.length] as number;
      const live = liveHandles(states[at] as LoaderState);
      const handle = live[which % live.length] as number;
      const extra: Call = sym ? { op: 'dlsym', handle, symbol: SYMBOLS[symbol] ?? 'nosuchsym' } : { op: 'dlinfo', handle };
      const t = { graph: s.graph, calls: insertCall(s.calls, at, extra) };
      const b = runSpec(profile, t.graph, t.calls);
      const shift: Renumber = (h) => (h >= at ? h + 1 : h);
      const msg = context(`inserted at ${at}`, s, t);
      expect(b.steps[at]!.after, msg).toBe(b.steps[at]!.before);
      const without = shown(b).filter((_, i) => i !== at);
      sameAs(without, shown(a).map((o) => renumberObservation(o, shift)), msg);
      sameAs(b.final, renumberState(a.final, shift), msg);
    },
  );

  test.prop([scenarios(profile), fc.nat()], { numRuns: RUNS })(
    'swapping two adjacent independent calls changes no observation and no final state (up to entry ids)',
    (s, pick) => {
      const a = runSpec(profile, s.graph, s.calls);
      const pairs = s.calls.flatMap((_, i) => (independent(profile, a, i) ? [i] : []));
      fc.pre(pairs.length > 0);
      const at = pairs[pick % pairs.length] as number;
      const t = { graph: s.graph, calls: swapCalls(s.calls, at) };
      const b = runSpec(profile, t.graph, t.calls);
      const f = swapIndex(at);
      const msg = context(`swapped calls ${at} and ${at + 1}`, s, t);
      const want = shown(a).map((o) => renumberObservation(o, f));
      const got = shown(b);
      // The pair itself: each call shows the same result and events in either order.
      for (const [i, j] of [[at, at + 1], [at + 1, at]] as const) {
        sameAs({ result: got[j]!.result, events: got[j]!.events, order: got[j]!.order }, {
          result: want[i]!.result,
          events: want[i]!.events,
          order: want[i]!.order,
        }, msg);
      }
      // After the pair, everything is as before.
      sameAs(got.slice(at + 2), want.slice(at + 2), msg);
      sameAs(canonicalState(b.final), canonicalState(renumberState(a.final, f)), msg);
    },
  );
});

function renameState(s: LoaderState, map: ReadonlyMap<string, string>): LoaderState {
  const entries = Object.fromEntries(Object.entries(s.entries).map(([id, e]) => [id, { ...e, object: map.get(e.object) ?? e.object }]));
  return { ...s, entries };
}
