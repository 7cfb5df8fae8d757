import type { SystemObject } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { World } from '../model/state.ts';
import { RTLD_ISOLATE, RTLD_SHARED } from '../model/mode.ts';
import type { Profile } from './profile.ts';

/** Everything a spec operation reads besides the state: the profile and the objects. */
export interface SpecContext {
  readonly profile: Profile;
  readonly world: World;
}

/** What the loader would read from an object's file. */
export interface ObjectInfo {
  readonly name: string;
  /** DT_NEEDED in link order (libc appended for libc-linked test DSOs). */
  readonly needed: readonly string[];
  readonly unique: boolean;
  readonly nodelete: boolean;
  readonly rtld: boolean;
  /** A test DSO (reports constructor/destructor events) rather than a system object. */
  readonly test: boolean;
  readonly symbols: readonly string[];
  readonly undefinedSymbol: string | undefined;
}

export function libcName(system: readonly SystemObject[]): string {
  return system.find((s) => /^libc\.so/.test(s.name))?.name ?? 'libc.so.6';
}

export function rtldName(system: readonly SystemObject[]): string | undefined {
  return system.find((s) => s.rtld)?.name;
}

/**
 * What each name opens, indexed once per graph and system: both are read-only
 * data that never change once built (and a run builds a new world object
 * around the same graph and system, so the index is keyed by those two).
 */
const infoIndexes = new WeakMap<DsoGraph, WeakMap<readonly SystemObject[], ReadonlyMap<string, ObjectInfo>>>();
/** The world looked up last and its index (a memo: a run asks about one world hundreds of times in a row). */
let lastWorld: World | undefined;
let lastIndex: ReadonlyMap<string, ObjectInfo> = new Map();

/** The object a file name opens, or undefined when no such file exists. */
export function objectInfo(ctx: SpecContext, name: string): ObjectInfo | undefined {
  if (ctx.world !== lastWorld) {
    lastIndex = infoIndex(ctx.world);
    lastWorld = ctx.world;
  }
  return lastIndex.get(name);
}

function infoIndex({ graph, system }: World): ReadonlyMap<string, ObjectInfo> {
  let perSystem = infoIndexes.get(graph);
  if (perSystem === undefined) {
    perSystem = new WeakMap();
    infoIndexes.set(graph, perSystem);
  }
  let index = perSystem.get(system);
  if (index === undefined) {
    index = buildInfoIndex(graph, system);
    perSystem.set(system, index);
  }
  return index;
}

/**
 * A test DSO of the graph first, else a system object; the first of each
 * name wins. The main program and the vdso are not files: nothing opens them.
 */
function buildInfoIndex(graph: DsoGraph, system: readonly SystemObject[]): ReadonlyMap<string, ObjectInfo> {
  const index = new Map<string, ObjectInfo>();
  const libc = libcName(system);
  const taken = new Set<string>();
  for (const dso of graph.dsos) {
    if (taken.has(dso.name)) continue;
    taken.add(dso.name);
    index.set(dso.name, {
      name: dso.name,
      needed: dso.libc ? [...dso.needed, libc] : dso.needed,
      unique: dso.unique,
      nodelete: dso.nodelete,
      rtld: false,
      test: true,
      symbols: dso.symbols,
      undefinedSymbol: dso.undefinedSymbol,
    });
  }
  for (const sys of system) {
    if (taken.has(sys.name)) continue;
    taken.add(sys.name);
    if (sys.name === '<main>' || sys.name.startsWith('linux-vdso')) continue;
    index.set(sys.name, { name: sys.name, needed: sys.needed, unique: sys.unique, nodelete: false, rtld: sys.rtld, test: false, symbols: [], undefinedSymbol: undefined });
  }
  return index;
}

/**
 * S1, S2, S8, S9: whether loading `object` into `ns` with `mode` shares it
 * through a proxy of a namespace-0 master. Never under the glibc profile.
 */
export function shares(ctx: SpecContext, ns: number, mode: number, object: string): boolean {
  if (ctx.profile !== 'rtld-shared' || ns === 0) return false; // S1
  if (mode & RTLD_ISOLATE) return false; // S9
  if (mode & RTLD_SHARED) return true; // S2
  // Stryker disable next-line BooleanLiteral: equivalent mutants, see CONFORMANCE.md
  return objectInfo(ctx, object)?.unique ?? false; // S8
}
