/** `dlmspec validate`: one implementation against the spec under one profile. */
import { displayPath } from './paths.ts';
import { InputError } from '../harness/files.ts';
import { progressSink } from '../harness/progress.ts';
import { formatFindingsTable } from '../harness/findings.ts';
import { formatShard, parseShard, shardRuns, shardSeed } from '../harness/shard.ts';
import { validate, type Validation } from '../harness/validate.ts';
import { checkOutDir, removeStaleTemps } from '../harness/files.ts';
import { catchInterrupts, SIGNAL_EXIT } from './run-control.ts';
import { EXIT, EXIT_HELP, println, type Command, type Io } from './command.ts';
import { formatFinding, formatGraph, formatMarkedSequence, releaseText } from '../harness/format.ts';
import { IMPL_HELP, IMPL_OPTIONS, implChoice, jobsFor, openImpl, profileFor } from './impl.ts';
import { flag, freshSeed, glibcVersion, int, JOBS_HELP, JOBS_OPTION, parse, RELEASE_HELP, RELEASE_OPTION, profile as profileOption, seed as seedOption, str } from './options.ts';
import { describeEnvironmentError } from './errors.ts';
import { RULE_HELP, RULE_OPTION, steerCounts, steerLine, steerRules, unexercisedLine } from './steer-option.ts';
import { JSON_HELP, JSON_OPTION, validationSummary, writeSummary } from './summary.ts';

export const DEFAULT_RUNS = 200;
export const DEFAULT_OUT = 'out';

const help = `Usage: dlmspec validate [--impl IMPL] [--profile P] [--runs N] [--seed S] [--shard i/n] [--out DIR] [options]

Validate one implementation against the dlmspec specification: random DSO
graphs and dlopen/dlmopen/dlclose/dlsym/dlinfo sequences, every observation
judged by the spec. A divergence is saved at once, shrunk by fast-check, and
saved again; with --max-findings N the search goes on until N distinct
findings (the rule that failed and what diverged: kind, aspect, operation,
and the difference with the test DSOs' names left out), each in its own
file; repeats are counted, not saved again. A results file for
\`dlmspec report\` is written next to them. The same seed and options give
the same sequences and findings.

Options:
${IMPL_HELP}
${JOBS_HELP}
  --profile P            glibc or rtld-shared (default: P for spec:P; otherwise rtld-shared
                         when the loader's libc is UNIQUE, else glibc)
  --runs N               sequences to run (default ${DEFAULT_RUNS})
  --seed S               fast-check seed, a 32-bit integer (default: random, printed)
  --shard i/n            shard i of n (1-based): a seed derived from S and i, ceil(N/n) runs;
                         needs --seed
  --max-calls N          generated calls per sequence at most (default 12; some sequences
                         first fill the namespaces with up to 16 dlmopen calls)
  --max-findings N       stop after N distinct findings (default 1)
  --out DIR              directory for counterexample and results files (default ${DEFAULT_OUT}/)
  --strict               also generate calls that trigger known loader bugs of the loader's release
                         (CONFORMANCE.md, Loader bugs found), and expect the fix where the spec
                         models one; by default they are left out so the search goes on
${RELEASE_HELP}
${RULE_HELP}
  --quiet                no progress output
${JSON_HELP}
  -h, --help             this help

${EXIT_HELP}
With --rule, a named rule no step of the run exercised is also exit 2 (unless the run diverged).
`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'validate one implementation against the spec; save a shrunk counterexample',
  help,
  async run(args, io) {
    const p = parse(
      'validate',
      args,
      {
        ...IMPL_OPTIONS,
        ...JOBS_OPTION,
        profile: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        shard: { type: 'string' },
        'max-calls': { type: 'string' },
        'max-findings': { type: 'string' },
        out: { type: 'string' },
        quiet: { type: 'boolean' },
        strict: { type: 'boolean' },
        ...RELEASE_OPTION,
        ...RULE_OPTION,
        ...JSON_OPTION,
      },
      { min: 0, max: 0, what: '' },
    );
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const choice = implChoice(p);
    const jobCount = jobsFor(choice, p);
    const release = glibcVersion(p);
    const wanted = profileOption(p) ?? (choice.kind.kind === 'spec' ? choice.kind.profile : null);
    const runs = int(p, 'runs', { min: 1, max: 10_000_000 }) ?? DEFAULT_RUNS;
    const maxCalls = int(p, 'max-calls', { min: 1, max: 1000 });
    const maxFindings = int(p, 'max-findings', { min: 1, max: 10_000 }) ?? 1;
    const shardText = str(p, 'shard');
    const shard = shardText === undefined ? null : parseShard(shardText);
    const given = seedOption(p);
    if (shard !== null && shard.count > 1 && given === undefined) throw new InputError('--shard needs --seed: every shard must start from the same base seed');
    const seed = given ?? freshSeed();
    const outDir = str(p, 'out') ?? DEFAULT_OUT;
    const quiet = flag(p, 'quiet');
    const steer = await steerRules(p);
    const json = flag(p, 'json');

    const progress = progressSink(io.err, { quiet });
    await checkOutDir(outDir);
    // Half-written files of a run killed outright (SIGKILL): never read, removed now.
    await removeStaleTemps(outDir);
    const interrupts = catchInterrupts((name) => progress.log(`${name}: stopping; the results so far are being written (again to quit at once)`));
    const impl = openImpl(choice, jobCount);
    let r: Validation;
    try {
      r = await validate(impl, {
        profile: wanted,
        chooseProfile: (info) => profileFor(info.system),
        runs: shardRuns(runs, shard),
        seed: shardSeed(seed, shard),
        shard,
        ...(maxCalls !== undefined ? { maxCalls } : {}),
        maxFindings,
        steer,
        avoidKnownBugs: !flag(p, 'strict'),
        ...(release !== undefined ? { release } : {}),
        signal: interrupts.signal,
        record: { outDir, impl: choice.impl, implOptions: choice.options, baseSeed: seed, progress, label: choice.impl },
      });
    } catch (e) {
      throw describeEnvironmentError(e);
    } finally {
      await impl.close().catch(() => {});
      interrupts.dispose();
    }
    const text: Io = json ? { out: io.err, err: io.err } : io;
    let status = printValidation(text, r, seed);
    const counts = steerCounts(steer, r.rules);
    if (steer.length > 0) {
      println(text.out, steerLine(counts, r.runs));
      const never = unexercisedLine(counts, r.runs);
      if (never !== null && status === EXIT.ok && !r.interrupted) {
        println(io.err, never);
        status = EXIT.usage;
      }
    }
    if (json) writeSummary(io, validationSummary('validate', r, counts));
    const stopped = interrupts.received();
    return stopped !== null ? SIGNAL_EXIT[stopped] : status;
  },
};

