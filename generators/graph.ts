import fc from 'fast-check';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';

/** Symbol pool: small, so that several DSOs define the same name and dlsym order matters. */
export const SYMBOLS = ['f0', 'f1', 'f2'] as const;
/** The symbol a shadowing graph gives exactly two definers (see `shadow`). */
export const SHADOWED = SYMBOLS[0];
/** The symbol a graph with a bottom layer keeps to the DSOs that need none of the graph (see `bottomOnly`). */
export const BOTTOM = SYMBOLS[2];
/** A DT_NEEDED name no graph provides: loading anything that needs it fails (LOAD6). */
export const MISSING_DSO = 'libmissing.so';
/** The one symbol generated DSOs may reference without anyone defining it (LOAD5). */
export const UNDEFINED_SYMBOL = 'nowhere_defined';

/**
 * Letters for DSO names, skipping those whose `libX.so` is a toolchain library
 * (libc.so, libg.so, libm.so): a test DSO must never shadow `-lc` and friends.
 */
const LETTERS = 'abdefhijklnopqrstuvwxyz';
export const dsoName = (i: number): string => `lib${LETTERS[i % LETTERS.length]}${i >= LETTERS.length ? Math.floor(i / LETTERS.length) : ''}.so`;

/** `arb` with probability `percent`%, else null (shrinks to null: cross-shrinking tries null first). */
export const sometimes = <T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | null> =>
  fc.oneof({ withCrossShrink: true }, { weight: 100 - percent, arbitrary: fc.constant(null) }, { weight: percent, arbitrary: arb });

/** `pinned` is a chain whose second DSO is DF_1_NODELETE, with a bottom layer: closing the top keeps the rest loaded as dependencies only (CLOSE5), and the bottom's symbol is two levels below the second. */
export type Shape = 'random' | 'chain' | 'pinned' | 'diamond' | 'cycle' | 'fanout' | 'tree';

/** Edges of a graph of `n` nodes as adjacency lists of indices (link order). */
function shapeEdges(shape: Shape, n: number, random: readonly (readonly number[])[]): number[][] {
  const edges: number[][] = Array.from({ length: n }, () => []);
  const add = (a: number, b: number) => {
    if (a !== b && a < n && b < n && !edges[a]!.includes(b)) edges[a]!.push(b);
  };
  switch (shape) {
    case 'chain':
    case 'pinned':
      for (let i = 0; i + 1 < n; i++) add(i, i + 1);
      break;
    case 'cycle':
      for (let i = 0; i < n; i++) add(i, (i + 1) % n);
      break;
    case 'diamond':
      for (let i = 1; i + 1 < n; i++) {
        add(0, i);
        add(i, n - 1);
      }
      if (n === 2) add(0, 1);
      break;
    case 'fanout':
      for (let i = 1; i < n; i++) add(0, i);
      break;
    case 'tree':
      // Binary tree: breadth-first and depth-first search orders differ (SYM1).
      for (let i = 1; i < n; i++) add((i - 1) >> 1, i);
      break;
    case 'random':
      random.forEach((targets, a) => targets.forEach((b) => add(a, b % n)));
      break;
  }
  return edges;
}

/** Nodes reachable from node 0, breadth-first. */
function breadthFirst(edges: readonly (readonly number[])[]): number[] {
  const order = [0];
  for (let i = 0; i < order.length; i++) for (const b of edges[order[i]!]!) if (!order.includes(b)) order.push(b);
  return order;
}

/** Nodes reachable from node 0, depth-first in link order. */
function depthFirst(edges: readonly (readonly number[])[], a = 0, order: number[] = []): number[] {
  if (!order.includes(a)) {
    order.push(a);
    for (const b of edges[a]!) depthFirst(edges, b, order);
  }
  return order;
}

/**
 * Shadowing: SHADOWED is exported by exactly two DSOs, the first pair that
 * breadth-first and depth-first search from DSO 0 reach in opposite orders,
 * so which one dlsym finds depends on search order (SYM1). Graphs where the
 * two orders agree (chains, fan-out, small graphs) are left as they are.
 */
function shadow(edges: readonly (readonly number[])[], symbols: readonly (readonly string[])[]): (readonly string[])[] {
  const bfs = breadthFirst(edges);
  const dfs = depthFirst(edges);
  const i = bfs.findIndex((a, k) => a !== dfs[k]);
  if (i < 0) return [...symbols];
  return symbols.map((s, k) => SYMBOLS.filter((x) => (x === SHADOWED ? k === bfs[i] || k === dfs[i] : s.includes(x))));
}

