/**
 * SYM3, SYM4: how the loader binds a symbol a test DSO's code calls (its
 * traced function's callees, Dso.calls), glibc's `_dl_lookup_symbol_x`
 * (elf/dl-lookup.c) over the object's `l_scope`, and what a binding leaves
 * behind (`add_dependency`). Pure queries on the state; the one change a
 * binding makes is done by `bind` on a draft.
 */
import type { Draft } from 'immer';
import { entryById, realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { exercise, objectInfo, type SpecContext } from './context.ts';
import type { StateDraft } from './object.ts';
import { searchList } from './sym.ts';

/** What an entry's object defines under `symbol`: its traced function, a plain export, or nothing. */
export function definition(ctx: SpecContext, state: LoaderState, e: Entry, symbol: string): 'fn' | 'plain' | null {
  const info = objectInfo(ctx, realEntry(state, e).object);
  if (info === undefined) return null;
  if (info.fn === symbol) return 'fn';
  return info.symbols.includes(symbol) ? 'plain' : null;
}

/**
 * A search list of the scope: an entry's own (`l_searchlist`), and for
 * namespace 0's first entry, the main program, the global scope: its
 * start-up search list, then what RTLD_GLOBAL added (`_ns_main_searchlist`).
 */
export function scopeList(state: LoaderState, owner: Entry): Entry[] {
  const own = searchList(state, owner);
  if (owner.ns !== 0 || state.namespaces[0]?.[0] !== owner.id) return own;
  return [...own, ...state.global.map((id) => entryById(state, id))];
}

/**
 * SYM3: `_dl_lookup_symbol_x` for a symbol `from`'s code refers to: the
 * search lists of its scope in order (the global scope first), in each the
 * first object that defines the symbol. A proxy stands for its master's
 * definitions (S7). Undefined: no object defines it.
 */
export function lookup(ctx: SpecContext, state: LoaderState, from: Entry, symbol: string): Entry | undefined {
  for (const owner of from.scope) {
    const o = state.entries[owner];
    if (o === undefined) continue;
    for (const e of scopeList(state, o)) if (definition(ctx, state, e, symbol) !== null) return realEntry(state, e);
  }
  return undefined;
}

/**
 * SYM4: `add_dependency(undef, found)`, what a binding made by `undef`'s code
 * to a definition in `found` leaves: nothing when `found` is the object
 * itself, cannot be unloaded (a start-up object, or nodelete), or is in its
 * `l_initfini` or `l_reldeps` already; when `undef` can never be unloaded
 * (a start-up object), `found` is made nodelete ("marking ... as NODELETE
 * due to reference from main program"); else `found` joins `undef`'s
 * `l_reldeps`, which keeps it loaded while `undef` is (CLOSE1) and orders
 * their destructors (CLOSE3). The slot stays bound to `found`.
 */
export function bind(ctx: SpecContext, draft: StateDraft, undefId: number, symbol: string, foundId: number): void {
  const undef = draft.entries[undefId] as Draft<Entry>;
  const found = draft.entries[foundId] as Draft<Entry>;
  undef.bound[symbol] = foundId;
  if (undefId === foundId || found.startup || found.nodelete) return;
  if ((undef.initfini ?? []).includes(foundId) || undef.reldeps.includes(foundId)) return;
  exercise(ctx, 'SYM4');
  if (undef.startup) found.nodelete = true;
  else undef.reldeps.push(foundId);
}
