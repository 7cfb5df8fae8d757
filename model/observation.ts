/**
 * What an implementation reports after each call (protocol v1). Everything
 * here is observable through public APIs (SEMANTICS.md section 4); the spec
 * produces the same shape, plus order constraints on events.
 */

/** An entry of a namespace list: the object's name, and whether it is a proxy. */
export interface EntryView {
  readonly object: string;
  readonly proxy: boolean;
}

export interface NamespaceView {
  readonly ns: number;
  readonly entries: readonly EntryView[];
}

export type CallResult =
  /** dlopen/dlmopen returned a handle. `handle` is the lowest call index whose
   * returned pointer equals this one and is still loaded (`h<handle>`). */
  | { readonly kind: 'handle'; readonly handle: number; readonly ns: number; readonly object: string; readonly proxy: boolean }
  /** dlopen/dlmopen/dlsym returned NULL; `error` is dlerror() (null: none). */
  | { readonly kind: 'null'; readonly error: string | null }
  /** dlclose returned 0. */
  | { readonly kind: 'ok' }
  /** dlclose/dlinfo returned non-zero; `error` is dlerror(). */
  | { readonly kind: 'fail'; readonly error: string | null }
  /** dlsym found the symbol; where its definition lives (a real entry). */
  | { readonly kind: 'symbol'; readonly ns: number; readonly object: string }
  /** dlinfo(RTLD_DI_LMID) succeeded. */
  | { readonly kind: 'lmid'; readonly lmid: number };

export interface LifecycleEvent {
  readonly event: 'ctor' | 'dtor';
  /** The test DSO whose constructor/destructor ran. */
  readonly object: string;
  /** The namespace of the copy that ran it. */
  readonly ns: number;
}

/** One call's observation as an implementation reports it. */
export interface Observation {
  readonly result: CallResult;
  /** Constructor/destructor events during the call, in the order they ran. */
  readonly events: readonly LifecycleEvent[];
  /** Every non-empty namespace after the call, ascending by id. */
  readonly namespaces: readonly NamespaceView[];
}

/**
 * The spec's expectation: events as a set, with the order constraints every
 * valid order satisfies (`[a, b]`: events[a] must precede events[b]),
 * transitively reduced: a pair implied by two others is not listed.
 */
export interface ExpectedObservation extends Observation {
  readonly order: ReadonlyArray<readonly [number, number]>;
}
