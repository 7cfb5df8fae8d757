import { castDraft, Immer, type Draft } from 'immer';
import type { Entry, LoaderState } from '../model/state.ts';

/**
 * The spec's own immer instance: every state change goes through its
 * `produce`. Auto-freeze is off: freezing each new state cost about a fifth
 * of the spec's run time, and copying a frozen record (a call copies the
 * records it changes) takes the JavaScript engine's slow path. Immutability
 * is enforced by the readonly types of model/state.ts instead: a state is
 * never written outside a recipe. A private instance leaves immer's global
 * default, which tests and mutants use, as it was.
 */
// Stryker disable next-line BooleanLiteral,ObjectLiteral: equivalent mutants, see CONFORMANCE.md
const immer = new Immer({ autoFreeze: false });
export const produce = immer.produce;

/** An immer draft of the loader state; used only inside `produce`. */
export type StateDraft = Draft<LoaderState>;

/**
 * A failure that rolls the whole call back (thrown while the call's changes
 * are planned, before any of them is committed). Not an Error: it is control
 * flow, and a stack trace per failed dlopen would dominate the spec's run time.
 */
export class LoadError {
  constructor(readonly message: string) {}
}

/** What makes a new entry what it is; the rest of it starts out empty. */
export type EntryFields = Pick<Entry, 'object' | 'ns' | 'kind' | 'master'>;

/** A new entry (glibc: _dl_new_object): no dependencies resolved yet, not opened, not pinned. */
const newEntry = (id: number, { object, ns, kind, master }: EntryFields): Entry => ({ id, deps: [], openCount: 0, nodelete: false, startup: false, object, ns, kind, master });

/**
 * A copy of an entry, to change (its `deps` array is shared: replace it,
 * never change it in place). Every entry the spec makes is built by one
 * object literal with its fields in one order (newEntry, this, initialState):
 * entries then share one hidden class, and the engine reads their fields
 * without a lookup (object spread made a new hidden class per way of copying).
 */
export const copyEntry = (e: Entry): Draft<Entry> => ({
  id: e.id,
  deps: e.deps as number[],
  openCount: e.openCount,
  nodelete: e.nodelete,
  startup: e.startup,
  object: e.object,
  ns: e.ns,
  kind: e.kind,
  master: e.master,
});

/** S13: the fields of a proxy in `ns` of `master`, which must be a real entry of namespace 0. */
function proxyFields(ns: number, master: Entry): EntryFields {
  if (master.kind !== 'real' || master.ns !== 0) throw new Error('internal: S13 proxy of a non-master');
  return { object: master.object, ns, kind: 'proxy', master: master.id };
}

/**
 * The changes one call makes to the loader state, planned beside the state
 * they change and written into the call's draft in one batch (`commit`).
 *
 * Reads see the base state overlaid with this call's own changes and never go
 * through immer's proxies. An entry is copied the first time the call changes
 * it, and then only that copy (which no state holds yet) is changed: the
 * copy-on-write immer would do, without a proxy per entry. `commit` replaces
 * only the top-level parts the call changed (one new `entries` record, one
 * new namespace list array), so the draft never grows nested drafts: immer
 * finalizes every value written into a nested draft, which cost several
 * microseconds per entry, more than the rest of a call.
 */
export class StateChanges {
  // Kept in arrays indexed by entry id and by namespace rather than in maps: a
  // call plans a few changes among a few dozen ids, and maps were more than a
  // tenth of what a call allocated.
  /** This call's entries (the ones it created, its copies of the ones it changed), by id; `changedIds` lists them. */
  private readonly entries: (Draft<Entry> | undefined)[] = [];
  private readonly changedIds: number[] = [];
  /** Namespace lists this call appended to (copied from the base on the first append), by namespace. */
  private readonly lists: (number[] | undefined)[] = [];
  /** Per namespace: object name -> entry id, built from the base list on first use. */
  private readonly names: (Map<string, number> | undefined)[] = [];
  private nextId: number;
  /** Entries this call created, in creation order. */
  readonly created: number[] = [];

  constructor(private readonly base: LoaderState) {
    this.nextId = base.nextId;
  }

  /** The entry as this call left it so far. */
  entry(id: number): Entry {
    const e = this.entries[id] ?? this.base.entries[id];
    if (e === undefined) throw new Error(`internal: no entry ${id}`);
    return e;
  }