/**
 * A bottom layer: BOTTOM is exported only by DSOs with no DT_NEEDED of the
 * graph, so a lookup finds it only through a search list that reaches the
 * bottom of the tree; one cut short at the direct DT_NEEDED (CLOSE5) misses
 * it when the bottom is two levels down.
 */
function bottomOnly(edges: readonly (readonly number[])[], symbols: readonly (readonly string[])[]): (readonly string[])[] {
  return symbols.map((s, k) => s.filter((x) => x !== BOTTOM || edges[k]!.length === 0));
}

export interface GraphOptions {
  readonly minDsos?: number;
  readonly maxDsos?: number;
  /** Allow UNIQUE DSOs (default true). */
  readonly unique?: boolean;
  /** Allow DSOs that fail to load: a missing DT_NEEDED file, an undefined symbol (default true). */
  readonly failures?: boolean;
  /**
   * The process extension (default true): start-up DSOs the program needs
   * (`program`), traced functions calling each other across DSOs (`fn`,
   * `calls`, relocation dependencies); an implementation without it gets
   * graphs of neither.
   */
  readonly process?: boolean;
  /**
   * Traced calls (default: as `process`). Off under the rtld-shared profile:
   * a binding through a proxy to its master in namespace 0 is one
   * `add_dependency` cannot record (the master is not in the caller's
   * namespace list), which the spec does not model.
   */
  readonly traced?: boolean;
}

/** The traced function of DSO `i` (glibc's dso-sort-tests name theirs fn_a, fn_b, ...). */
export const fnName = (i: number): string => `fn_${dsoName(i).slice(3, -3)}`;
/** A callee no DSO defines: a lazy call of it ends the process, an RTLD_NOW open fails (PROC2, LOAD5). */
export const GHOST_FN = 'fn_nowhere';

/**
 * Traced functions for a graph of `n` DSOs: DSO i defines fn_i when `has[i]`
 * and calls up to two others, of later DSOs only (a call never comes back),
 * whether or not it needs them: a callee outside its DT_NEEDED is bound
 * through its scope (the global scope, RTLD_GLOBAL) or not at all, and a
 * binding outside them is a relocation dependency (SYM3, SYM4). `ghost`: that
 * DSO also calls a function no one defines.
 */
function traced(n: number, has: readonly boolean[], targets: readonly (readonly number[])[], ghost: number | null, blocked: number | null): Pick<Dso, 'fn' | 'calls'>[] {
  return Array.from({ length: n }, (_, i) => {
    if (!has[i] || i === blocked) return {};
    const calls = [...new Set((targets[i] ?? []).map((t) => i + 1 + (t % Math.max(n - i - 1, 1))).filter((j) => j < n && has[j] && j !== blocked))].map(fnName);
    if (ghost === i) calls.push(GHOST_FN);
    return calls.length > 0 ? { fn: fnName(i), calls } : { fn: fnName(i) };
  });
}

/**
 * The program's start-up DSOs: the picked ones, in pick order, each once,
 * leaving out any from which a missing file is reached (the program would
 * not start).
 */
function startup(picks: readonly number[], dsos: readonly Dso[]): string[] {
  const byName = new Map(dsos.map((d) => [d.name, d]));
  const reachesMissing = (name: string, seen = new Set<string>()): boolean => {
    if (seen.has(name)) return false;
    seen.add(name);
    const d = byName.get(name);
    return d === undefined || d.needed.some((x) => reachesMissing(x, seen));
  };
  return [...new Set(picks.map((p) => dsos[p % dsos.length]!.name))].filter((name) => !reachesMissing(name));
}

/**
 * DSO graphs: chains (some pinned), diamonds, cycles, fan-out, trees and random edges,
 * with mixes of UNIQUE, nodelete, libc-linked and -nostdlib objects, (at most
 * one each) an object needing a missing file and an object with an undefined
 * symbol, so that rollback is exercised, mostly a shadowed symbol, and half
 * the time a symbol of the bottom layer only.
 * Shrinks towards one plain DSO.
 */
