/**
 * The spec's outcomes on many generated scenarios, in a compact form: what
 * properties/fixtures/spec-outcomes.json.gz records (written by
 * `npx tsx properties/equivalence.record.ts`) and
 * properties/equivalence.test.ts compares the spec with, so a rewrite of
 * spec/ that changes any outcome fails.
 *
 * Per scenario: a digest of the scenario itself (to tell a generator that
 * drifted from a spec that did), a digest of every step's result, events,
 * order constraints (as a set) and namespace lists, together with the
 * invariant verdicts on the spec's own run and on one model mutant's run of
 * the same calls (so the checker's verdicts are recorded where they are not
 * all "kept"), and the rules each step exercised, recorded separately.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { arbScenario, type Scenario } from '../generators/calls.ts';
import { MODEL_MUTANTS } from '../mutants/models.ts';
import { ORDER_MUTANTS } from '../mutants/order.ts';
import { mutantOps, traceModel } from '../mutants/mutant.ts';
import { checkInvariants } from '../spec/invariants.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';

export const FIXTURE = new URL('fixtures/spec-outcomes.json.gz', import.meta.url);

/** How the recorded scenarios are generated: `chunks` samples of `perChunk` per profile, seeds 1..chunks. */
export const PLAN = { chunks: 10, perChunk: 1000 } as const;

export interface ScenarioRecord {
  /** Digest of the scenario (graph and calls). */
  readonly scenario: string;
  /** Digest of the outcomes and invariant verdicts. */
  readonly outcome: string;
  /** Rules exercised, per step, sorted. */
  readonly rules: readonly (readonly string[])[];
}

export interface Fixture {
  readonly plan: typeof PLAN;
  /** Per profile, per chunk: one line per scenario (see encodeRecord). */
  readonly records: Record<Profile, string[][]>;
}

const digest = (value: unknown, bytes: number): string => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, Math.ceil((bytes * 4) / 3));

/** The scenarios of one chunk: a deterministic sample of the default scenario generator. */
export function chunkScenarios(profile: Profile, chunk: number): Scenario[] {
  return fc.sample(arbScenario({ profile }), { seed: chunk + 1, numRuns: PLAN.perChunk });
}

/** The model mutants of a profile, one of which runs each scenario. */
// Audit mutants change only what an auditor hears, never the state the invariants read; the order mutants
// (mutants/order.ts) only the order of events but for reldeps-ignored, whose verdicts spec-kill.test.ts pins. The
// fixture predates both, and leaving them out keeps each scenario's mutant where it was.
const mutantsOf = (profile: Profile) => MODEL_MUTANTS.filter((m) => m.profile === profile && !m.audit && !ORDER_MUTANTS.includes(m));

/** What the spec (and its invariant checker, on the spec and on a mutant) makes of scenario number `i` of a chunk. */
export function recordScenario(profile: Profile, s: Scenario, i: number): ScenarioRecord {
  const run = runSpec(profile, s.graph, s.calls);
  const steps = run.steps.map((st) => {
    const { result, events, order, namespaces } = st.expected;
    const pairs = order.map(([a, b]) => `${a}<${b}`).sort();
    return { result, events, order: pairs, namespaces };
  });
  const mutants = mutantsOf(profile);
  const mutant = mutants[i % mutants.length]!;
  const trace = traceModel(profile, mutantOps(mutant), s.graph, s.calls);
  const verdicts = { spec: checkInvariants(run.ctx, run.steps), mutant: mutant.name, onMutant: checkInvariants(trace.ctx, trace.steps), error: trace.error };
  return { scenario: digest(s, 6), outcome: digest({ steps, verdicts }, 9), rules: run.steps.map((st) => [...st.rules].sort()) };
}

/** One line: `scenario outcome rules`, rules as step lists joined by `;`, a step's IDs by `,` (`-`: none). */
export const encodeRecord = (r: ScenarioRecord): string => `${r.scenario} ${r.outcome} ${r.rules.map((x) => (x.length === 0 ? '-' : x.join(','))).join(';')}`;

export function decodeRecord(line: string): ScenarioRecord {
  const [scenario = '', outcome = '', rules = ''] = line.split(' ');
  return { scenario, outcome, rules: rules === '' ? [] : rules.split(';').map((x) => (x === '-' ? [] : x.split(','))) };
}
