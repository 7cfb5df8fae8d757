/** `dlmspec report`: Markdown, HTML and JUnit XML from a directory of validation results. */
import { join } from 'node:path';
import { checkOutDir, writeFileAtomic } from '../harness/files.ts';
import { renderHtml } from '../report/html.ts';
import { renderJunit } from '../report/junit.ts';
import { loadReport } from '../report/load.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { EXIT, EXIT_HELP, println, type Command } from './command.ts';
import { flag, list, parse, str } from './options.ts';
import { DEFAULT_OUT, displayPath } from './validate.ts';
import { JSON_HELP, JSON_OPTION, textStream, writeSummary } from './summary.ts';

const help = `Usage: dlmspec report [--in DIR...] [--out DIR]

Read the validation results that \`dlmspec validate\` and \`dlmspec check\`
left in DIR (*.results.json and the counterexamples they name) and write a
conformance report: a rule x implementation table, every counterexample with
its C sequence and a diagram of the namespaces at the failing step.

Writes report.md, report.html (self-contained) and junit.xml (for CI).

Options:
  --in DIR               directory of results (default ${DEFAULT_OUT}/); repeatable: the results of
                         several machines (the shards of one run) make one report
  --out DIR              where to write the report (default: the first DIR/report)
${JSON_HELP} (verdict: diverges when a pair diverges)
  -h, --help             this help

${EXIT_HELP}
`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'write Markdown, HTML and JUnit XML conformance reports from validation results',
  help,
  async run(args, io) {
    const p = parse('report', args, { ...JSON_OPTION, in: { type: 'string', multiple: true }, out: { type: 'string' } }, { min: 0, max: 0, what: '' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const given = list(p, 'in');
    const inDirs = given.length > 0 ? given : [DEFAULT_OUT];
    const outDir = str(p, 'out') ?? join(inDirs[0]!, 'report');
    await checkOutDir(outDir);
    // Everything is read and checked before anything is written.
    const data = await loadReport(inDirs);
    for (const w of data.warnings) println(io.err, `dlmspec: warning: ${w.replace(/\s*\n\s*/g, ' ')}`);
    const files: [string, string][] = [
      ['report.md', renderMarkdown(data)],
      ['report.html', renderHtml(data)],
      ['junit.xml', renderJunit(data)],
    ];
    for (const [name, text] of files) await writeFileAtomic(join(outDir, name), text);
    const diverging = data.columns.filter((c) => c.verdict === 'diverges').length;
    const json = flag(p, 'json');
    const text = textStream(io, json);
    if (json) {
      writeSummary(io, {
        command: 'report',
        verdict: diverging > 0 ? 'diverges' : 'conforms',
        counts: { pairs: data.columns.length, diverging, warnings: data.warnings.length },
        findings: [
          ...data.columns.flatMap((c) => c.counterexamples.map((x) => ({ file: displayPath(x.file), kind: x.counterexample.finding.kind, step: x.counterexample.finding.step, message: x.counterexample.finding.message, counterexample: displayPath(x.file) }))),
          ...data.warnings.map((w) => ({ file: null, kind: 'warning', step: null, message: w.replace(/\s*\n\s*/g, ' '), counterexample: null })),
        ],
        data: { files: files.map(([name]) => displayPath(join(outDir, name))), pairs: data.columns.map((c) => ({ impl: c.impl, profile: c.profile, sequences: c.sequences, verdict: c.verdict })) },
      });
    }
    println(text, `report of ${data.columns.length} implementation/profile pair(s), ${diverging} diverging:`);
    for (const [name] of files) println(text, `  ${displayPath(join(outDir, name))}`);
    return EXIT.ok;
  },
};
