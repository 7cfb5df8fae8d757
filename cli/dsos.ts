/**
 * `dlmspec dsos FILE|-`: builds the test DSOs of a graph with the native
 * DSO builder (native/build-dsos.ts) and prints the directory that holds
 * them, so an adapter for another loader (PROTOCOL.md) uses the same DSOs
 * as the native driver instead of writing a generator of its own.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { materialize } from '../native/build-dsos.ts';
import type { DsoGraph } from '../model/graph.ts';
import { GraphError, validateGraph } from '../model/graph.ts';
import { InputError, readJsonFile } from '../harness/files.ts';
import { readScenario } from '../scenarios/load.ts';
import { EXIT, println, type Command } from './command.ts';
import { describeEnvironmentError } from './errors.ts';
import { flag, parse } from './options.ts';
import { JSON_HELP, JSON_OPTION, writeSummary } from './summary.ts';

const help = `Usage: dlmspec dsos FILE|-

Build the test DSOs of a graph and print the absolute path of the directory
that holds exactly them, each under its name (DT_RUNPATH $ORIGIN: each finds
its dependencies there). FILE is a graph ({"dsos": [...]}, as in a protocol
run request), a scenario (*.scenario, *.scenario.json) or a counterexample
file; - reads a graph as JSON from standard input. Built DSOs are cached
(.cache/dlmspec/ or $DLMSPEC_CACHE_DIR), so asking again is cheap.

Options:
${JSON_HELP} (data.dir: the directory, data.dsos: the files)
  -h, --help             this help

Exit status: 0 built, 2 bad input, 3 no C toolchain (the DSOs cannot be built).
`;

async function graphOf(file: string): Promise<DsoGraph> {
  if (file.endsWith('.scenario') || file.endsWith('.scenario.json')) return (await readScenario(file)).graph;
  let value: unknown;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    try {
      value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      throw new InputError(`standard input: not valid JSON: ${(e as Error).message}`);
    }
  } else value = file.endsWith('.json') ? await readJsonFile(file) : JSON.parse(await readFile(file, 'utf8').catch(() => 'null'));
  const graph = (value as { graph?: unknown })?.graph ?? value;
  try {
    validateGraph(graph as DsoGraph);
  } catch (e) {
    if (e instanceof GraphError) throw new InputError(`${file === '-' ? 'standard input' : file}: ${e.message}`);
    throw e;
  }
  return graph as DsoGraph;
}

export const dsosCommand: Command = {
  name: 'dsos',
  summary: "build a graph's test DSOs (for an adapter of another loader) and print their directory",
  help,
  async run(args, io) {
    const p = parse('dsos', args, JSON_OPTION, { min: 1, max: 1, what: 'a graph, scenario or counterexample FILE (or -)' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const graph = await graphOf(p.positionals[0]!);
    try {
      const dir = await materialize(graph);
      if (flag(p, 'json')) writeSummary(io, { command: 'dsos', verdict: 'done', counts: { dsos: graph.dsos.length }, findings: [], data: { dir, dsos: graph.dsos.map((d) => join(dir, d.name)) } });
      else println(io.out, dir);
    } catch (e) {
      throw describeEnvironmentError(e);
    }
    return EXIT.ok;
  },
};
