/** `dlmspec validate`: one implementation against the spec under one profile. */
import { isAbsolute, relative, resolve } from 'node:path';
import { InputError } from '../harness/files.ts';
import { progressSink } from '../harness/progress.ts';
import { runValidation, type RunValidationResult } from '../harness/run-validation.ts';
import { formatShard, parseShard } from '../harness/shard.ts';
import { EXIT, println, type Command, type Io } from './command.ts';
import { formatFinding, formatGraph, formatMarkedSequence } from './format.ts';
import { IMPL_HELP, IMPL_OPTIONS, implChoice, openImpl, profileFor } from './impl.ts';
import { flag, freshSeed, int, parse, profile as profileOption, seed as seedOption, str } from './options.ts';
import { describeEnvironmentError } from './errors.ts';

export const DEFAULT_RUNS = 200;
export const DEFAULT_OUT = 'out';

const help = `Usage: dlmspec validate [--impl IMPL] [--profile P] [--runs N] [--seed S] [--shard i/n] [--out DIR] [options]

Validate one implementation against the dlmspec specification: random DSO
graphs and dlopen/dlmopen/dlclose/dlsym/dlinfo sequences, every observation
judged by the spec. The first divergence is saved at once, shrunk by
fast-check, and saved again; a results file for \`dlmspec report\` is written
next to it. The same seed gives the same sequences.

Options:
${IMPL_HELP}
  --profile P            glibc or rtld-shared (default: P for spec:P; otherwise rtld-shared
                         when the loader's libc is UNIQUE, else glibc)
  --runs N               sequences to run (default ${DEFAULT_RUNS})
  --seed S               fast-check seed, a 32-bit integer (default: random, printed)
  --shard i/n            shard i of n (1-based): a seed derived from S and i, ceil(N/n) runs;
                         needs --seed
  --max-calls N          generated calls per sequence at most (default 12; some sequences
                         first fill the namespaces with up to 16 dlmopen calls)
  --out DIR              directory for counterexample and results files (default ${DEFAULT_OUT}/)
  --strict               also generate calls that trigger known loader bugs (spec/known-bugs.ts,
                         CONFORMANCE.md); by default they are left out so the search goes on
  --quiet                no progress output
  -h, --help             this help

Exit status: 0 conforms, 1 diverges (counterexample saved), 2 bad input.
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
        profile: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        shard: { type: 'string' },
        'max-calls': { type: 'string' },
        out: { type: 'string' },
        quiet: { type: 'boolean' },
        strict: { type: 'boolean' },
      },
      { min: 0, max: 0, what: '' },
    );
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const choice = implChoice(p);
    const wanted = profileOption(p) ?? (choice.kind.kind === 'spec' ? choice.kind.profile : null);
    const runs = int(p, 'runs', { min: 1, max: 10_000_000 }) ?? DEFAULT_RUNS;
    const maxCalls = int(p, 'max-calls', { min: 1, max: 1000 });
    const shardText = str(p, 'shard');
    const shard = shardText === undefined ? null : parseShard(shardText);
    const given = seedOption(p);
    if (shard !== null && shard.count > 1 && given === undefined) throw new InputError('--shard needs --seed: every shard must start from the same base seed');
    const seed = given ?? freshSeed();
    const outDir = str(p, 'out') ?? DEFAULT_OUT;
    const quiet = flag(p, 'quiet');

    const impl = openImpl(choice);
    let r: RunValidationResult;
    try {
      r = await runValidation(impl, {
        impl: choice.impl,
        implOptions: choice.options,
        profile: wanted,
        chooseProfile: (info) => profileFor(info.system),
        runs,
        seed,
        shard,
        outDir,
        ...(maxCalls !== undefined ? { maxCalls } : {}),
        avoidKnownBugs: !flag(p, 'strict'),
        progress: progressSink(io.err, { quiet }),
        label: choice.impl,
      });
    } catch (e) {
      throw describeEnvironmentError(e);
    } finally {
      await impl.close().catch(() => {});
    }
    return printValidation(io, r, seed);
  },
};

/** The verdict of one validation as the terminal shows it; returns the exit status. */
export function printValidation(io: Io, r: RunValidationResult, baseSeed: number): number {
  const { results } = r;
  const shard = results.shard !== null && results.shard.count > 1 ? `, shard ${formatShard(results.shard)} (seed ${results.seed})` : '';
  const where = displayPath;
  const who = `${results.impl} under ${results.profile}`;
  if (r.counterexample === null) {
    println(io.out, `PASS ${who}: ${results.completed} sequences conform (seed ${baseSeed}${shard}, ${(results.elapsedMs / 1000).toFixed(1)} s)`);
    if (results.knownBugsAvoided && !results.impl.startsWith('spec:')) println(io.out, 'note: calls that trigger known loader bugs were left out; --strict includes them');
    println(io.out, `results: ${where(r.resultsPath)}`);
    return EXIT.ok;
  }
  const c = r.counterexample;
  const f = c.finding;
  println(io.out, `FAIL ${who}: ${f.kind} at call ${f.step} (seed ${baseSeed}${shard}; found after ${results.completed} sequences, shrunk in ${results.executions - results.completed} more runs)`);
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
  println(io.out, `counterexample: ${where(r.counterexamplePath!)}`);
  println(io.out, `results: ${where(r.resultsPath)}`);
  println(io.out, `next: dlmspec replay ${where(r.counterexamplePath!)}   |   dlmspec repro ${where(r.counterexamplePath!)} --out DIR`);
  return EXIT.diverges;
}

export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

/** A path as the user would type it: relative below the working directory, else absolute. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
}
