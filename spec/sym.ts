/** dlsym (glibc: elf/dl-sym.c, elf/dl-lookup.c). */
import type { CallResult } from '../model/observation.ts';
import { realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { exercise, objectInfo, type SpecContext } from './context.ts';
import * as msg from './messages.ts';
import { throughProxy } from './shared.ts';

/**
 * The handle's search list (glibc: l_searchlist): the object, then its
 * dependencies breadth-first, each once; only the object and its direct
 * DT_NEEDED when the close worker made the list (CLOSE5). A proxy in the
 * list contributes its master's symbols (S7) but not the master's
 * dependencies. The breadth-first list is the one dlopen built: the
 * dependencies of a live entry never change, and all of them stay loaded.
 */
export function searchList(state: LoaderState, start: Entry): Entry[] {
  if (start.searchList === 'direct') return [start, ...start.deps.map((d) => state.entries[d] as Entry)];
  const list: Entry[] = [start];
  const seen = new Set([start.id]);
  for (let i = 0; i < list.length; i++) {
    for (const d of (list[i] as Entry).deps) {
      if (!seen.has(d)) {
        seen.add(d);
        list.push(state.entries[d] as Entry);
      }
    }
  }
  return list;
}

/** SYM1, SYM2: dlsym(handle, name) gives the first definition in the handle's search list, else `undefined symbol`. */
export function dlsym(ctx: SpecContext, state: LoaderState, handle: Entry, symbol: string): CallResult {
  const real = firstDefiner(ctx, state, handle, symbol);
  if (real !== undefined) return { kind: 'symbol', ns: real.ns, object: real.object };
  return { kind: 'null', error: msg.undefinedSymbol(handle.object, symbol) };
}

/** SYM1, SYM2: the real entry whose definition dlsym(handle, name) finds (an export or a traced function), or undefined. */
export function firstDefiner(ctx: SpecContext, state: LoaderState, handle: Entry, symbol: string): Entry | undefined {
  throughProxy(ctx, handle);
  for (const e of searchList(state, realEntry(state, handle))) {
    const real = realEntry(state, e);
    const info = objectInfo(ctx, real.object);
    if (info?.symbols.includes(symbol) || info?.fn === symbol) {
      exercise(ctx, 'SYM1');
      return real;
    }
  }
  exercise(ctx, 'SYM2');
  return undefined;
}
