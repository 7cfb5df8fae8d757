/**
 * A scenario: a table a person writes by hand (scenarios/FORMAT.md), one
 * call per row with optional expectations, over a small DSO graph. This is
 * the parsed form; schema/scenario.schema.json describes it and a
 * `.scenario.json` file may hold it directly.
 */
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { EntryView, LifecycleEvent } from '../model/observation.ts';
import type { Profile } from '../spec/profile.ts';

/** What a row says of the call's result; a field left out is not checked. */
export type ResultExpectation =
  | { readonly kind: 'handle'; readonly handle?: number; readonly ns?: number; readonly proxy?: boolean; readonly object?: string }
  /** `error` absent: any dlerror (or none); null: none; a string: dlerror contains it. */
  | { readonly kind: 'null'; readonly error?: string | null }
  | { readonly kind: 'ok' }
  | { readonly kind: 'fail'; readonly error?: string | null }
  | { readonly kind: 'symbol'; readonly ns?: number; readonly object?: string }
  | { readonly kind: 'lmid'; readonly lmid: number }
  | { readonly kind: 'started' }
  | { readonly kind: 'called' }
  | { readonly kind: 'exited' }
  /** The process ends in the call (a binding the loader cannot make); `error`: the message contains it. */
  | { readonly kind: 'fatal'; readonly error?: string };

/**
 * A namespace list after the call. `all: false` lists only the objects of the
 * scenario's graph (the start-up objects and libc copies left out); `all:
 * true` the whole list. An empty `entries` says the namespace holds none.
 */
export interface NamespaceExpectation {
  readonly ns: number;
  readonly all: boolean;
  readonly entries: readonly EntryView[];
}

export interface RowExpectation {
  readonly result?: ResultExpectation;
  readonly namespaces?: readonly NamespaceExpectation[];
  /** Constructor/destructor events of the call, as a multiset. */
  readonly events?: readonly LifecycleEvent[];
  /** The call's events in exactly this order (constructors, destructors, a traced call's enter and leave). */
  readonly trace?: readonly LifecycleEvent[];
}

export interface Row {
  readonly call: Call;
  /** Where the row was written (text files), for messages. */
  readonly line?: number;
  /** The name of the series' own row this one states, if any. */
  readonly label?: string;
  readonly expect?: RowExpectation;
}

export interface Scenario {
  readonly format: 'dlmspec-scenario';
  readonly name: string;
  readonly about?: string;
  readonly source?: string;
  readonly profile: Profile;
  /** GLIBC_TUNABLES the scenario runs under, besides dlmspec's own (e.g. glibc.rtld.dynamic_sort=1: the sorter). */
  readonly tunables?: string;
  readonly graph: DsoGraph;
  readonly rows: readonly Row[];
}
