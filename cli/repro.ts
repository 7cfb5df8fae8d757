/** `dlmspec repro FILE --out DIR`: a standalone C reproducer of a counterexample. */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readCounterexample } from '../harness/counterexample-file.ts';
import { checkOutDir, InputError, writeFileAtomic } from '../harness/files.ts';
import { MARKER, reproFiles } from '../repro/generate.ts';
import { EXIT, EXIT_HELP, println, type Command } from './command.ts';
import { flag, parse, str } from './options.ts';
import { JSON_HELP, JSON_OPTION, textStream, writeSummary } from './summary.ts';

const help = `Usage: dlmspec repro FILE --out DIR

Write a standalone C reproducer of a counterexample into DIR: the test DSOs'
sources, a Makefile that builds them with the flags dlmspec's native driver
uses (\`make\`), and a main.c that makes the calls and, after each one, checks
the result, the namespace lists and the constructors/destructors against what
the specification expects (\`make run\`: exit status 1 at the first
divergence, printed as expected/actual). Needs cc and make, not Node.

DIR must be empty, absent, or an earlier reproducer (it is then written over).

Options:
  --out DIR              where to write the reproducer (required)
${JSON_HELP} (data: the files written)
  -h, --help             this help

${EXIT_HELP}
`;

export const reproCommand: Command = {
  name: 'repro',
  summary: 'write a standalone C reproducer (Makefile + main.c) of a counterexample',
  help,
  async run(args, io) {
    const p = parse('repro', args, { ...JSON_OPTION, out: { type: 'string' } }, { min: 1, max: 1, what: 'the counterexample FILE' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const out = str(p, 'out');
    if (out === undefined) throw new InputError('repro: --out DIR is required');
    const file = p.positionals[0]!;
    await checkReproDir(out);
    const c = await readCounterexample(file);
    if (c.calls.length === 0) throw new InputError(`${file}: the finding happened before any call (${c.finding.message}); there is nothing to reproduce`);
    const files = reproFiles(c);
    for (const [name, text] of files) await writeFileAtomic(join(out, name), text);
    const shown = relative(process.cwd(), out) || '.';
    const json = flag(p, 'json');
    const text = textStream(io, json);
    if (json) writeSummary(io, { command: 'repro', verdict: 'done', counts: { calls: c.calls.length, dsos: c.graph.dsos.length, files: files.size }, findings: [], data: { counterexample: file, dir: shown, files: [...files.keys()].map((name) => join(shown, name)) } });
    println(text, `wrote a reproducer of ${file} (${c.calls.length} calls, ${c.graph.dsos.length} DSOs, ${c.profile}) to ${shown}/`);
    println(text, `  make -C ${shown}          build the DSOs and the program`);
    println(text, `  make -C ${shown} run      run it (exit status 1 at the first divergence)`);
    return EXIT.ok;
  },
};

async function checkReproDir(dir: string): Promise<void> {
  await checkOutDir(dir);
  let entries: string[];
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new InputError(`--out ${dir}: not a directory`);
    entries = await readdir(dir);
  } catch (e) {
    if (e instanceof InputError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // created by the first write
    throw new InputError(`--out ${dir}: ${(e as Error).message}`);
  }
  if (entries.length > 0 && !entries.includes(MARKER)) throw new InputError(`--out ${dir}: directory is not empty and was not written by dlmspec repro`);
}
