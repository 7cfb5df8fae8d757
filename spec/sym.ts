import type { CallResult } from '../model/observation.ts';
import { realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from './context.ts';
import * as msg from './messages.ts';

/**
 * The handle's search list (glibc: l_searchlist): the object, then its
 * dependencies breadth-first, each once. A proxy in the list contributes its
 * master's symbols (S7) but not the master's dependencies.
 */
export function searchList(state: LoaderState, start: Entry): Entry[] {
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

/** dlsym(handle, name): SYM1 first definition in the search list; S7 through a proxy, the master's. */
export function dlsym(ctx: SpecContext, state: LoaderState, handle: Entry, symbol: string): CallResult {
  for (const e of searchList(state, realEntry(state, handle))) {
    const real = realEntry(state, e);
    // Stryker disable next-line OptionalChaining: equivalent mutants, see CONFORMANCE.md
    if (objectInfo(ctx, real.object)?.symbols.includes(symbol)) return { kind: 'symbol', ns: real.ns, object: real.object };
  }
  return { kind: 'null', error: msg.undefinedSymbol(handle.object, symbol) }; // SYM2
}