  /** The entry of `object` in namespace `ns` (glibc: _dl_map_object's search of the namespace list). */
  find(ns: number, object: string): Entry | undefined {
    const id = this.nameIndex(ns).get(object);
    return id === undefined ? undefined : this.entry(id);
  }

  /** Append a new entry to a namespace list (glibc: _dl_new_object + _dl_add_to_namespace_list). */
  append(fields: EntryFields): Entry {
    const id = this.nextId++;
    const e = castDraft(newEntry(id, fields));
    this.entries[id] = e;
    this.changedIds.push(id);
    this.list(fields.ns).push(id);
    this.nameIndex(fields.ns).set(fields.object, id);
    this.created.push(id);
    return e;
  }

  /** S2/S8/S13: a new proxy in `ns` of the real namespace-0 entry `master`, pinning it (S5). */
  proxy(ns: number, master: Entry): Entry {
    const fields = proxyFields(ns, master);
    this.pin(master.id); // S5: a master is pinned for good
    return this.append(fields);
  }

  /** Make an entry nodelete (DF_1_NODELETE, RTLD_NODELETE, or S5). */
  pin(id: number): void {
    if (!this.entry(id).nodelete) this.changed(id).nodelete = true;
  }

  /** One more successful open returned this entry. */
  countOpen(id: number): void {
    this.changed(id).openCount += 1;
  }

  /** The entry's DT_NEEDED, resolved in link order (glibc: l_initfini). */
  setDeps(id: number, deps: number[]): void {
    this.changed(id).deps = deps;
  }

  /** Write the changes into the call's draft (see the class comment for why as whole top-level parts). */
  commit(draft: StateDraft): void {
    if (this.nextId !== this.base.nextId) draft.nextId = this.nextId;
    if (this.changedIds.length > 0) {
      const entries: Record<number, Entry> = { ...this.base.entries };
      for (const id of this.changedIds) entries[id] = this.entries[id] as Entry;
      draft.entries = castDraft(entries);
    }
    let namespaces: (readonly number[])[] | undefined;
    for (let ns = 0; ns < this.lists.length; ns++) {
      const list = this.lists[ns];
      if (list !== undefined) (namespaces ??= [...this.base.namespaces])[ns] = list;
    }
    if (namespaces !== undefined) draft.namespaces = castDraft(namespaces);
  }

  /** This call's own copy of an entry, to change. */
  private changed(id: number): Draft<Entry> {
    let e = this.entries[id];
    if (e === undefined) {
      const base = this.base.entries[id];
      if (base === undefined) throw new Error(`internal: no entry ${id}`);
      e = copyEntry(base);
      this.entries[id] = e;
      this.changedIds.push(id);
    }
    return e;
  }

  private list(ns: number): number[] {
    let list = this.lists[ns];
    if (list === undefined) {
      const base = this.base.namespaces[ns];
      if (base === undefined) throw new Error(`internal: no namespace ${ns}`);
      list = [...base];
      this.lists[ns] = list;
    }
    return list;
  }

  private nameIndex(ns: number): Map<string, number> {
    let index = this.names[ns];
    if (index === undefined) {
      index = new Map();
      for (const id of this.base.namespaces[ns] ?? []) index.set(this.entry(id).object, id);
      this.names[ns] = index;
    }
    return index;
  }
}

/*
 * Helpers for code that edits an immer draft of the state directly (the
 * mutants of mutants/ do); the spec itself plans its changes with
 * StateChanges. Same rules: a proxy is made only of a master, and pins it.
 */

export function draftEntry(draft: StateDraft, id: number): Draft<Entry> {
  const e = draft.entries[id];
  if (e === undefined) throw new Error(`internal: no entry ${id}`);
  return e;
}

/** Append a new entry to a namespace list of a draft (glibc: _dl_new_object + _dl_add_to_namespace_list). */
export function appendEntry(draft: StateDraft, fields: EntryFields): Draft<Entry> {
  const id = draft.nextId;
  draft.nextId += 1;
  draft.entries[id] = castDraft(newEntry(id, fields));
  const list = draft.namespaces[fields.ns];
  if (list === undefined) throw new Error(`internal: no namespace ${fields.ns}`);
  list.push(id);
  return draftEntry(draft, id);
}

/** S2/S8/S13: a new proxy in `ns` of the real namespace-0 entry `master` of a draft, pinning it (S5). */
export function newProxy(draft: StateDraft, ns: number, master: Draft<Entry>): Draft<Entry> {
  const fields = proxyFields(ns, master);
  master.nodelete = true; // S5: a master is pinned for good
  return appendEntry(draft, fields);
}
