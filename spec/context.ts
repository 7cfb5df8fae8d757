import type { SystemObject } from '../model/dso.ts';
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

/** Per world: what each name opens (the world never changes during a run). */
const infoCache = new WeakMap<World, Map<string, ObjectInfo | undefined>>();

/** The object a file name opens, or undefined when no such file exists. */
export function objectInfo(ctx: SpecContext, name: string): ObjectInfo | undefined {
  let cache = infoCache.get(ctx.world);
  if (cache === undefined) {
    cache = new Map();
    infoCache.set(ctx.world, cache);
  }
  if (cache.has(name)) return cache.get(name);
  const info = readObject(ctx, name);
  cache.set(name, info);
  return info;
}

function readObject(ctx: SpecContext, name: string): ObjectInfo | undefined {
  const dso = ctx.world.graph.dsos.find((d) => d.name === name);
  if (dso !== undefined) {
    return {
      name,
      needed: dso.libc ? [...dso.needed, libcName(ctx.world.system)] : dso.needed,
      unique: dso.unique,
      nodelete: dso.nodelete,
      rtld: false,
      test: true,
      symbols: dso.symbols,
      undefinedSymbol: dso.undefinedSymbol,
    };
  }
  const sys = ctx.world.system.find((s) => s.name === name);
  if (sys === undefined || sys.name === '<main>' || sys.name.startsWith('linux-vdso')) return undefined;
  return { name, needed: sys.needed, unique: sys.unique, nodelete: false, rtld: sys.rtld, test: false, symbols: [], undefinedSymbol: undefined };
}

/**
 * S1, S2, S8, S9: whether loading `object` into `ns` with `mode` shares it
 * through a proxy of a namespace-0 master. Never under the glibc profile.
 */
export function shares(ctx: SpecContext, ns: number, mode: number, object: string): boolean {
  if (ctx.profile !== 'rtld-shared' || ns === 0) return false; // S1
  if (mode & RTLD_ISOLATE) return false; // S9
  if (mode & RTLD_SHARED) return true; // S2
  return objectInfo(ctx, object)?.unique ?? false; // S8
}