/** The verdict of one validation as the terminal shows it; returns the exit status. */
export function printValidation(io: Io, r: Validation, baseSeed: number): number {
  const results = r.results!;
  const shard = results.shard !== null && results.shard.count > 1 ? `, shard ${formatShard(results.shard)} (seed ${results.seed})` : '';
  const where = displayPath;
  const who = `${results.impl} under ${results.profile}${releaseText(results.release)}`;
  const stopped = r.interrupted ? `INTERRUPTED after ${results.completed} of ${results.runs} sequences; ` : '';
  if (r.counterexample === null) {
    println(io.out, `${r.interrupted ? 'INTERRUPTED' : 'PASS'} ${who}: ${results.completed} sequences conform (${r.interrupted ? `of ${results.runs}, ` : ''}seed ${baseSeed}${shard}, ${(results.elapsedMs / 1000).toFixed(1)} s)`);
    if (results.knownBugsAvoided && !results.impl.startsWith('spec:')) println(io.out, 'note: calls that trigger known loader bugs were left out; --strict includes them');
    const modelled = Object.keys(results.modelledBugs);
    if (modelled.length > 0) println(io.out, `note: known loader bugs of ${results.release ?? 'this release'} the spec follows here (--strict expects them fixed): ${modelled.join(', ')}`);
    println(io.out, `results: ${where(r.resultsPath!)}`);
    return EXIT.ok;
  }
  const first = r.findings[0]!;
  const c = first.counterexample;
  const f = c.finding;
  const more = r.findings.length > 1 ? `; ${r.findings.length} distinct findings` : '';
  println(io.out, `FAIL ${who}: ${f.kind} at call ${f.step} (${stopped}seed ${baseSeed}${shard}; found after ${first.foundAtRun} sequences${more}; ${results.completed} sequences, ${results.executions} runs in all)`);
  println(io.out, `implementation: ${results.implementation}`);
  println(io.out);
  println(io.out, 'DSOs:');
  println(io.out, indent(formatGraph(c.graph)));
  println(io.out);
  println(io.out, 'Calls:');
  println(io.out, indent(formatMarkedSequence(c.calls, f.call !== null ? f.step : null)));
  println(io.out);
  println(io.out, formatFinding(f));
  println(io.out);
  if (r.findings.length > 1 || results.options.maxFindings > 1) {
    println(io.out, `Distinct findings (${r.findings.length}; seen: failures of the search that were this finding):`);
    println(io.out, indent(formatFindingsTable(r.findings.map((x) => ({ ...x, kind: x.counterexample.finding.kind, aspect: x.counterexample.finding.aspect, calls: x.counterexample.calls.length, file: x.file === null ? null : where(x.file) })))));
    println(io.out);
  }
  println(io.out, `counterexample: ${where(first.file!)}`);
  println(io.out, `results: ${where(r.resultsPath!)}`);
  println(io.out, `next: dlmspec replay ${where(first.file!)} --impl ${shellWord(results.impl)}   |   dlmspec repro ${where(first.file!)} --out DIR`);
  return EXIT.diverges;
}

/** A word a POSIX shell reads back as itself. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export { displayPath } from './paths.ts';
