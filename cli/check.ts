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
import { checkOutDir, removeStaleTemps } from '../harness/files.ts';
import { catchInterrupts, SIGNAL_EXIT } from './run-control.ts';
import { EXIT, EXIT_HELP, println, type Command, type Io } from './command.ts';
import { describeEnvironmentError } from './errors.ts';
import { formatGraph, releaseText } from '../harness/format.ts';
import { formatRuleTable } from './format.ts';
import { IMPL_HELP, IMPL_OPTIONS, implChoice, jobsFor, openImpl, profileFor } from './impl.ts';
import { flag, freshSeed, glibcVersion, int, JOBS_HELP, JOBS_OPTION, parse, RELEASE_HELP, RELEASE_OPTION, profile as profileOption, seed as seedOption, str } from './options.ts';
import { DEFAULT_OUT, indent, printValidation } from './validate.ts';
import { RULE_HELP, RULE_OPTION, steerCounts, steerLine, steerRules, unexercisedLine } from './steer-option.ts';
import { JSON_HELP, JSON_OPTION, validationSummary, writeSummary } from './summary.ts';

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
${JOBS_HELP}
  --profile P            judge the implementation under P instead of the one it calls for
  --max-findings N       stop after N distinct findings (default ${DEFAULT_CHECK_FINDINGS})
  --out DIR              directory for counterexample and results files (default ${DEFAULT_OUT}/)
  --strict               also generate calls that trigger known loader bugs of the loader's release
                         (CONFORMANCE.md, Loader bugs found), and expect the fix where the spec
                         models one; by default they are left out so the search goes on
