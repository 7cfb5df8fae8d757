import type { Dso } from './dso.ts';

/** A DSO graph: the test objects of one sequence. Cycles are allowed. */
export interface DsoGraph {
  readonly dsos: readonly Dso[];
  /**
   * The main program's own DT_NEEDED test DSOs, loaded and constructed at
   * start-up (before the sequence's `start` call), in link order, libc after
   * them; absent or empty: the program needs libc only. `soname`: the
   * program's DT_SONAME, one of the graph's names (a DT_NEEDED of that name
   * is then the program itself, as glibc's tst-dso-ordering10 has it).
   */
  readonly program?: ProgramShape;
}

export interface ProgramShape {
  readonly needed: readonly string[];
  readonly soname?: string;
}

/** The program's start-up DT_NEEDED test DSOs (none without a program shape). */
export const programNeeded = (graph: DsoGraph): readonly string[] => graph.program?.needed ?? [];

/** Whether the program must be built for the graph: it needs test DSOs at start-up, or has a DT_SONAME of the graph's. */
export const ownProgram = (graph: DsoGraph): boolean => programNeeded(graph).length > 0 || graph.program?.soname !== undefined;

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
    if (d.fn !== undefined && (typeof d.fn !== 'string' || !SYMBOL.test(d.fn))) throw new GraphError(`${where}.fn: expected a C identifier`);
    if (d.calls !== undefined) {
      if (d.fn === undefined) throw new GraphError(`${where}.calls: a DSO calls others only from its fn (set fn)`);
      if (!Array.isArray(d.calls) || (d.calls as unknown[]).some((s) => typeof s !== 'string' || !SYMBOL.test(s))) throw new GraphError(`${where}.calls: expected an array of C identifiers`);
    }
    const own = [...d.symbols, ...(d.undefinedSymbol !== undefined ? [d.undefinedSymbol] : [])];
    if (d.fn !== undefined && own.includes(d.fn)) throw new GraphError(`${where}.fn: "${d.fn}" is also among its symbols`);
  }
  callCycle(graph);
  validateProgram(graph);
}

/**
 * A call through fn symbols that can come back to a function already running
 * would recurse for ever: refused. Any definition of a symbol may be the one
 * bound, so every definer's calls count.
 */
function callCycle(graph: DsoGraph): void {
  const definers = new Map<string, Dso[]>();
  for (const d of graph.dsos) if (d.fn !== undefined) definers.set(d.fn, [...(definers.get(d.fn) ?? []), d]);
  const state = new Map<string, 'open' | 'done'>();
  const visit = (symbol: string, path: readonly string[]): void => {
    if (state.get(symbol) === 'done') return;
    if (state.get(symbol) === 'open') throw new GraphError(`graph: the calls ${[...path, symbol].join(' => ')} come back to ${symbol} (a call would never end)`);
    state.set(symbol, 'open');
    for (const d of definers.get(symbol) ?? []) for (const c of d.calls ?? []) visit(c, [...path, symbol]);
    state.set(symbol, 'done');
  };
  for (const symbol of definers.keys()) visit(symbol, []);
}

function validateProgram(graph: DsoGraph): void {
  const p = graph.program;
  if (p === undefined) return;
  if (typeof p !== 'object' || p === null || !Array.isArray(p.needed)) throw new GraphError('graph.program: expected an object with a "needed" array');
  const names = new Set(graph.dsos.map((d) => d.name));
  for (const [i, n] of (p.needed as unknown[]).entries()) {
    if (typeof n !== 'string' || !names.has(n)) throw new GraphError(`graph.program.needed[${i}]: ${JSON.stringify(n)} is not a DSO of the graph`);
  }
  if (new Set(p.needed).size !== p.needed.length) throw new GraphError('graph.program.needed: duplicate entry');
  if (p.soname !== undefined && (typeof p.soname !== 'string' || !names.has(p.soname))) throw new GraphError(`graph.program.soname: ${JSON.stringify(p.soname)} is not a DSO of the graph`);
}

export function findDso(graph: DsoGraph, name: string): Dso | undefined {
  return graph.dsos.find((d) => d.name === name);
}
