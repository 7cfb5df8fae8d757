/**
 * The validation loop, the one every command and test runs: random graphs
 * and sequences (generated against the implementation's own start-up state),
 * every observation judged by the spec, run once per sequence.
 *
 * A failure is shrunk by fast-check. With `maxFindings` above 1 the search
 * then goes on with the rest of the budget, from a seed derived from the
 * base seed and the round (deterministic: the same seed and options give the
 * same findings, in the same order). Failures that are a finding already
 * known (harness/findings.ts `findingKey`) are counted as occurrences and
 * neither shrunk nor saved again; while a new finding shrinks, candidates
 * that fall into a known one count as passing, so each shrinks on its own.
 *
 * With `record`, every finding is written to its own counterexample file as
 * soon as it is found and again once shrunk, and a results file ends the run.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Implementation, SystemInfo } from '../adapters/implementation.ts';
import { canPrefetch } from '../adapters/pool.ts';
import { arbCheckedScenario, type Scenario } from '../generators/calls.ts';
import { generatedOnce } from '../generators/generated-once.ts';
import type { GraphOptions } from '../generators/graph.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec, type SystemDescription } from '../spec/run.ts';
import { loaderSystem } from './backports.ts';
import { SPEC_VERSION, type Counterexample } from './counterexample.ts';
import { counterexampleFile, writeCounterexample, type ImplOptions } from './counterexample-file.ts';
import { EnvironmentError } from './files.ts';
import { findingKey } from './findings.ts';
import { judge, type Finding } from './judge.ts';
import type { ProgressSink } from './progress.ts';
import { progressText } from './progress.ts';
import { counterexampleName, DEFAULT_GENERATION, resultsFile, resultsName, runStem, writeResults, type ResultsFile, type RunOptions } from './results.ts';
import { bump, type RuleCounts } from './rules.ts';
import { mixSeed, type Shard } from './shard.ts';
import { steeredArbitrary } from './steer.ts';

export const DEFAULT_MAX_CALLS = DEFAULT_GENERATION.maxCalls;

export interface ValidateOptions {
  /** null or absent: chosen from the implementation's hello by `chooseProfile`. */
  readonly profile: Profile | null;
  /** The glibc release to judge by (`--glibc-version`); absent: the one the implementation's hello names. */
  readonly release?: string;
  readonly chooseProfile?: (info: SystemInfo) => Profile;
  /** Sequences to generate (shrinking runs not counted). */
  readonly runs: number;
  readonly seed?: number;
  /** The shard this run is (recorded; the caller derives seed and runs). */
  readonly shard?: Shard | null;
  /** Replay a fast-check path (with its seed) instead of searching: one finding at most. */
  readonly path?: string;
  readonly maxCalls?: number;
  readonly graph?: GraphOptions;
  /** Generate no call that hits a known loader bug (generators/known-bugs.ts). */
  readonly avoidKnownBugs?: boolean;
  /** Steer generation to sequences with a step exercising one of these rules (harness/steer.ts); an unreachable one is an UnreachableRules error. */
  readonly steer?: readonly string[];
  /** Stop after this many distinct findings (default 1). */
  readonly maxFindings?: number;
  /** Stop generating when aborted: what was found is kept and recorded, the result says `interrupted`. */
  readonly signal?: AbortSignal;
  /** Called after every sequence the implementation ran (searching and shrinking). */
  readonly onProgress?: (p: Progress) => void;
  /** Called with each new failure before it is shrunk (a failure of a known finding is not new). */
  readonly onFirstFailure?: (c: Counterexample) => void;
  /** Write counterexample and results files, and progress lines. */
  readonly record?: RecordOptions;
}

export interface RecordOptions {
  readonly outDir: string;
  /** The `--impl` text and options, recorded in the files. */
  readonly impl: string;
  readonly implOptions: ImplOptions;
  /** The run's base seed, before any shard derivation. */
  readonly baseSeed: number;
  readonly progress: ProgressSink;
  /** A label for progress lines, e.g. "native". */
  readonly label: string;
}

export interface Progress {
  readonly runs: number;
  readonly shrinking: boolean;
  readonly failures: number;
  readonly elapsedMs: number;
}

