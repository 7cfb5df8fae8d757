/**
 * The `dlmspec` command: subcommands check, validate, replay, run, convert, repro, rules, dsos, clean, report.
 * Exit status: EXIT_HELP in cli/command.ts, the same for every command. 3: the environment or a bug
 * of dlmspec itself.
 */
import { readFileSync } from 'node:fs';
import { EnvironmentError, InputError } from '../harness/files.ts';
import { EXIT, EXIT_HELP, println, type Command, type Io } from './command.ts';

/** The subcommands; each module is loaded only when its command runs (start-up time). */
export const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'check', summary: "check the spec's invariants and this machine's loader; per-rule table and verdict", load: async () => (await import('./check.ts')).checkCommand },
  { name: 'validate', summary: 'validate one implementation against the spec; save a shrunk counterexample', load: async () => (await import('./validate.ts')).validateCommand },
  { name: 'replay', summary: 'run a saved counterexample again; exit 0 if it now conforms', load: async () => (await import('./replay.ts')).replayCommand },
  { name: 'run', summary: 'run hand-written scenario tables on an implementation; mark the rows that do not hold', load: async () => (await import('./run.ts')).runCommand },
  { name: 'import', summary: "turn glibc's DSO-sorting test descriptions (dso-sort-tests-*.def) into scenario tables", load: async () => (await import('./import.ts')).importCommand },
  { name: 'convert', summary: 'convert a counterexample to a scenario table, or a scenario between text and JSON', load: async () => (await import('./convert.ts')).convertCommand },
  { name: 'repro', summary: 'write a standalone C reproducer (Makefile + main.c) of a counterexample', load: async () => (await import('./repro.ts')).reproCommand },
  { name: 'rules', summary: 'the rule catalogue: statement, profile, source; how often results exercised and failed each', load: async () => (await import('./rules.ts')).rulesCommand },
  { name: 'dsos', summary: "build a graph's test DSOs (for an adapter of another loader) and print their directory", load: async () => (await import('./dsos.ts')).dsosCommand },
  { name: 'clean', summary: 'remove the native build cache (built DSOs, graphs, the driver)', load: async () => (await import('./clean.ts')).cleanCommand },
  { name: 'probe', summary: 'does dlmopen work here? each capability checked for real: works, fails or crashes', load: async () => (await import('./probe.ts')).probeCommand },
  { name: 'matrix', summary: 'run one budget on several loaders; write the compatibility matrix (Markdown, HTML, JSON)', load: async () => (await import('./matrix.ts')).matrixCommand },
  { name: 'report', summary: 'write Markdown, HTML and JUnit XML conformance reports from validation results', load: async () => (await import('./report.ts')).reportCommand },
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: dlmspec COMMAND [options]

A property-based conformance suite and executable specification for glibc
link namespaces (dlmopen) and the proposed RTLD_SHARED proxy semantics.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help     this help (\`dlmspec COMMAND --help\` for a command's)
  --version      the version of dlmspec

${EXIT_HELP}
`;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      if (first === 'help' && rest[0] !== undefined) return await main([rest[0], '--help'], io);
      (first === undefined ? io.err : io.out).write(topHelp());
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version') {
      println(io.out, `dlmspec ${version()}`);
      return EXIT.ok;
    }
    const entry = COMMANDS.find((c) => c.name === first);
    if (entry === undefined) {
      const what = first.startsWith('-') ? `unknown option ${JSON.stringify(first)}` : `unknown command ${JSON.stringify(first)}`;
      throw new InputError(`${what} (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see dlmspec --help)`);
    }
    return await (await entry.load()).run(rest, io);
  } catch (e) {
    if (e instanceof InputError) {
      println(io.err, `dlmspec: error: ${e.message.replace(/\s*\n\s*/g, ' ')}`);
      return EXIT.usage;
    }
    if (e instanceof EnvironmentError) {
      println(io.err, `dlmspec: environment error: ${e.message.replace(/\s*\n\s*/g, ' ')}`);
      return EXIT.internal;
    }
    println(io.err, `dlmspec: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return EXIT.internal;
  }
}
