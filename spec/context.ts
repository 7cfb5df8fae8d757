import type { ProgramStart, SystemObject } from '../model/dso.ts';
import type { Release } from '../model/release.ts';
import type { World } from '../model/state.ts';
import type { Profile } from './profile.ts';

/**
 * Everything a spec operation reads besides the state: the profile, the
 * release judged, the objects, and the sets that record which rules the
 * call exercised (each rule's site adds its ID: see `exercise`) and which
 * known loader bugs its expectation follows (spec/releases.ts). A call gets
 * its own sets (spec/step.ts), so no two calls share one.
 */
export interface SpecContext {
  readonly profile: Profile;
  /** The glibc release judged (spec/releases.ts); absent or null: the newest behaviour. */
  readonly release?: Release | null;
  /** Expect the fixed behaviour where the release has a modelled known bug (`--strict`). */
  readonly strict?: boolean;
  /** The loader's GLIBC_TUNABLES (spec/sorter.ts reads glibc.rtld.dynamic_sort). */
  readonly tunables?: string;
  /** How the program is started: exec'd (its PT_INTERP) or by running ld.so on it; absent: ld.so (spec/sorter.ts mainMapMarked). */
  readonly programStart?: ProgramStart;
  /**
   * Modelled known bugs whose fix this loader has though its release
   * predates it (a release branch's backport, measured: harness/backports.ts).
   */
  readonly backports?: readonly string[];
  readonly world: World;
  readonly exercised?: Set<string>;
  readonly bugs?: Set<string>;
}

/** Record that the current call exercised rule `id` (CONFORMANCE.md). Never changes behaviour. */
export function exercise(ctx: SpecContext, ...ids: string[]): void {
  for (const id of ids) ctx.exercised?.add(id);
}

/** What the loader would read from an object's file. */
export interface ObjectInfo {
  readonly name: string;
  /** DT_NEEDED in link order (libc appended for libc-linked test DSOs). */
  readonly needed: readonly string[];
  /** DT_GNU_FLAGS_1 DF_GNU_1_UNIQUE (the series' flag, S8). */
  readonly unique: boolean;
  /** DF_1_NODELETE. */
  readonly nodelete: boolean;
  readonly rtld: boolean;
  /** A test DSO (reports constructor/destructor events) rather than a system object. */
  readonly test: boolean;
  readonly symbols: readonly string[];
  readonly undefinedSymbol: string | undefined;
  /** Its traced function's symbol and the symbols that function calls (the process extension). */
  readonly fn: string | undefined;
  readonly calls: readonly string[];
}

export function libcName(system: readonly SystemObject[]): string {
  return system.find((s) => /^libc\.so/.test(s.name))?.name ?? 'libc.so.6';
}

export function rtldName(system: readonly SystemObject[]): string | undefined {
  return system.find((s) => s.rtld)?.name;
}

/**
 * The object a file name opens, or undefined when no such file exists: a
 * test DSO of the graph first, else a system object; the first of a name
 * wins. The main program and the vdso are not files: nothing opens them.
 */
export function objectInfo(ctx: SpecContext, name: string): ObjectInfo | undefined {
  const { graph, system } = ctx.world;
  const dso = graph.dsos.find((d) => d.name === name);
  if (dso !== undefined) {
    const needed = dso.libc ? [...dso.needed, libcName(system)] : dso.needed;
    const { unique, nodelete, symbols, undefinedSymbol } = dso;
    return { name, needed, unique, nodelete, rtld: false, test: true, symbols, undefinedSymbol, fn: dso.fn, calls: dso.calls ?? [] };
  }
  const sys = system.find((s) => s.name === name);
  if (sys === undefined || name === '<main>' || name.startsWith('linux-vdso')) return undefined;
  return { name, needed: sys.needed, unique: sys.unique, nodelete: false, rtld: sys.rtld, test: false, symbols: [], undefinedSymbol: undefined, fn: undefined, calls: [] };
}
