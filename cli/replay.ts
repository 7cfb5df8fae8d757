/**
 * `dlmspec replay FILE`: runs a saved counterexample's graph and calls again
 * and judges them by the spec under the file's profile and system.
 */
import { SPEC_VERSION } from '../harness/counterexample.ts';
import { readCounterexample } from '../harness/counterexample-file.ts';
import { judge, type Finding } from '../harness/judge.ts';
import { replayCounterexample } from '../harness/replay.ts';
import { releaseText } from '../harness/format.ts';
import { EXIT, EXIT_HELP, println, type Command } from './command.ts';
import { describeEnvironmentError } from './errors.ts';
import { formatFinding, formatMarkedSequence } from '../harness/format.ts';
import { IMPL_HELP, IMPL_OPTIONS, implChoice, openImpl } from './impl.ts';
import { flag, glibcVersion, parse, RELEASE_HELP, RELEASE_OPTION } from './options.ts';
import { indent } from './validate.ts';
import { JSON_HELP, JSON_OPTION, textStream, writeSummary } from './summary.ts';

const help = `Usage: dlmspec replay FILE [--impl IMPL] [options]

Run a counterexample's DSO graph and calls again and judge every observation
by the spec, under the profile and with the start-up objects recorded in FILE.

A counterexample file is data: the program, loader, library path and
environment it records are never used. The implementation is the one given
here (default: native, this machine's loader, with no options); to replay on
what the file was found on, name it again with --impl, --rtld, --env...

The spec judges by the glibc release the file recorded (the loader it was
found on, or its --glibc-version) and as strictly as it was found.

Options:
${IMPL_HELP}
${RELEASE_HELP}
  --strict               judge strictly: expect the fix where the release has a known loader
                         bug the spec models (CONFORMANCE.md, Loader bugs found)
${JSON_HELP}
  -h, --help             this help

${EXIT_HELP}
`;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'run a saved counterexample again; exit 0 if it now conforms',
  help,
  async run(args, io) {
    const p = parse('replay', args, { ...IMPL_OPTIONS, ...RELEASE_OPTION, strict: { type: 'boolean' }, ...JSON_OPTION }, { min: 1, max: 1, what: 'the counterexample FILE' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const file = p.positionals[0]!;
    const json = flag(p, 'json');
    const out = textStream(io, json);
    const c = await readCounterexample(file);
    if (c.specVersion !== SPEC_VERSION) {
      println(io.err, `dlmspec: warning: ${file} was judged by spec version ${c.specVersion}; this is version ${SPEC_VERSION}`);
    }
    const choice = implChoice(p);
    const recorded = JSON.stringify([c.impl, c.implOptions ?? {}]);
    if (recorded !== JSON.stringify([choice.impl, choice.options])) {
      println(io.err, `dlmspec: note: ${file} was found on ${JSON.stringify(c.impl)}${c.implOptions ? ' with options' : ''}; replaying on ${choice.impl} as the command line says (a file never chooses what runs)`);
    }
    const impl = openImpl(choice);
    const release = glibcVersion(p);
    const strict = flag(p, 'strict') ? true : undefined;
    println(out, `replaying ${file} on ${choice.impl} under ${c.profile}${releaseText(release ?? c.system.release)}${strict ?? c.strict ? ', strict' : ''} (${c.calls.length} calls)`);
    let finding: Finding | null;
    try {
      const r = await replayCounterexample(impl, c, { ...(release !== undefined ? { release } : {}), ...(strict !== undefined ? { strict } : {}) });
      if (JSON.stringify(r.info.initial) !== JSON.stringify(c.system.initial)) {
        println(io.err, `dlmspec: warning: ${choice.impl}'s start-up objects differ from the file's; judging with the file's`);
      }
      if (release === undefined && r.info.release !== undefined && c.system.release !== undefined && r.info.release !== c.system.release) {
        println(io.err, `dlmspec: note: ${choice.impl} is glibc ${r.info.release}; judging by the file's ${c.system.release} (--glibc-version ${r.info.release} judges by its own)`);
      }
      finding = r.finding;
    } catch (e) {
      throw describeEnvironmentError(e);
    } finally {
      await impl.close().catch(() => {});
    }
    return report(finding);

    function report(f: Finding | null): number {
      const same = f !== null && f.step === c.finding.step && f.kind === c.finding.kind && f.aspect === c.finding.aspect && f.message === c.finding.message;
      if (json) {
        const findings = f === null ? [] : [{ file, kind: f.kind, step: f.step, message: f.message, counterexample: file }];
        writeSummary(io, { command: 'replay', verdict: f === null ? 'conforms' : 'diverges', counts: { calls: c.calls.length, findings: findings.length }, findings, data: { profile: c.profile, impl: choice.impl, sameFinding: same } });
      }
      println(out, indent(formatMarkedSequence(c.calls, f?.call ? f.step : null)));
      println(out);
      if (f === null) {
        println(out, `CONFORMS: ${choice.impl} now agrees with the spec (${c.profile}) on every call`);
        return EXIT.ok;
      }
      println(out, `DIVERGES: ${same ? 'the recorded finding still holds' : 'a different finding than the one recorded'}`);
      println(out, formatFinding(f));
      return EXIT.diverges;
    }
  },
};
