/**
 * The namespace lists as the loader keeps them (glibc: elf/dl-object.c), on
 * an immer draft of the state: every function here runs inside a `produce`.
 */
import { Immer, original, type Draft } from 'immer';
import type { Entry, LoaderState } from '../model/state.ts';

export type StateDraft = Draft<LoaderState>;

/**
 * The spec's `produce`: immer's, with auto-freezing off (`autoFreeze: false`,
 * immer's own option). No state is written outside a recipe, so freezing
 * each new state deeply guarded nothing and took about 15% of a run.
 */
export const { produce } = new Immer({ autoFreeze: false });

/** What makes a new entry what it is; the rest of it starts out empty. */
export type EntryFields = Pick<Entry, 'object' | 'ns' | 'kind' | 'master'>;

export function entryOf(draft: StateDraft, id: number): Draft<Entry> {
  const e = draft.entries[id];
  if (e === undefined) throw new Error(`internal: no entry ${id}`);
  return e;
}

/**
 * The entry of `object` in namespace `ns`, as found (glibc: _dl_map_object's
 * walk of the namespace list, `_dl_name_match_p`). A namespace of the spec
 * holds one entry per object; of several, the newest is taken. Within an
 * open a list only grows, by the entries the call creates: those are looked
 * at first (newest first), then the list as the call found it.
 */
export function findObject(draft: StateDraft, ns: number, object: string): Entry | undefined {
  const before = original(draft) as LoaderState;
  for (let id = draft.nextId - 1; id >= before.nextId; id--) {
    const e = draft.entries[id];
    if (e !== undefined && e.ns === ns && e.object === object) return e;
  }
  const list = before.namespaces[ns] ?? [];
  for (let i = list.length - 1; i >= 0; i--) {
    const e = before.entries[list[i] as number];
    if (e?.object === object) return e;
  }
  return undefined;
}

/**
 * _dl_new_object + _dl_add_to_namespace_list: a new entry at the end of its
 * namespace list, with a serial id never used before; no dependencies
 * resolved yet, not opened, not pinned, no search list of its own.
 */
export function _dl_new_object(draft: StateDraft, { object, ns, kind, master }: EntryFields): Draft<Entry> {
  const id = draft.nextId;
  draft.nextId += 1;
  draft.entries[id] = { id, deps: [], openCount: 0, nodelete: false, startup: false, searchList: 'none', scope: [], initfini: null, reldeps: [], bound: {}, object, ns, kind, master };
  const list = draft.namespaces[ns];
  if (list === undefined) throw new Error(`internal: no namespace ${ns}`);
  list.push(id);
  return entryOf(draft, id);
}

/** The entries this call created so far, in creation order (ids are serial from the state's `nextId` on). */
export function createdSince(draft: StateDraft, firstId: number): Draft<Entry>[] {
  const created: Draft<Entry>[] = [];
  for (let id = firstId; id < draft.nextId; id++) {
    const e = draft.entries[id];
    if (e !== undefined) created.push(e);
  }
  return created;
}

/**
 * A failure that rolls the whole call back (LOAD4): thrown inside the call's
 * `produce`, which then discards its draft. It is the loader's error string,
 * not a bug of the spec, so it is no `Error` and records no stack trace
 * (capturing one cost a tenth of a failed open).
 */
export class LoadError {
  constructor(
    readonly message: string,
    /** Other messages the loader may give as well (which one is the linker's relocation order, not the loader's: see bindNow). */
    readonly alternatives: readonly string[] = [],
  ) {}
}
