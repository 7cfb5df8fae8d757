import type { Dso } from './dso.ts';

/** A DSO graph: the test objects of one sequence. Cycles are allowed. */
export interface DsoGraph {
  readonly dsos: readonly Dso[];
}

export class GraphError extends Error {
  override readonly name = 'GraphError';
}

const NAME = /^lib[a-z0-9_]{1,40}\.so$/;
/** Link-time names of toolchain libraries (`-lc`, `-lm`, ...) that a test DSO must not take. */
const TOOLCHAIN = new Set(['libc.so', 'libm.so', 'libg.so', 'libdl.so', 'librt.so', 'libpthread.so', 'libgcc_s.so', 'libutil.so', 'libresolv.so']);
const SYMBOL = /^[a-z_][a-z0-9_]{0,40}$/;

/** Throws a GraphError naming the first problem of an invalid graph. */
export function validateGraph(graph: DsoGraph, systemNames: readonly string[] = []): void {
  if (typeof graph !== 'object' || graph === null || !Array.isArray(graph.dsos)) {
    throw new GraphError('graph: expected an object with a "dsos" array');
  }
  const seen = new Set<string>();
  for (const [i, d] of graph.dsos.entries()) {
    const where = `graph.dsos[${i}]`;
    if (typeof d !== 'object' || d === null) throw new GraphError(`${where}: expected an object`);
    if (typeof d.name !== 'string' || !NAME.test(d.name)) {
      throw new GraphError(`${where}.name: ${JSON.stringify(d.name)} is not a DSO file name like "liba.so"`);
    }
    if (seen.has(d.name)) throw new GraphError(`${where}.name: duplicate DSO "${d.name}"`);
    if (systemNames.includes(d.name)) throw new GraphError(`${where}.name: "${d.name}" is a system object`);
    if (TOOLCHAIN.has(d.name)) throw new GraphError(`${where}.name: "${d.name}" would shadow the toolchain library of that name`);
    seen.add(d.name);
    if (!Array.isArray(d.needed) || (d.needed as unknown[]).some((n) => typeof n !== 'string' || !NAME.test(n))) {
      throw new GraphError(`${where}.needed: expected an array of DSO file names`);
    }
    if (new Set(d.needed).has(d.name)) throw new GraphError(`${where}.needed: "${d.name}" needs itself`);
    if (new Set(d.needed).size !== d.needed.length) throw new GraphError(`${where}.needed: duplicate entry`);
    for (const flag of ['unique', 'nodelete', 'libc'] as const) {
      if (typeof d[flag] !== 'boolean') throw new GraphError(`${where}.${flag}: expected a boolean`);
    }
    if (!Array.isArray(d.symbols) || (d.symbols as unknown[]).some((s) => typeof s !== 'string' || !SYMBOL.test(s))) {
      throw new GraphError(`${where}.symbols: expected an array of C identifiers`);
    }
    if (d.undefinedSymbol !== undefined && (typeof d.undefinedSymbol !== 'string' || !SYMBOL.test(d.undefinedSymbol))) {
      throw new GraphError(`${where}.undefinedSymbol: expected a C identifier`);
    }
  }
}

export function findDso(graph: DsoGraph, name: string): Dso | undefined {
  return graph.dsos.find((d) => d.name === name);
}
