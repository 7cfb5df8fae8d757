/**
 * One validation as the CLI runs it (`validate`, and the loader phase of
 * `check`): progress on stderr, the counterexample written as soon as a
 * failure is found and again once shrunk, a results file for `report`.
 */
import { join } from 'node:path';
import type { Implementation, SystemInfo } from '../adapters/implementation.ts';
import { formatSequence } from '../model/call.ts';
import type { Profile } from '../spec/profile.ts';
import { referenceSystem } from '../spec/initial.ts';
import { SPEC_VERSION, type Counterexample } from './counterexample.ts';
import { counterexampleFile, writeCounterexample, type ImplOptions } from './counterexample-file.ts';
import type { ProgressSink } from './progress.ts';
import { progressText } from './progress.ts';
import { COUNTEREXAMPLE_SUFFIX, implSlug, RESULTS_SUFFIX, runStem, writeResults, type ResultsFile } from './results.ts';
import { bump, sequenceRules, TallyingImplementation } from './rules.ts';
import { shardRuns, shardSeed, type Shard } from './shard.ts';
import { validate } from './validate.ts';

export interface RunValidationOptions {
  /** The `--impl` text and options, recorded in the files. */
  readonly impl: string;
  readonly implOptions: ImplOptions;
  /** null: chosen from the implementation's hello (see `chooseProfile`). */
  readonly profile: Profile | null;
  readonly chooseProfile: (info: SystemInfo) => Profile;
  readonly runs: number;
  readonly seed: number;
  readonly shard: Shard | null;
  readonly outDir: string;
  readonly maxCalls?: number;
  /** Leave out calls that trigger known loader bugs (spec/known-bugs.ts); `--strict` turns it off. */
  readonly avoidKnownBugs: boolean;
  readonly progress: ProgressSink;
  /** A label for progress lines, e.g. "native". */
  readonly label: string;
}

export interface RunValidationResult {
  readonly profile: Profile;
  readonly results: ResultsFile;
  readonly resultsPath: string;
  readonly counterexample: Counterexample | null;
  readonly counterexamplePath: string | null;
}

/**
 * Validates `impl`. Never throws for anything the implementation does: a
 * handshake that fails is a finding like any other (at step 0, with no calls).
 */
export async function runValidation(impl: Implementation, opts: RunValidationOptions): Promise<RunValidationResult> {
  const seed = shardSeed(opts.seed, opts.shard);
  const runs = shardRuns(opts.runs, opts.shard);
  const slug = implSlug(opts.impl, opts.implOptions);
  const started = Date.now();

  let info: SystemInfo | null = null;
  let helloError: string | null = null;
  try {
    info = await impl.hello();
  } catch (e) {
    // This machine's compiler failing is not the implementation's fault.
    if ((e as Error).name === 'BuildError') throw e;
    helloError = (e as Error).message;
  }
  const profile = opts.profile ?? (info !== null ? opts.chooseProfile(info) : 'glibc');
  const stem = runStem(slug, profile, seed, opts.shard);
  const cePath = join(opts.outDir, stem + COUNTEREXAMPLE_SUFFIX);
  const resultsPath = join(opts.outDir, stem + RESULTS_SUFFIX);
  const label = `${opts.label} / ${profile}`;

  let counterexample: Counterexample | null = null;
  let completed = 0;
  let executions = 0;
  let implementation = info !== null ? `${impl.name} (${info.implementation})` : impl.name;
  const tally = new TallyingImplementation(impl, profile);

  if (info === null) {
    const kind = /no hello reply within/.test(helloError ?? '') ? 'timeout' : /bad hello reply/.test(helloError ?? '') ? 'protocol-error' : 'crash';
    counterexample = {
      format: 'dlmspec-counterexample',
      specVersion: SPEC_VERSION,
      profile,
      implementation,
      // Nothing was read from the implementation: the spec's reference system stands in.
      system: referenceSystem(profile === 'rtld-shared'),
      graph: { dsos: [] },
      calls: [],
      seed,
      path: null,
      finding: { step: 0, kind, aspect: null, message: `handshake failed: ${helloError}`, call: null, expected: null, observed: null },
    };
  } else {
    let writing: Promise<void> = Promise.resolve();
    let runsSoFar = 0;
    const v = await validate(tally, {
      profile,
      runs,
      seed,
      ...(opts.maxCalls !== undefined ? { maxCalls: opts.maxCalls } : {}),
      avoidKnownBugs: opts.avoidKnownBugs,
      onProgress: (p) => {
        runsSoFar = p.runs;
        opts.progress.update(progressText(label, p, runs));
      },
      onFirstFailure: (c) => {
        tally.counting = false;
        opts.progress.log(`${label}: ${c.finding.kind} found at run ${runsSoFar + 1} (${c.calls.length} calls); saved to ${cePath}; shrinking...`);
        writing = writeCounterexample(cePath, counterexampleFile(c, { impl: opts.impl, implOptions: opts.implOptions, shrunk: false }));
      },
    });
    await writing;
    completed = v.runs;
    executions = v.executions;
    implementation = v.implementation;
    counterexample = v.counterexample;
  }
  opts.progress.done();

  const rules = tally.counts;
  if (counterexample !== null) {
    await writeCounterexample(cePath, counterexampleFile(counterexample, { impl: opts.impl, implOptions: opts.implOptions, shrunk: true }));
    const f = counterexample.finding;
    const stepRules = counterexample.calls.length > 0 ? (sequenceRules(profile, counterexample.graph, counterexample.calls, counterexample.system)[f.step] ?? []) : [];
    bump(rules, stepRules.length > 0 ? stepRules : ['(unattributed)'], 'failures');
  }
  const f = counterexample?.finding ?? null;
  const results: ResultsFile = {
    format: 'dlmspec-results',
    specVersion: SPEC_VERSION,
    impl: opts.impl,
    implementation,
    profile,
    seed,
    baseSeed: opts.seed,
    shard: opts.shard,
    runs,
    completed,
    executions,
    elapsedMs: Date.now() - started,
    finishedAt: new Date().toISOString(),
    verdict: counterexample === null ? 'conforms' : 'diverges',
    knownBugsAvoided: opts.avoidKnownBugs,
    rules,
    finding: f === null ? null : { kind: f.kind, aspect: f.aspect, step: f.step, message: f.message, sequence: formatSequence(counterexample!.calls) },
    counterexample: counterexample === null ? null : stem + COUNTEREXAMPLE_SUFFIX,
  };
  await writeResults(resultsPath, results);
  return { profile, results, resultsPath, counterexample, counterexamplePath: counterexample === null ? null : cePath };
}