export function arbGraph(opts: GraphOptions = {}): fc.Arbitrary<DsoGraph> {
  const min = opts.minDsos ?? 1;
  const max = opts.maxDsos ?? 5;
  const flags = fc.record({
    unique: opts.unique === false ? fc.constant(false) : fc.boolean(),
    nodelete: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    libc: fc.boolean(),
    symbols: fc.subarray([...SYMBOLS]),
  });
  const failIndex = opts.failures === false ? fc.constant(null) : sometimes(fc.nat(max - 1), 15);
  // A pinned chain is four DSOs long where it can be: the second's DT_NEEDED then reach two levels down.
  const size = (shape: Shape) => fc.integer({ min: shape === 'pinned' ? Math.max(min, Math.min(max, 4)) : min, max });
  return fc
    .constantFrom<Shape>('random', 'chain', 'pinned', 'diamond', 'cycle', 'fanout', 'tree')
    .chain((shape) => size(shape).map((n) => ({ shape, n })))
    .chain(({ shape, n }) =>
      fc.record({
        random: fc.array(fc.array(fc.nat(n - 1), { maxLength: 2 }), { minLength: n, maxLength: n }),
        flags: fc.array(flags, { minLength: n, maxLength: n }),
        missing: failIndex,
        undefinedAt: failIndex,
        // Four graphs in five; shrinks to none.
        shadowed: fc.nat(4).map((k) => k > 0),
        bottom: fc.boolean(),
        // The process extension: a third of the graphs trace calls, a quarter give the program start-up DSOs.
        trace: opts.process === false || opts.traced === false ? fc.constant(null) : sometimes(fc.record({ has: fc.array(fc.nat(3).map((k) => k > 0), { minLength: n, maxLength: n }), targets: fc.array(fc.array(fc.nat(n), { maxLength: 2 }), { minLength: n, maxLength: n }), ghost: sometimes(fc.nat(n - 1), 10) }), 30),
        program: opts.process === false ? fc.constant(null) : sometimes(fc.array(fc.nat(n - 1), { minLength: 1, maxLength: 2 }), 25),
      }).map(({ random, flags, missing, undefinedAt, shadowed, bottom, trace, program }) => {
        const edges = shapeEdges(shape, n, random);
        const symbols = flags.map((f) => f.symbols);
        const layered = bottom || shape === 'pinned' ? bottomOnly(edges, symbols) : symbols;
        const exported = shadowed ? shadow(edges, layered) : layered;
        const dsos: Dso[] = flags.map((f, i) => ({
          name: dsoName(i),
          needed: [...edges[i]!.map(dsoName), ...(missing === i ? [MISSING_DSO] : [])],
          ...f,
          nodelete: f.nodelete || (shape === 'pinned' && i === 1),
          symbols: exported[i]!,
          ...(undefinedAt === i ? { undefinedSymbol: UNDEFINED_SYMBOL } : {}),
        }));
        // The DSO with an undefined symbol traces nothing: which of the two an RTLD_NOW open names would hang on relocation order.
        const fns = trace === null ? [] : traced(n, trace.has, trace.targets, trace.ghost, undefinedAt);
        const withFns = fns.length === 0 ? dsos : dsos.map((d, i) => ({ ...d, ...fns[i] }));
        const needed = program === null ? [] : startup(program, withFns);
        return needed.length > 0 ? { dsos: withFns, program: { needed } } : { dsos: withFns };
      }),
    );
}

/** Large graphs for throughput measurement: `n` DSOs in a random sparse DAG-with-cycles. */
export function largeGraph(n: number, seed = 1): DsoGraph {
  let x = seed >>> 0 || 1;
  const rand = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  const dsos: Dso[] = Array.from({ length: n }, (_, i) => ({
    name: `lib${i}x.so`.replace(/^lib(\d+)x/, (_m, d: string) => `libd${d}`),
    needed: [],
    unique: rand() < 0.2,
    nodelete: rand() < 0.05,
    libc: rand() < 0.5,
    symbols: SYMBOLS.filter(() => rand() < 0.3),
  }));
  return {
    dsos: dsos.map((d, i) => {
      const needed = new Set<string>();
      for (let k = 0; k < 3; k++) {
        const j = Math.floor(rand() * n);
        if (j !== i && (j > i || rand() < 0.1)) needed.add(dsos[j]!.name);
      }
      return { ...d, needed: [...needed] };
    }),
  };
}