/** One distinct finding of a run. */
export interface DistinctFinding {
  readonly index: number;
  readonly key: string;
  readonly counterexample: Counterexample;
  /** Rules the failing step exercised. */
  readonly rules: readonly string[];
  /** Failures seen in the search that are this finding (the first included). */
  readonly occurrences: number;
  /** False when the run was interrupted while it shrank. */
  readonly shrunk: boolean;
  /** The sequence (1-based, of those generated) that first showed it. */
  readonly foundAtRun: number;
  /** Its counterexample file, when recorded. */
  readonly file: string | null;
}

export interface Validation {
  readonly implementation: string;
  readonly profile: Profile;
  /** The glibc release judged; null: the newest behaviour. */
  readonly release: string | null;
  /** Known loader bugs the spec modelled at that release: steps whose expectation followed each. */
  readonly modelledBugs: Readonly<Record<string, number>>;
  readonly seed: number;
  /** Sequences generated (shrinking not counted). */
  readonly runs: number;
  /** Sequences run in all, shrinking and message checks included. */
  readonly executions: number;
  readonly elapsedMs: number;
  /** The first distinct finding's counterexample, or null. */
  readonly counterexample: Counterexample | null;
  readonly findings: readonly DistinctFinding[];
  /** Rules exercised by the steps the implementation got through while searching; failures per distinct finding. */
  readonly rules: RuleCounts;
  readonly interrupted: boolean;
  readonly results: ResultsFile | null;
  readonly resultsPath: string | null;
}

/**
 * How often the loop lets the event loop turn: an implementation that
 * answers at once (the spec) resolves in microtasks only, and a signal
 * handler, which runs as a macrotask, would never see its turn.
 */
const YIELD_EVERY_MS = 20;

/** fast-check's own interrupt: it stops generating and shrinking, and keeps the failure found so far. */
const interrupt = () => new fc.PreconditionFailure(true);

export type Failure = { scenario: Scenario; finding: Finding; rules: readonly string[] };

/**
 * Validate an implementation against the spec. One hello; a hello that fails
 * is an EnvironmentError (nothing can be validated), anything the
 * implementation does in a run is a finding.
 */