${RELEASE_HELP}
${RULE_HELP} (the implementation's
                         sequences; the spec's invariants are checked unsteered)
  --quiet                no progress output
${JSON_HELP}
  -h, --help             this help

${EXIT_HELP}
With --rule, a named rule no step of the run exercised is also exit 2 (unless the run diverged).
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
        ...JOBS_OPTION,
        runs: { type: 'string' },
        'spec-runs': { type: 'string' },
        'max-findings': { type: 'string' },
        seed: { type: 'string' },
        profile: { type: 'string' },
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
    const runs = int(p, 'runs', { min: 1, max: 10_000_000 }) ?? DEFAULT_CHECK_RUNS;
    const specRuns = int(p, 'spec-runs', { min: 1, max: 10_000_000 }) ?? DEFAULT_SPEC_RUNS;
    const seed = seedOption(p) ?? freshSeed();
    const maxFindings = int(p, 'max-findings', { min: 1, max: 10_000 }) ?? DEFAULT_CHECK_FINDINGS;
    const wanted = profileOption(p) ?? null;
    const outDir = str(p, 'out') ?? DEFAULT_OUT;
    const quiet = flag(p, 'quiet');
    const steer = await steerRules(p);
    const json = flag(p, 'json');
    const text: Io = json ? { out: io.err, err: io.err } : io;
    const progress = progressSink(io.err, { quiet });
    // Before any work: a bad --out is found now, not after the run.
    await checkOutDir(outDir);
    // Half-written files of a run killed outright (SIGKILL): never read, removed now.
    await removeStaleTemps(outDir);
    // From here on an interrupt stops the work in hand and ends with what was done (exit 130/143).
    const interrupts = catchInterrupts((name) => progress.log(`${name}: stopping; the results so far are being written (again to quit at once)`));

    println(text.out, `dlmspec check (seed ${seed})`);
    // 1. The spec's own invariants.
    const specs: SpecCheck[] = [];
    for (const [i, profile] of PROFILES.entries()) {
      const s = await checkSpec(profile, {
        runs: specRuns,
        signal: interrupts.signal,
        seed: shardSeed(seed, { index: i + 1, count: PROFILES.length + 1 }),
        onProgress: (x) => progress.update(progressText(`spec invariants / ${profile}`, x, specRuns)),
      });
      progress.done();
      specs.push(s);
      const verdict = s.failure !== null ? 'FAIL' : s.interrupted ? 'INTERRUPTED' : 'PASS';
      println(text.out, `${verdict} spec invariants under ${profile}: ${s.runs} sequences${s.interrupted ? ` of ${specRuns}` : ''}, ${s.steps} steps (${(s.elapsedMs / 1000).toFixed(1)} s)`);
      if (s.failure !== null) {
        println(text.out, indent(formatGraph(s.failure.graph), '    '));
        println(text.out, indent(formatSequence(s.failure.calls), '    '));
        for (const v of s.failure.violations) println(text.out, `    ${v.rule} after call ${v.step}: ${v.message}`);
        if (s.failure.error !== null) println(text.out, `    the spec threw: ${s.failure.error}`);
      }
      if (s.interrupted) break;
    }
    const early = interrupts.received();
    if (early !== null) {
      interrupts.dispose();
      println(text.out, `verdict: INTERRUPTED (${early}) while checking the spec's invariants; ${choice.impl} was not run`);
      return SIGNAL_EXIT[early];
    }

    // 2. The implementation.
    const impl = openImpl(choice, jobCount);
    let v;
    try {
      v = await validate(impl, {
        profile: wanted ?? (choice.kind.kind === 'spec' ? choice.kind.profile : null),
        chooseProfile: (info) => profileFor(info.system),
        runs,
        seed,
        shard: null,
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
    const implStatus = printValidation(text, v, seed);
    const counts = steerCounts(steer, v.rules);
    if (steer.length > 0) println(text.out, steerLine(counts, v.runs));
    const never = steer.length > 0 && implStatus === EXIT.ok && !v.interrupted ? unexercisedLine(counts, v.runs) : null;
    const stopped = interrupts.received();

    // 3. The table and the verdict.
    const columns: { title: string; counts: RuleCounts }[] = [
      ...specs.map((s) => ({ title: `spec ${s.profile}`, counts: s.rules })),
      { title: `${choice.impl} (${v.profile}${releaseText(v.release)})`, counts: v.rules },
    ];
    println(text.out);
    println(text.out, 'Rules: steps that exercised each rule (INV-*: steps checked after); FAIL n: failures attributed to it');
    println(text.out, formatRuleTable(columns));
    println(text.out);
    const specOk = specs.every((s) => s.failure === null);
    const ok = specOk && implStatus === EXIT.ok;
    const parts = [
      specOk ? 'the spec keeps its invariants under both profiles' : 'the spec breaks an invariant',
      implStatus === EXIT.ok ? `${choice.impl} conforms to ${v.profile}${releaseText(v.release)}` : `${choice.impl} diverges from ${v.profile}${releaseText(v.release)}`,
    ];
    if (stopped === null) println(text.out, `verdict: ${ok ? 'CONFORMS' : 'DOES NOT CONFORM'}: ${parts.join('; ')}`);
    if (json) {
      const summary = validationSummary('check', v, counts);
      const specFindings = specs.filter((s) => s.failure !== null).map((s) => ({ file: null, kind: 'spec-invariant', step: s.failure!.violations[0]?.step ?? null, message: `the spec under ${s.profile}: ${s.failure!.violations.map((x) => `${x.rule}: ${x.message}`).join('; ') || s.failure!.error}`, counterexample: null }));
      const spec = specs.map((s) => ({ profile: s.profile, runs: s.runs, steps: s.steps, holds: s.failure === null }));
      writeSummary(io, { ...summary, verdict: ok ? 'conforms' : 'diverges', findings: [...specFindings, ...summary.findings], data: { ...(summary.data as object), spec } });
    }
    if (never !== null && stopped === null && ok) {
      println(io.err, never);
      return EXIT.usage;
    }
    if (stopped !== null) {
      println(text.out, `verdict: INTERRUPTED (${stopped}): ${parts.join('; ')} in the sequences that ran`);
      return SIGNAL_EXIT[stopped];
    }
    return ok ? EXIT.ok : EXIT.diverges;
  },
};
