/**
 * Helpers for mutants that edit an immer draft of the state directly, with
 * the spec's rules for the parts they do not bend: a proxy is made only of a
 * master, and pins it.
 */
import { castDraft, type Draft } from 'immer';
import type { Entry, LoaderState } from '../model/state.ts';

export type StateDraft = Draft<LoaderState>;

/** What makes a new entry what it is; the rest of it starts out empty. */
export type EntryFields = Pick<Entry, 'object' | 'ns' | 'kind' | 'master'>;

export function draftEntry(draft: StateDraft, id: number): Draft<Entry> {
  const e = draft.entries[id];
  if (e === undefined) throw new Error(`internal: no entry ${id}`);
  return e;
}

/** Append a new entry to a namespace list of a draft (glibc: _dl_new_object + _dl_add_to_namespace_list). */
export function appendEntry(draft: StateDraft, { object, ns, kind, master }: EntryFields): Draft<Entry> {
  const id = draft.nextId;
  draft.nextId += 1;
  draft.entries[id] = castDraft({ id, deps: [], openCount: 0, nodelete: false, startup: false, searchList: 'none', scope: [], initfini: null, reldeps: [], bound: {}, object, ns, kind, master });
  const list = draft.namespaces[ns];
  if (list === undefined) throw new Error(`internal: no namespace ${ns}`);
  list.push(id);
  return draftEntry(draft, id);
}

/** A new proxy in `ns` of the real namespace-0 entry `master` of a draft, pinning it (S2, S5, S13). */
export function newProxy(draft: StateDraft, ns: number, master: Draft<Entry>): Draft<Entry> {
  if (master.kind !== 'real' || master.ns !== 0) throw new Error('internal: S13 proxy of a non-master');
  master.nodelete = true;
  return appendEntry(draft, { object: master.object, ns, kind: 'proxy', master: master.id });
}
