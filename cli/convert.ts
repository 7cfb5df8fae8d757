/**
 * `dlmspec convert FILE`: a counterexample file as a scenario table (its
 * finding's row carries the spec's expectation), or a scenario between its
 * text form and its JSON form. The way back from a scenario to a
 * counterexample is `dlmspec run FILE --out DIR`, which judges it first.
 */
import { basename } from 'node:path';
import { readCounterexample } from '../harness/counterexample-file.ts';
import { InputError, readJsonFile, writeFileAtomic } from '../harness/files.ts';
import { formatScenario, scenarioOfCounterexample } from '../scenarios/format.ts';
import { readScenario, scenarioError } from '../scenarios/load.ts';
import { parseScenario } from '../scenarios/parse.ts';
import { EXIT, println, type Command } from './command.ts';
import { flag, parse, str } from './options.ts';
import { JSON_HELP, JSON_OPTION, writeSummary } from './summary.ts';

const help = `Usage: dlmspec convert FILE [--out PATH]

Convert between the files dlmspec reads:
  X.counterexample.json  ->  a scenario table (text): the calls as rows, the row of the
                             finding stating what the spec expected there
  X.scenario             ->  the same scenario as JSON (schema/scenario.schema.json)
  X.scenario.json        ->  the same scenario as text

From a scenario back to a counterexample: dlmspec run X.scenario --impl IMPL --out DIR
(a counterexample records a finding, so the scenario is run first).

Options:
  --out PATH             write to PATH instead of standard output
${JSON_HELP}; without --out the
                         converted text is in data.text
  -h, --help             this help

Exit status: 0 converted, 2 bad input.
`;

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a counterexample to a scenario table, or a scenario between text and JSON',
  help,
  async run(args, io) {
    const p = parse('convert', args, { ...JSON_OPTION, out: { type: 'string' } }, { min: 1, max: 1, what: 'the FILE to convert' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const file = p.positionals[0]!;
    let text: string;
    if (file.endsWith('.scenario')) text = JSON.stringify(withoutLines(await readScenario(file)), null, 2) + '\n';
    else if (file.endsWith('.scenario.json')) text = formatScenario(await readScenario(file));
    else if (file.endsWith('.json')) {
      const value = await readJsonFile(file);
      if ((value as { format?: unknown })?.format === 'dlmspec-scenario') throw new InputError(`${file}: a scenario in JSON form must be named *.scenario.json`);
      const c = await readCounterexample(file);
      const name = basename(file).replace(/\.counterexample\.json$|\.json$/, '').replace(/[^A-Za-z0-9_.:+-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'counterexample';
      const scenario = scenarioOfCounterexample(c, name.slice(0, 80));
      text = formatScenario(scenario);
      const problem = scenarioError(parseScenario(text));
      if (problem !== null) throw new Error(`internal: the converted scenario does not read back: ${problem}`);
    } else throw new InputError(`${file}: expected a *.counterexample.json, *.scenario or *.scenario.json file`);
    const out = str(p, 'out');
    const json = flag(p, 'json');
    if (out !== undefined) await writeFileAtomic(out, text);
    if (json) writeSummary(io, { command: 'convert', verdict: 'done', counts: { files: out === undefined ? 0 : 1 }, findings: [], data: { from: file, to: out ?? null, ...(out === undefined ? { text } : {}) } });
    else if (out === undefined) io.out.write(text);
    if (out !== undefined) println(io.err, `written: ${out}`);
    return EXIT.ok;
  },
};

/** Line numbers belong to the text it was read from, not to the JSON form. */
const withoutLines = <S extends { rows: readonly { line?: number }[] }>(s: S): S => ({ ...s, rows: s.rows.map(({ line: _line, ...r }) => r) });