export async function validate(impl: Implementation, opts: ValidateOptions): Promise<Validation> {
  const started = Date.now();
  let info: SystemInfo;
  try {
    info = await impl.hello();
  } catch (e) {
    if ((e as Error).name === 'BuildError' || e instanceof EnvironmentError) throw e;
    throw new EnvironmentError(`cannot validate ${impl.name}: its handshake failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const profile = opts.profile ?? opts.chooseProfile?.(info) ?? 'glibc';
  // The release judged: --glibc-version, else what the loader says it is, else the newest behaviour.
  const release = opts.release ?? info.release;
  const system = await loaderSystem(impl, info, profile, release);
  const seed = opts.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const maxFindings = opts.path !== undefined ? 1 : (opts.maxFindings ?? 1);
  const maxCalls = opts.maxCalls ?? DEFAULT_MAX_CALLS;
  const avoidKnownBugs = opts.avoidKnownBugs ?? false;
  const implementation = `${impl.name} (${info.implementation})`;
  const rec = opts.record;
  const runOptions: RunOptions | null =
    rec === undefined
      ? null
      : { impl: rec.impl, implOptions: rec.implOptions, profile, runs: opts.runs, seed: rec.baseSeed, shard: opts.shard ?? null, maxCalls, maxFindings, strict: !avoidKnownBugs };
  const stem = runOptions === null ? '' : runStem(runOptions);
  const label = rec === undefined ? '' : `${rec.label} / ${profile}`;
  const fileOf = (index: number) => (rec === undefined ? null : join(rec.outDir, counterexampleName(stem, index)));

  const rules: RuleCounts = {};
  const modelled: RuleCounts = {};
  const findings: DistinctFinding[] = [];
  /** Keys of failures (unshrunk and shrunk) -> the finding they are. */
  const known = new Map<string, number>();
  const occurrences: number[] = [];
  let generated = 0;
  let executions = 0;
  let failures = 0;
  let interrupted = false;
  let yielded = Date.now();

  // The process extension's calls and graphs only for an implementation that speaks it (PROTOCOL.md section 9).
  const arbOpts = { profile, system, maxCalls, avoidKnownBugs, process: info.extensions?.process === 1, ...opts.graph };
  const scenarios = (opts.steer ?? []).length > 0 ? steeredArbitrary(arbOpts, opts.steer!, opts.runs, seed) : arbCheckedScenario(arbOpts);
  // A pool of servers (--jobs) runs the sequences fast-check is about to generate ahead: each is generated once, for both.
  const lookAhead = opts.path === undefined && canPrefetch(impl) ? generatedOnce(scenarios) : null;
  const arb = lookAhead?.runner ?? scenarios;
  const counterexample = (scenario: Scenario, finding: Finding, path: string | null): Counterexample => ({
    format: 'dlmspec-counterexample',
    specVersion: SPEC_VERSION,
    profile,
    implementation,
    system,
    strict: !avoidKnownBugs,
    graph: scenario.graph,
    calls: scenario.calls,
    seed,
    path,
    finding,
  });
  const save = (file: string | null, c: Counterexample, shrunk: boolean) =>
    file === null || rec === undefined ? Promise.resolve() : writeCounterexample(file, counterexampleFile(c, { impl: rec.impl, implOptions: rec.implOptions, shrunk }));

  for (let round = 0; generated < opts.runs && findings.length < maxFindings && !interrupted; round++) {
    const roundSeed = round === 0 ? seed : mixSeed(seed, round);
    let shrinking = false;
    let first: { key: string; atRun: number } | null = null;
    let last: Failure | null = null;
    let writing: Promise<void> = Promise.resolve();

    // The spec's run of each sequence is the one its generation made (generators/calls.ts CheckedScenario).
    const property = fc.asyncProperty(arb, async ({ scenario, run: spec }) => {
      if (Date.now() - yielded >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        yielded = Date.now();
      }
      if (opts.signal?.aborted) throw interrupt();
      const outcome = await impl.run(scenario.graph, scenario.calls);
      executions++;
      const finding = judge(spec.steps, outcome);
      if (!shrinking) {
        generated++;
        const through = Math.min(outcome.observations.length, scenario.calls.length - 1);
        for (const s of spec.steps.slice(0, through + 1)) {
          bump(rules, s.rules, 'exercised');
          bump(modelled, s.bugs, 'exercised');
        }
      }
      let fails = false;
      if (finding !== null) {
        const stepRules = [...(spec.steps[finding.step]?.rules ?? [])];
        const key = findingKey(finding);
        const seen = known.get(key);
        if (seen !== undefined) {
          if (!shrinking) occurrences[seen]!++;
        } else {
          fails = true;
          failures++;
          if (!shrinking) {
            shrinking = true;
            first = { key, atRun: generated };
            const c = counterexample(scenario, finding, null);
            opts.onFirstFailure?.(c);
            const file = fileOf(findings.length + 1);
            rec?.progress.log(`${label}: ${finding.kind} found at run ${generated} (${scenario.calls.length} calls)${file !== null ? `; saved to ${file}` : ''}; shrinking...`);
            writing = save(file, c, false);
          }
          last = { scenario, finding, rules: stepRules };
        }
      }
      const p = { runs: executions, shrinking, failures, elapsedMs: Date.now() - started };
      opts.onProgress?.(p);
      rec?.progress.update(progressText(label, p, opts.runs));
      return !fails;
    });
    if (lookAhead !== null && canPrefetch(impl)) impl.prefetch((from, count) => fc.sample(lookAhead.sampler, { seed: roundSeed, path: String(from), numRuns: count }).map((c) => c.scenario), opts.runs - generated);
    const details = await fc.check(property, {
      numRuns: opts.runs - generated,
      seed: roundSeed,
      ...(opts.path !== undefined ? { path: opts.path } : {}),
    });
    await writing;
    const failed = last as Failure | null;
    const start = first as { key: string; atRun: number } | null;
    const stopped = opts.signal?.aborted === true;
    if (details.failed && failed === null && !stopped) {
      // A predicate that threw: a harness error, not a finding.
      throw details.errorInstance ?? new Error('validation aborted without a failing run');
    }
    interrupted = stopped;
    if (failed === null || start === null) break;

    const shrunk = !stopped;
    // Stopped: the failing run as it ran (its message is that of these calls); the implementation is not run again.
    const settled = stopped
      ? { counterexample: counterexample(failed.scenario, failed.finding, null), rules: failed.rules, reran: false }
      : await settle(impl, profile, system, !avoidKnownBugs, failed, details.counterexamplePath, counterexample);
    executions += settled.reran ? 1 : 0;
    const key = findingKey(settled.counterexample.finding);
    const same = known.get(key);
    const index = findings.length + 1;
    if (same !== undefined) {
      // Shrunk onto a finding already known: one more occurrence of it.
      occurrences[same]!++;
      known.set(start.key, same);
      const file = fileOf(index);
      if (file !== null) await rm(file, { force: true });
      rec?.progress.log(`${label}: shrunk to ${settled.counterexample.calls.length} calls: finding ${same + 1} again`);
      continue;
    }
    known.set(start.key, findings.length);
    known.set(key, findings.length);
    occurrences.push(1);
    const file = fileOf(index);
    await save(file, settled.counterexample, shrunk);
    bump(rules, settled.rules.length > 0 ? settled.rules : ['(unattributed)'], 'failures');
    findings.push({ index, key, counterexample: settled.counterexample, rules: settled.rules, occurrences: 1, shrunk, foundAtRun: start.atRun, file });
    rec?.progress.log(
      `${label}: finding ${index}: ${settled.counterexample.finding.kind}${settled.counterexample.finding.aspect ? ` in ${settled.counterexample.finding.aspect}` : ''} (${settled.rules.join(' ') || 'no rule'}), ${shrunk ? 'shrunk' : 'interrupted while shrinking'} to ${settled.counterexample.calls.length} calls${file !== null ? `: ${file}` : ''}`,
    );
  }
  rec?.progress.done();

  const distinct = findings.map((f, i) => ({ ...f, occurrences: occurrences[i]! }));
  const base = {
    implementation,
    profile,
    release: release ?? null,
    modelledBugs: Object.fromEntries(Object.entries(modelled).map(([id, c]) => [id, c.exercised])),
    seed,
    runs: generated,
    executions,
    elapsedMs: Date.now() - started,
    counterexample: distinct[0]?.counterexample ?? null,
    findings: distinct,
    rules,
    interrupted,
  };
  if (runOptions === null || rec === undefined) return { ...base, results: null, resultsPath: null };
  const results = resultsFile(runOptions, { ...base, stem, finishedAt: new Date().toISOString() });
  const resultsPath = join(rec.outDir, resultsName(stem));
  await writeResults(resultsPath, results);
  return { ...base, results, resultsPath };
}

/**
 * The counterexample as saved: the calls up to the failing one (later calls
 * cannot change it), run once more so that the message, which may count the
 * calls, is that of the calls the file holds. When the shortened run does
 * not fail the same way, the full sequence is kept.
 */
export async function settle(
  impl: Implementation,
  profile: Profile,
  system: SystemDescription,
  strict: boolean,
  failed: Failure,
  path: string | null,
  make: (s: Scenario, f: Finding, path: string | null) => Counterexample,
): Promise<{ counterexample: Counterexample; rules: readonly string[]; reran: boolean }> {
  const { scenario, finding } = failed;
  if (finding.step + 1 >= scenario.calls.length) return { counterexample: make(scenario, finding, path), rules: failed.rules, reran: false };
  const cut = { graph: scenario.graph, calls: scenario.calls.slice(0, finding.step + 1) };
  const spec = runSpec(profile, cut.graph, cut.calls, system, { strict });
  const again = judge(spec.steps, await impl.run(cut.graph, cut.calls));
  if (again !== null && again.step === finding.step && again.kind === finding.kind && again.aspect === finding.aspect) {
    return { counterexample: make(cut, again, path), rules: [...(spec.steps[again.step]?.rules ?? [])], reran: true };
  }
  return { counterexample: make(scenario, finding, path), rules: failed.rules, reran: true };
}
