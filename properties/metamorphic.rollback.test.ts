/**
 * Metamorphic properties, continued (see metamorphic.test.ts): dropping a
 * failed open (LOAD4), determinism, and the relations between the two
 * profiles. RUNS random scenarios each; counterexamples print as the graph
 * JSON and the C call sequence.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { arbAbstractCall, concretize } from '../generators/calls.ts';
import { arbGraph } from '../generators/graph.ts';
import type { Call } from '../model/call.ts';
import { RTLD_ISOLATE, RTLD_SHARED } from '../model/mode.ts';
import { referenceSystem } from '../spec/initial.ts';
import { PROFILES } from '../spec/profile.ts';
import { runSpec, type SystemDescription } from '../spec/run.ts';
import { context, describeScenario, dropCall, readable, renumberObservation, renumberState, sameAs, scenarios, shown, type Renumber } from './transform.ts';

/** DLMSPEC_RUNS overrides the number of runs per property (1000 by default). */
const RUNS = Number(process.env.DLMSPEC_RUNS ?? 1000);

describe.each(PROFILES)('metamorphic properties (%s)', (profile) => {
  test.prop([scenarios(profile), fc.nat()], { numRuns: RUNS })(
    '[LOAD4] dropping a failed open changes nothing else (handles renumbered)',
    (s, pick) => {
      const a = runSpec(profile, s.graph, s.calls);
      const failed = a.steps.flatMap((st, i) => ((st.call.op === 'dlopen' || st.call.op === 'dlmopen') && st.expected.result.kind === 'null' ? [i] : []));
      fc.pre(failed.length > 0);
      const at = failed[pick % failed.length] as number;
      const t = { graph: s.graph, calls: dropCall(s.calls, at) };
      const b = runSpec(profile, t.graph, t.calls);
      const shift: Renumber = (h) => (h > at ? h - 1 : h);
      const msg = context(`dropped failed call ${at}`, s, t);
      sameAs(shown(b), shown(a).filter((_, i) => i !== at).map((o) => renumberObservation(o, shift)), msg);
      sameAs(b.final, renumberState(a.final, shift), msg);
    },
  );

  test.prop([scenarios(profile)], { numRuns: RUNS })('the spec is deterministic: two runs show the same', (s) => {
    const a = runSpec(profile, s.graph, s.calls);
    const b = runSpec(profile, structuredClone(s.graph), structuredClone([...s.calls]));
    const msg = describeScenario(s);
    sameAs(shown(b), shown(a), msg);
    sameAs(b.final, a.final, msg);
  });
});

/** Abstract calls without the bits only the RTLD_SHARED series knows (0x40 and 0x80). */
const plainCalls = fc.array(
  arbAbstractCall.map((c) => {
    const plain = (mode: number) => mode & ~(RTLD_SHARED | RTLD_ISOLATE);
    if ('mode' in c) return { ...c, mode: plain(c.mode) };
    // A close's follow-up open (generators/calls.ts) carries a mode too.
    return c.op === 'dlclose' && c.reopen !== null ? { ...c, reopen: plain(c.reopen) } : c;
  }),
  { minLength: 1, maxLength: 12 },
);
/** Scenarios without RTLD_SHARED/RTLD_ISOLATE bits, concretized under glibc on `sys`. */
const plainScenarios = (sys: SystemDescription, unique: boolean) =>
  fc
    .tuple(arbGraph({ unique }), plainCalls)
    .map(([graph, abstract]) => readable({ graph, calls: concretize('glibc', graph, abstract, sys) }));
// RTLD_ISOLATE is a dlmopen flag (dlopen refuses it, MODE6): dlmopen calls
// get it, and sequences with a dlopen made from code in N (which could share
// a UNIQUE object there) are left out of the relation.
const isolate = (calls: readonly Call[]): Call[] => calls.map((c) => (c.op === 'dlmopen' ? { ...c, mode: c.mode | RTLD_ISOLATE } : c));
const noCallerDlopen = (s: { calls: readonly Call[] }): boolean => !s.calls.some((c) => c.op === 'dlopen' && c.caller !== undefined);

describe('profile relations', () => {
  const plain = referenceSystem(false);
  test.prop([plainScenarios(plain, false)], { numRuns: RUNS })(
    'with no RTLD_SHARED, no RTLD_ISOLATE, no UNIQUE object and a non-UNIQUE libc, rtld-shared behaves as glibc',
    (s) => {
      const g = runSpec('glibc', s.graph, s.calls, plain);
      const r = runSpec('rtld-shared', s.graph, s.calls, plain);
      const msg = describeScenario(s);
      sameAs(shown(r), shown(g), msg);
      sameAs(r.final, g.final, msg);
    },
  );

  const patched = referenceSystem(true);
  test.prop([plainScenarios(patched, true).filter(noCallerDlopen)], { numRuns: RUNS })(
    '[S9] rtld-shared with RTLD_ISOLATE on every dlmopen behaves as stock glibc without it (UNIQUE objects and a UNIQUE libc included)',
    (s) => {
      const isolated = isolate(s.calls);
      const g = runSpec('glibc', s.graph, s.calls, patched);
      const r = runSpec('rtld-shared', s.graph, isolated, patched);
      const msg = context('RTLD_ISOLATE added to every open under rtld-shared', s, { graph: s.graph, calls: isolated });
      sameAs(shown(r), shown(g), msg);
      sameAs(r.final, g.final, msg);
    },
  );
});

