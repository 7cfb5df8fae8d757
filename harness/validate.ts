import fc from 'fast-check';
import type { Implementation, SystemInfo } from '../adapters/implementation.ts';
import { arbScenario, type Scenario } from '../generators/calls.ts';
import type { GraphOptions } from '../generators/graph.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';
import { SPEC_VERSION, type Counterexample } from './counterexample.ts';
import { judge, type Finding } from './judge.ts';

export interface ValidateOptions {
  readonly profile: Profile;
  readonly runs: number;
  readonly seed?: number;
  /** Replay a fast-check path (with its seed) instead of searching. */
  readonly path?: string;
  readonly maxCalls?: number;
  readonly graph?: GraphOptions;
  /** Generate no call that hits a known loader bug (spec/known-bugs.ts). */
  readonly avoidKnownBugs?: boolean;
  /** Called after every sequence the implementation ran (searching and shrinking). */
  readonly onProgress?: (p: Progress) => void;
  /** Called once with the first (unshrunk) failure, before shrinking starts. */
  readonly onFirstFailure?: (c: Counterexample) => void;
}

export interface Progress {
  readonly runs: number;
  readonly shrinking: boolean;
  readonly failures: number;
  readonly elapsedMs: number;
}

export interface Validation {
  readonly implementation: string;
  readonly profile: Profile;
  readonly seed: number;
  /** Sequences generated before the first failure (or all of them). */
  readonly runs: number;
  /** Sequences run in all, shrinking included. */
  readonly executions: number;
  readonly elapsedMs: number;
  readonly counterexample: Counterexample | null;
}

/**
 * Validate an implementation against the spec: random graphs and sequences
 * (generated against the implementation's own start-up state), every
 * observation judged; the first failure is shrunk by fast-check.
 */
export async function validate(impl: Implementation, opts: ValidateOptions): Promise<Validation> {
  const info = await impl.hello();
  const system = { system: info.system, initial: info.initial };
  const seed = opts.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const started = Date.now();
  let executions = 0;
  let failures = 0;
  let shrinking = false;
  let last: { scenario: Scenario; finding: Finding } | null = null;

  const counterexample = (scenario: Scenario, finding: Finding, path: string | null): Counterexample => ({
    format: 'dlmspec-counterexample',
    specVersion: SPEC_VERSION,
    profile: opts.profile,
    implementation: describe(impl, info),
    system,
    graph: scenario.graph,
    // Calls after the first divergence cannot change it: a reader sees only what matters.
    calls: scenario.calls.slice(0, finding.step + 1),
    seed,
    path,
    finding,
  });

  const property = fc.asyncProperty(
    arbScenario({ profile: opts.profile, system, maxCalls: opts.maxCalls ?? 12, avoidKnownBugs: opts.avoidKnownBugs ?? false, ...opts.graph }),
    async (scenario) => {
      const finding = await check(impl, opts.profile, info, scenario);
      executions++;
      if (finding !== null) {
        failures++;
        if (!shrinking) opts.onFirstFailure?.(counterexample(scenario, finding, null));
        shrinking = true;
        last = { scenario, finding };
      }
      opts.onProgress?.({ runs: executions, shrinking, failures, elapsedMs: Date.now() - started });
      return finding === null;
    },
  );
  const details = await fc.check(property, {
    numRuns: opts.runs,
    seed,
    ...(opts.path !== undefined ? { path: opts.path } : {}),
  });
  const failed = last as { scenario: Scenario; finding: Finding } | null;
  // A predicate that threw: a harness error, not a finding.
  if (details.failed && failed === null) throw details.errorInstance ?? new Error('validation aborted without a failing run');
  return {
    implementation: describe(impl, info),
    profile: opts.profile,
    seed,
    runs: details.numRuns,
    executions,
    elapsedMs: Date.now() - started,
    counterexample: details.failed && failed !== null ? counterexample(failed.scenario, failed.finding, details.counterexamplePath) : null,
  };
}

/** Run one scenario on the implementation and judge it against the spec. */
export async function check(impl: Implementation, profile: Profile, info: SystemInfo, scenario: Scenario): Promise<Finding | null> {
  const expected = runSpec(profile, scenario.graph, scenario.calls, info);
  // Adapters report implementation misbehaviour as outcomes; what they throw is
  // a harness error (a DSO that does not build, ...) and propagates.
  return judge(expected.steps, await impl.run(scenario.graph, scenario.calls));
}

function describe(impl: Implementation, info: SystemInfo): string {
  return `${impl.name} (${info.implementation})`;
}
