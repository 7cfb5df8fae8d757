/**
 * `dlmspec import FILE.def... --out DIR`: glibc's DSO-sorting test
 * descriptions (`elf/dso-sort-tests-*.def`, the language of
 * `scripts/dso-ordering-test.py`) as scenario tables, one per test, link
 * order permutation and tunable, each row's exact expected trace included.
 * Every case is accounted for: written, or skipped with its reason.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { importDef, type ImportedCase } from '../dsosort/import.ts';
import { DefError } from '../dsosort/parse.ts';
import { OutputError } from '../dsosort/output.ts';
import { InputError, writeFileAtomic } from '../harness/files.ts';
import { formatScenario } from '../scenarios/format.ts';
import { scenarioError } from '../scenarios/load.ts';
import { parseScenario } from '../scenarios/parse.ts';
import { EXIT, println, type Command } from './command.ts';
import { flag, parse, str } from './options.ts';
import { JSON_HELP, JSON_OPTION, textStream, writeSummary } from './summary.ts';

const help = `Usage: dlmspec import FILE.def... --out DIR [--origin NAME]

Turn glibc's DSO-sorting test descriptions (elf/dso-sort-tests-1.def,
elf/dso-sort-tests-2.def: the language of scripts/dso-ordering-test.py) into
scenario tables (scenarios/FORMAT.md), read as the script reads them: one
table per test, per link-order permutation (!) and per tunable its expected
outputs are for (output(TUNABLE), or each tunable_option in effect), named as
the script names its runs (tst-dso-ordering9_5-bacde-glibc.rtld.dynamic_sort_2).
Each table has a start-up row, one row per operation of the test's program
(+a dlopen RTLD_LAZY|RTLD_GLOBAL, ^a dlopen RTLD_LAZY, -a dlclose, %a a call
of fn_a) and an exit row, each stating the exact trace the expected output
gives (an XFAIL output is left to the spec). A case dlmspec cannot express
is reported with its reason and counted. Run the tables with dlmspec run.

Options:
  --out DIR              write DIR/NAME.scenario for every imported case
  --origin NAME          where the files come from, for each table's source line
                         (default: unknown), e.g. glibc-2.42
${JSON_HELP}
  -h, --help             this help

Exit status: 0 imported (skipped cases are reported, not errors), 2 bad input.
`;

export const importCommand: Command = {
  name: 'import',
  summary: "turn glibc's DSO-sorting test descriptions (dso-sort-tests-*.def) into scenario tables",
  help,
  async run(args, io) {
    const p = parse('import', args, { ...JSON_OPTION, out: { type: 'string' }, origin: { type: 'string' } }, { min: 1, max: Infinity, what: 'a FILE.def' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const out = str(p, 'out');
    if (out === undefined) throw new InputError('import: --out DIR is required');
    const origin = str(p, 'origin') ?? 'unknown';
    if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,60}$/.test(origin)) throw new InputError(`import: --origin ${JSON.stringify(origin)}: letters, digits and _ . + - only`);
    const json = flag(p, 'json');
    const text = textStream(io, json);
    await mkdir(out, { recursive: true });
    const all: (ImportedCase & { file: string })[] = [];
    for (const file of p.positionals) {
      let source: string;
      try {
        source = await readFile(file, 'utf8');
      } catch (e) {
        throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      let cases: ImportedCase[];
      try {
        cases = importDef(source, { origin, file: `elf/${basename(file)}` });
      } catch (e) {
        if (e instanceof DefError || e instanceof OutputError) throw new InputError(`${file}: ${e.message}`);
        throw e;
      }
      for (const c of cases) {
        all.push({ ...c, file });
        if (c.scenario === null) continue;
        const written = formatScenario(c.scenario);
        // What is written must read back as the same table (and pass every check dlmspec run makes).
        const problem = scenarioError(parseScenario(written));
        if (problem !== null) throw new Error(`internal: ${c.name} does not read back: ${problem}`);
        await writeFileAtomic(join(out, `${c.name}.scenario`), written);
      }
      println(text, `${file}: ${new Set(cases.map((c) => c.test)).size} tests, ${cases.length} cases: ${cases.filter((c) => c.scenario !== null).length} imported (${cases.filter((c) => c.xfail).length} with an XFAIL output, judged by the spec only), ${cases.filter((c) => c.scenario === null).length} skipped`);
      for (const c of cases.filter((x) => x.scenario === null)) println(text, `  skipped ${c.name}: ${c.reason}`);
    }
    if (json) {
      writeSummary(io, {
        command: 'import',
        verdict: 'done',
        counts: { cases: all.length, imported: all.filter((c) => c.scenario !== null).length, skipped: all.filter((c) => c.scenario === null).length },
        findings: [],
        data: { out, cases: all.map((c) => ({ file: c.file, name: c.name, test: c.test, tunable: c.tunable, xfail: c.xfail, xtest: c.xtest, imported: c.scenario !== null, reason: c.reason })) },
      });
    }
    return EXIT.ok;
  },
};
