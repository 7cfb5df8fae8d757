/**
 * A scenario run on one implementation: every row judged by the spec
 * (harness/judge.ts, as `validate` judges a sequence) and, where the row has
 * expectations, by them too, both for the spec's own step and for what the
 * implementation showed. A table is thereby also a test of the spec.
 */
import type { Implementation, RunOutcome, SystemInfo } from '../adapters/implementation.ts';
import type { Observation } from '../model/observation.ts';
import { SPEC_VERSION, type Counterexample } from '../harness/counterexample.ts';
import { judge, type Finding } from '../harness/judge.ts';
import type { Profile } from '../spec/profile.ts';
import { describedSystem, runSpec, type SystemDescription } from '../spec/run.ts';
import type { Step } from '../spec/step.ts';
import { rowMismatch } from './check.ts';
import type { Scenario } from './scenario.ts';

export interface RowVerdict {
  readonly index: number;
  /** The spec's own step breaks the row's expectations: the table and the spec disagree. */
  readonly spec: string | null;
  /** The implementation's observation breaks the row's expectations. */
  readonly table: string | null;
  /** The implementation departs from the spec here (the run's first finding). */
  readonly finding: Finding | null;
  /** What the implementation showed; null once it stopped answering. */
  readonly observed: Observation | null;
  readonly step: Step;
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly profile: Profile;
  readonly rows: readonly RowVerdict[];
  readonly finding: Finding | null;
  /** The run as a counterexample (for `repro`, `report`, `replay`) when the implementation departed from the spec. */
  readonly counterexample: Counterexample | null;
}

export const rowHolds = (r: RowVerdict): boolean => r.spec === null && r.table === null && r.finding === null && r.observed !== null;
export const runHolds = (r: ScenarioRun): boolean => r.finding === null && r.rows.every(rowHolds);

/** Run a scenario on an implementation that already said hello; `profile` overrides the scenario's. */
export async function runScenario(impl: Implementation, info: SystemInfo, scenario: Scenario, profile: Profile = scenario.profile, system: SystemDescription = describedSystem(info)): Promise<ScenarioRun> {
  const calls = scenario.rows.map((r) => r.call);
  // Judged at the implementation's own release, as `validate` judges it (`system`: harness/backports.ts loaderSystem).
  const steps = runSpec(profile, scenario.graph, calls, system).steps;
  let outcome: RunOutcome;
  try {
    outcome = await impl.run(scenario.graph, calls);
  } catch (e) {
    if ((e as Error).name === 'BuildError') throw e;
    outcome = { status: 'protocol-error', observations: [], detail: `implementation failed: ${(e as Error).message}` };
  }
  const finding = judge(steps, outcome);
  const rows = scenario.rows.map((row, i): RowVerdict => {
    const step = steps[i]!;
    const observed = outcome.observations[i] ?? null;
    const want = row.expect;
    return {
      index: i,
      spec: want ? rowMismatch(want, step.expected, scenario.graph) : null,
      table: want && observed ? rowMismatch(want, observed, scenario.graph) : null,
      finding: finding !== null && finding.step === i ? finding : null,
      observed,
      step,
    };
  });
  const counterexample: Counterexample | null =
    finding === null
      ? null
      : { format: 'dlmspec-counterexample', specVersion: SPEC_VERSION, profile, implementation: info.implementation, system, graph: scenario.graph, calls, seed: 0, path: null, finding };
  return { scenario, profile, rows, finding, counterexample };
}
