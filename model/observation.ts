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
  | { readonly kind: 'lmid'; readonly lmid: number }
  /** `start`: the program started (its start-up objects loaded and constructed). */
  | { readonly kind: 'started' }
  /** `call`: the function was found and returned. */
  | { readonly kind: 'called' }
  /** `exit`: the process exited with status 0 after its destructors. */
  | { readonly kind: 'exited' }
  /**
   * `call`: the loader could not bind a symbol the function calls and ended
   * the process (glibc: `symbol lookup error: ...: undefined symbol: NAME`,
   * exit status 127). Only the spec says it; an implementation's run ends.
   */
  | { readonly kind: 'fatal'; readonly error: string };

export interface LifecycleEvent {
  /** `enter`, `leave`: a traced function of the DSO (Dso.fn) began, returned (the process extension). */
  readonly event: 'ctor' | 'dtor' | 'enter' | 'leave';
  /** The test DSO whose constructor/destructor (or traced function) ran. */
  readonly object: string;
  /** The namespace of the copy that ran it. */
  readonly ns: number;
}

/**
 * What an audit module (LD_AUDIT) heard during a call, in the order of the
 * callbacks (PROTOCOL.md "Audit events"). An object or namespace is named by
 * the cookie the loader passed; null when that cookie named no object the
 * implementation knew (e.g. a cookie the loader never set).
 */
export type AuditEvent =
  | { readonly event: 'objopen'; readonly object: string; readonly ns: number }
  | { readonly event: 'objclose'; readonly object: string | null; readonly ns: number | null }
  | { readonly event: 'activity'; readonly activity: AuditActivity; readonly ns: number | null };

export type AuditActivity = 'add' | 'delete' | 'consistent' | 'unknown';

/** One call's observation as an implementation reports it. */
export interface Observation {
  readonly result: CallResult;
  /** Constructor/destructor events during the call, in the order they ran. */
  readonly events: readonly LifecycleEvent[];
  /** Every non-empty namespace after the call, ascending by id. */
  readonly namespaces: readonly NamespaceView[];
  /** Audit events, when the implementation runs under an audit module (protocol 1, optional field). */
  readonly audit?: readonly AuditEvent[];
}

/**
 * The audit events the spec expects of a call (spec/audit.ts), or null when
 * it leaves them unjudged. `opens` in order; `closes` in any order; per
 * namespace the call added real entries to or removed entries from, the
 * la_activity brackets (AUD4, AUD5).
 */
export interface ExpectedAudit {
  readonly opens: readonly AuditEvent[];
  readonly closes: readonly AuditEvent[];
  /** `fresh`: the namespace was empty before the call (its LA_ACT_ADD is optional). */
  readonly added: readonly { readonly ns: number; readonly fresh: boolean }[];
  /**
   * `emptied`: the namespace is empty after the call (no LA_ACT_CONSISTENT
   * follows); `deleteFirst`: LA_ACT_DELETE comes before the first
   * la_objclose there (glibc 2.41 on), not after the last.
   */
  readonly removed: readonly { readonly ns: number; readonly emptied: boolean; readonly deleteFirst?: boolean }[];
  /** `closes` in exactly that order (at exit, AUD7: destructor order), not in any. */
  readonly closesInOrder?: boolean;
}

/**
 * The spec's expectation: events as a set, with the order constraints every
 * valid order satisfies (`[a, b]`: events[a] must precede events[b]),
 * transitively reduced: a pair implied by two others is not listed.
 */
export interface ExpectedObservation extends Observation {
  readonly order: ReadonlyArray<readonly [number, number]>;
  /** Other results as good as `result` (which one a loader gives is decided outside it, e.g. by the linker's relocation order). */
  readonly alternatives?: readonly CallResult[];
  /** Under an audit module only (spec/audit.ts): what `audit` must satisfy; null: not judged. */
  readonly audited?: ExpectedAudit | null;
}
