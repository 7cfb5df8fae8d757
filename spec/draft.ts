import { original, type Draft } from 'immer';
import type { Entry, LoaderState } from '../model/state.ts';

/** Helpers on an immer draft of the loader state; used only inside `produce`. */
export type StateDraft = Draft<LoaderState>;

/**
 * A failure that rolls the whole call back (thrown inside `produce`, which
 * discards the draft). Not an Error: it is control flow, and a stack trace
 * per failed dlopen would dominate the spec's run time.
 */
export class LoadError {
  constructor(readonly message: string) {}
}

/**
 * Object name -> entry id, per namespace, for one draft. Built from the base
 * state on first use and kept up to date by appendEntry (entries are only
 * added while a call loads), so lookups never walk the draft.
 */
const indexes = new WeakMap<StateDraft, Map<number, Map<string, number>>>();

function nameIndex(draft: StateDraft, ns: number): Map<string, number> {
  let perNs = indexes.get(draft);
  if (perNs === undefined) {
    perNs = new Map();
    indexes.set(draft, perNs);
  }
  let index = perNs.get(ns);
  if (index === undefined) {
    const base = original(draft) as LoaderState;
    index = new Map((base.namespaces[ns] ?? []).map((id) => [(base.entries[id] as Entry).object, id]));
    perNs.set(ns, index);
  }
  return index;
}

export function draftEntry(draft: StateDraft, id: number): Draft<Entry> {
  const e = draft.entries[id];
  if (e === undefined) throw new Error(`internal: no entry ${id}`);
  return e;
}

export function draftFind(draft: StateDraft, ns: number, object: string): Draft<Entry> | undefined {
  const id = nameIndex(draft, ns).get(object);
  return id === undefined ? undefined : draftEntry(draft, id);
}

/** Append a new entry to a namespace list (glibc: _dl_new_object + _dl_add_to_namespace_list). */
export function appendEntry(
  draft: StateDraft,
  fields: Pick<Entry, 'object' | 'ns' | 'kind' | 'master'>,
): Draft<Entry> {
  const id = draft.nextId;
  draft.nextId += 1;
  draft.entries[id] = { id, deps: [], openCount: 0, nodelete: false, startup: false, ...fields };
  const list = draft.namespaces[fields.ns];
  if (list === undefined) throw new Error(`internal: no namespace ${fields.ns}`);
  list.push(id);
  nameIndex(draft, fields.ns).set(fields.object, id);
  return draftEntry(draft, id);
}

/** S2/S8/S13: a new proxy in `ns` of the real namespace-0 entry `master`, pinning it (S5). */
export function newProxy(draft: StateDraft, ns: number, master: Draft<Entry>): Draft<Entry> {
  if (master.kind !== 'real' || master.ns !== 0) throw new Error('internal: S13 proxy of a non-master');
  master.nodelete = true; // S5: a master is pinned for good
  return appendEntry(draft, { object: master.object, ns, kind: 'proxy', master: master.id });
}
