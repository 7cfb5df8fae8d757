/**
 * `dlmspec run FILE|DIR`: hand-written scenario tables (scenarios/FORMAT.md)
 * on any implementation, every row judged by the spec and by its own
 * expectations; a run that departs from the spec is saved as a counterexample.
 */
import { basename, join } from 'node:path';
import type { Implementation, SystemInfo } from '../adapters/implementation.ts';
import { loaderSystem } from '../harness/backports.ts';
import type { Profile } from '../spec/profile.ts';
import type { SystemDescription } from '../spec/run.ts';
import { counterexampleFile, writeCounterexample } from '../harness/counterexample-file.ts';
import { COUNTEREXAMPLE_SUFFIX } from '../harness/results.ts';
import { shiftedForAudit } from '../scenarios/audit.ts';
import { readScenarios } from '../scenarios/load.ts';
import { rowHolds, runHolds, runScenario } from '../scenarios/run.ts';
import { formatScenarioRun } from '../scenarios/table.ts';
import { EXIT, println, type Command } from './command.ts';
import { describeEnvironmentError } from './errors.ts';
import { IMPL_HELP, IMPL_OPTIONS, implChoice, openImpl } from './impl.ts';
import { flag, parse, profile as profileOption, str } from './options.ts';
import { JSON_HELP, JSON_OPTION, textStream, writeSummary, type SummaryFinding } from './summary.ts';

const help = `Usage: dlmspec run FILE|DIR... [--impl IMPL] [--profile P] [--out DIR] [options]

Run scenario tables (*.scenario, *.scenario.json; scenarios/FORMAT.md) on an
implementation. Every row is judged by the spec, as validate judges a
sequence; a row's own expectations are checked against the spec's step and
against what the implementation showed, so a table is also a test of the
spec. Each table is printed with the rows that did not hold marked. With
--audit, every namespace a table names above 0 moves up by one (the audit
module's namespace is taken), as the series' tst-dlmopen-rtld-audit-* tests
run its tables.

Options:
${IMPL_HELP}
  --profile P            glibc or rtld-shared (default: each scenario's own profile line)
  --out DIR              save a counterexample file for each scenario on which the implementation
                         departed from the spec (for replay, repro and report)
${JSON_HELP}
  -h, --help             this help

Exit status: 0 every row holds, 1 a row does not hold, 2 bad input.
`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run hand-written scenario tables on an implementation; mark the rows that do not hold',
  help,
  async run(args, io) {
    const p = parse('run', args, { ...IMPL_OPTIONS, ...JSON_OPTION, profile: { type: 'string' }, out: { type: 'string' } }, { min: 1, max: Infinity, what: 'a scenario FILE or DIR' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const files = await readScenarios(p.positionals);
    const profile = profileOption(p);
    const out = str(p, 'out');
    const choice = implChoice(p);
    // A scenario that names tunables (scenarios/FORMAT.md) runs on an implementation started with them.
    const opened = new Map<string, { impl: Implementation; info: SystemInfo | null; systems: Partial<Record<Profile, SystemDescription>> }>();
    const implFor = (tunables: string | undefined) => {
      let o = opened.get(tunables ?? '');
      if (o === undefined) {
        o = { impl: openImpl(choice, 1, tunables), info: null, systems: {} };
        opened.set(tunables ?? '', o);
      }
      return o;
    };
    const impl = implFor(undefined).impl;
    const json = flag(p, 'json');
    const text = { out: textStream(io, json) };
    const findings: SummaryFinding[] = [];
    let failed = 0;
    let rows = 0;
    let rowsFailed = 0;
    try {
      let info: SystemInfo;
      try {
        info = await impl.hello();
      } catch (e) {
        if ((e as Error).name === 'BuildError') throw e;
        println(text.out, `${choice.impl}: handshake failed: ${(e as Error).message}`);
        println(text.out, `DOES NOT HOLD: ${files.length} scenario(s) not run`);
        if (json) writeSummary(io, { command: 'run', verdict: 'diverges', counts: { scenarios: files.length, failed: files.length }, findings: [{ file: null, kind: 'crash', step: null, message: `handshake failed: ${(e as Error).message}`, counterexample: null }] });
        return EXIT.diverges;
      }
      opened.get('')!.info = info;
      for (const { path, scenario: written } of files) {
        const scenario = choice.options.audit ? shiftedForAudit(written) : written;
        const own = implFor(scenario.tunables);
        own.info ??= await own.impl.hello();
        const judged = profile ?? scenario.profile;
        // Backports are measured once per implementation and profile (harness/backports.ts).
        const system = (own.systems[judged] ??= await loaderSystem(own.impl, own.info, judged));
        const run = await runScenario(own.impl, own.info, scenario, profile, system);
        println(text.out, formatScenarioRun(run, path, choice.impl));
        if (!runHolds(run)) failed++;
        let saved: string | null = null;
        if (out !== undefined && run.counterexample !== null) {
          saved = join(out, `${basename(path).replace(/\.scenario(\.json)?$/, '')}${COUNTEREXAMPLE_SUFFIX}`);
          await writeCounterexample(saved, counterexampleFile(run.counterexample, { impl: choice.impl, implOptions: choice.options, shrunk: true, note: `from scenario ${scenario.name} (${path}); hand-written, not shrunk` }));
          println(text.out, `  counterexample saved: ${saved}`);
        }
        rows += run.rows.length;
        for (const r of run.rows) {
          if (rowHolds(r)) continue;
          rowsFailed++;
          const kind = r.finding !== null ? r.finding.kind : r.observed === null ? 'not-run' : r.table !== null ? 'table' : 'spec-disagrees';
          const message = r.finding?.message ?? (r.observed === null ? 'not run' : (r.table ?? r.spec ?? ''));
          findings.push({ file: path, kind, step: r.index, message, counterexample: r.finding !== null ? saved : null });
        }
        println(text.out);
      }
    } catch (e) {
      throw describeEnvironmentError(e);
    } finally {
      await Promise.all([...opened.values()].map((o) => o.impl.close().catch(() => {})));
    }
    if (json) writeSummary(io, { command: 'run', verdict: failed === 0 ? 'conforms' : 'diverges', counts: { scenarios: files.length, failed, rows, rowsFailed }, findings });
    println(text.out, failed === 0 ? `CONFORMS: ${files.length} scenario(s), every row holds on ${choice.impl}` : `DIVERGES: ${failed} of ${files.length} scenario(s) have rows that do not hold on ${choice.impl}`);
    return failed === 0 ? EXIT.ok : EXIT.diverges;
  },
};
