/**
 * The spec checked against itself, in process: random scenarios for a
 * profile, every invariant of spec/invariants.ts after every step (the same
 * property as properties/invariants.test.ts, with rule tallies), and
 * fast-check's shrinking for a failure.
 */
import fc from 'fast-check';
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import { arbCheckedScenario, type Scenario } from '../generators/calls.ts';
import { checkInvariants, INVARIANTS, type Violation } from '../spec/invariants.ts';
import type { Profile } from '../spec/profile.ts';
import { bump, isInvariantOnly, type RuleCounts } from './rules.ts';

export interface SpecCheckOptions {
  readonly runs: number;
  readonly seed: number;
  readonly maxCalls?: number;
  readonly onProgress?: (p: { runs: number; failures: number; shrinking: boolean; elapsedMs: number }) => void;
  /** Stop when aborted (SIGINT/SIGTERM): the result says `interrupted`. */
  readonly signal?: AbortSignal;
}

export interface SpecFailure {
  readonly graph: DsoGraph;
  readonly calls: readonly Call[];
  /** Invariants broken after some step; empty when the spec itself threw. */
  readonly violations: readonly Violation[];
  /** The exception, when the spec threw instead of producing a step. */
  readonly error: string | null;
  readonly path: string | null;
}

export interface SpecCheck {
  readonly profile: Profile;
  readonly seed: number;
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly rules: RuleCounts;
  readonly failure: SpecFailure | null;
  readonly interrupted: boolean;
}

/** How often the check lets the event loop turn, so that a signal handler runs (the spec answers without I/O). */
const YIELD_EVERY_MS = 20;

export async function checkSpec(profile: Profile, opts: SpecCheckOptions): Promise<SpecCheck> {
  const started = Date.now();
  const rules: RuleCounts = {};
  // Invariants that are rules of their own (NS1, LOAD2, S13...) count the steps that exercised
  // them, like any rule; the INV- ones, which no step exercises as such, count the steps checked.
  const invariants = INVARIANTS.filter((i) => i.profiles.includes(profile) && isInvariantOnly(i.id)).map((i) => i.id);
  let runs = 0;
  let steps = 0;
  let failures = 0;
  let shrinking = false;
  let last: { scenario: Scenario; violations: Violation[]; error: string | null } | null = null;
  let yielded = Date.now();

  // The spec's run of each sequence is the one its generation made (generators/calls.ts CheckedScenario).
  const property = fc.asyncProperty(arbCheckedScenario({ profile, maxCalls: opts.maxCalls ?? 12 }), async ({ scenario, run }) => {
    if (Date.now() - yielded >= YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      yielded = Date.now();
    }
    // fast-check's own interrupt: no more generating or shrinking; a failure found so far is kept.
    if (opts.signal?.aborted) throw new fc.PreconditionFailure(true);
    runs++;
    let violations: Violation[] = [];
    let error: string | null = null;
    let stepRules: string[][] = [];
    try {
      stepRules = run.steps.map((s) => [...s.rules]);
      violations = checkInvariants(run.ctx, run.steps);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const ok = violations.length === 0 && error === null;
    if (!shrinking) {
      steps += stepRules.length;
      for (const r of stepRules) bump(rules, r, 'exercised');
      bump(rules, invariants, 'exercised', stepRules.length);
    }
    if (!ok) {
      failures++;
      shrinking = true;
      last = { scenario, violations, error };
    }
    opts.onProgress?.({ runs, failures, shrinking, elapsedMs: Date.now() - started });
    return ok;
  });
  const details = await fc.check(property, { numRuns: opts.runs, seed: opts.seed });
  const failed = last as { scenario: Scenario; violations: Violation[]; error: string | null } | null;
  let failure: SpecFailure | null = null;
  if (details.failed && failed !== null) {
    failure = { ...failed.scenario, violations: failed.violations, error: failed.error, path: details.counterexamplePath };
    for (const v of failed.violations) bump(rules, [v.rule], 'failures');
    if (failed.error !== null) bump(rules, ['SPEC-ERROR'], 'failures');
  }
  return { profile, seed: opts.seed, runs: details.numRuns, steps, elapsedMs: Date.now() - started, rules, failure, interrupted: opts.signal?.aborted === true };
}
