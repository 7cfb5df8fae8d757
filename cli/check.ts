/**
 * `dlmspec check`: the one-command conformance check. The spec against its
 * own invariants under both profiles, then this machine's loader against the
 * spec under the profile it calls for; a per-rule table and a verdict.
 */
import { formatSequence } from '../model/call.ts';
import { progressSink, progressText } from '../harness/progress.ts';
import type { RuleCounts } from '../harness/rules.ts';
import { validate } from '../harness/validate.ts';
import { checkSpec, type SpecCheck } from '../harness/spec-check.ts';
import { shardSeed } from '../harness/shard.ts';
import { PROFILES } from '../spec/profile.ts';
import { checkOutDir } from '../harness/files.ts';
import { catchInterrupts, cleanCache, SIGNAL_EXIT } from './run-control.ts';
import { EXIT, EXIT_HELP, println, type Command } from './command.ts';
import { describeEnvironmentError } from './errors.ts';
import { formatGraph, formatRuleTable } from './format.ts';
import { IMPL_HELP, IMPL_OPTIONS, implChoice, openImpl, profileFor } from './impl.ts';
import { flag, freshSeed, int, parse, profile as profileOption, seed as seedOption, str } from './options.ts';
import { DEFAULT_OUT, indent, printValidation } from './validate.ts';

export const DEFAULT_CHECK_RUNS = 300;
export const DEFAULT_SPEC_RUNS = 1000;
export const DEFAULT_CHECK_FINDINGS = 20;

const help = `Usage: dlmspec check [--runs N] [--spec-runs N] [--seed S] [--impl IMPL] [options]

Check conformance in one go:
  1. the spec against its invariants after every step, for both profiles
     (in process, fast-check, --spec-runs sequences each);
  2. this machine's loader (--impl native) against the spec, --runs sequences,
     under the profile it calls for: rtld-shared when its libc is UNIQUE (a
     glibc built with the RTLD_SHARED series), else glibc.
Prints a table of rules (how many steps exercised each, failures) and a
verdict. Every distinct finding the budget reaches (up to --max-findings) is
shrunk and saved under --out like \`dlmspec validate\` does, and listed.

Options:
  --runs N               sequences run on the implementation (default ${DEFAULT_CHECK_RUNS})
  --spec-runs N          sequences per profile for the spec's invariants (default ${DEFAULT_SPEC_RUNS})
  --seed S               base seed (default: random, printed)
${IMPL_HELP}
  --profile P            judge the implementation under P instead of the one it calls for
  --max-findings N       stop after N distinct findings (default ${DEFAULT_CHECK_FINDINGS})
  --out DIR              directory for counterexample and results files (default ${DEFAULT_OUT}/)
  --strict               also generate calls that trigger known loader bugs (spec/known-bugs.ts,
                         CONFORMANCE.md); by default they are left out so the search goes on
  --quiet                no progress output
  -h, --help             this help

${EXIT_HELP}
`;

export const checkCommand: Command = {
  name: 'check',
  summary: "check the spec's invariants and this machine's loader; per-rule table and verdict",
  help,
  async run(args, io) {
    const p = parse(
      'check',
      args,
      {
        ...IMPL_OPTIONS,
        runs: { type: 'string' },
        'spec-runs': { type: 'string' },
        'max-findings': { type: 'string' },
        seed: { type: 'string' },
        profile: { type: 'string' },
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
    const runs = int(p, 'runs', { min: 1, max: 10_000_000 }) ?? DEFAULT_CHECK_RUNS;
    const specRuns = int(p, 'spec-runs', { min: 1, max: 10_000_000 }) ?? DEFAULT_SPEC_RUNS;
    const seed = seedOption(p) ?? freshSeed();
    const maxFindings = int(p, 'max-findings', { min: 1, max: 10_000 }) ?? DEFAULT_CHECK_FINDINGS;
    const wanted = profileOption(p) ?? null;
    const outDir = str(p, 'out') ?? DEFAULT_OUT;
    const quiet = flag(p, 'quiet');
    const progress = progressSink(io.err, { quiet });
    // Before any work: a bad --out is found now, not after the run.
    await checkOutDir(outDir);

    println(io.out, `dlmspec check (seed ${seed})`);
    // 1. The spec's own invariants.
    const specs: SpecCheck[] = [];
    for (const [i, profile] of PROFILES.entries()) {
      const s = checkSpec(profile, {
        runs: specRuns,
        seed: shardSeed(seed, { index: i + 1, count: PROFILES.length + 1 }),
        onProgress: (x) => progress.update(progressText(`spec invariants / ${profile}`, x, specRuns)),
      });
      progress.done();
      specs.push(s);
      println(io.out, `${s.failure === null ? 'PASS' : 'FAIL'} spec invariants under ${profile}: ${s.runs} sequences, ${s.steps} steps (${(s.elapsedMs / 1000).toFixed(1)} s)`);
      if (s.failure !== null) {
        println(io.out, indent(formatGraph(s.failure.graph), '    '));
        println(io.out, indent(formatSequence(s.failure.calls), '    '));
        for (const v of s.failure.violations) println(io.out, `    ${v.rule} after call ${v.step}: ${v.message}`);
        if (s.failure.error !== null) println(io.out, `    the spec threw: ${s.failure.error}`);
      }
    }

    // 2. The implementation.
    if (choice.kind.kind === 'native') await cleanCache();
    const interrupts = catchInterrupts((name) => progress.log(`${name}: stopping; the results so far are being written (again to quit at once)`));
    const impl = openImpl(choice);
    let v;
    try {
      v = await validate(impl, {
        profile: wanted ?? (choice.kind.kind === 'spec' ? choice.kind.profile : null),
        chooseProfile: (info) => profileFor(info.system),
        runs,
        seed,
        shard: null,
        maxFindings,
        avoidKnownBugs: !flag(p, 'strict'),
        signal: interrupts.signal,
        record: { outDir, impl: choice.impl, implOptions: choice.options, baseSeed: seed, progress, label: choice.impl },
      });
    } catch (e) {
      throw describeEnvironmentError(e);
    } finally {
      await impl.close().catch(() => {});
      interrupts.dispose();
    }
    const implStatus = printValidation(io, v, seed);
    const stopped = interrupts.received();

    // 3. The table and the verdict.
    const columns: { title: string; counts: RuleCounts }[] = [
      ...specs.map((s) => ({ title: `spec ${s.profile}`, counts: s.rules })),
      { title: `${choice.impl} (${v.profile})`, counts: v.rules },
    ];
    println(io.out);
    println(io.out, 'Rules: steps that exercised each rule (INV-*: steps checked after); FAIL n: failures attributed to it');
    println(io.out, formatRuleTable(columns));
    println(io.out);
    const specOk = specs.every((s) => s.failure === null);
    const ok = specOk && implStatus === EXIT.ok;
    const parts = [
      specOk ? 'the spec keeps its invariants under both profiles' : 'the spec breaks an invariant',
      implStatus === EXIT.ok ? `${choice.impl} conforms to ${v.profile}` : `${choice.impl} diverges from ${v.profile}`,
    ];
    if (stopped === null) println(io.out, `verdict: ${ok ? 'CONFORMS' : 'DOES NOT CONFORM'}: ${parts.join('; ')}`);
    if (stopped !== null) {
      println(io.out, `verdict: INTERRUPTED (${stopped}): ${parts.join('; ')} in the sequences that ran`);
      return SIGNAL_EXIT[stopped];
    }
    return ok ? EXIT.ok : EXIT.diverges;
  },
};
