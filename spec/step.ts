import { match } from 'ts-pattern';
import type { Call } from '../model/call.ts';
import type { CallResult, ExpectedObservation, NamespaceView } from '../model/observation.ts';
import { handleEntry, realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { dlclose } from './close.ts';
import type { SpecContext } from './context.ts';
import * as msg from './messages.ts';
import { dlmopen, dlopen, unchanged, type Outcome } from './open.ts';
import { rulesExercised } from './rules.ts';
import { dlsym } from './sym.ts';
import { namespaceViews } from './view.ts';

/**
 * The operations a loader model is made of: the spec's own (SPEC_OPS), or a
 * semantic mutant's, which replaces one of them (mutants/mutant.ts). Either
 * runs through the same `step`.
 */
export interface Ops {
  dlmopen(ctx: SpecContext, state: LoaderState, lmid: number, file: string, mode: number, call: number, callerNs: number): Outcome;
  dlopen(ctx: SpecContext, state: LoaderState, file: string, mode: number, call: number, callerNs: number): Outcome;
  dlclose(ctx: SpecContext, state: LoaderState, entry: Entry): Outcome;
  dlsym(ctx: SpecContext, state: LoaderState, entry: Entry, symbol: string): CallResult;
  dlinfo(ctx: SpecContext, state: LoaderState, entry: Entry): CallResult;
}

/** INFO1, S2: dlinfo(RTLD_DI_LMID) says the entry's own namespace (a proxy's, not its master's). */
const dlinfo = (_ctx: SpecContext, _state: LoaderState, entry: Entry): CallResult => ({ kind: 'lmid', lmid: entry.ns });

/** The spec's operations. */
export const SPEC_OPS: Ops = { dlmopen, dlopen, dlclose, dlsym, dlinfo };

/** One call of a sequence: its index (names its handle), the state after it and what it showed. */
export interface Step {
  readonly index: number;
  readonly call: Call;
  readonly before: LoaderState;
  readonly after: LoaderState;
  readonly expected: ExpectedObservation;
  /** Rule IDs this step exercised (for coverage tables; see spec/rules.ts). */
  readonly rules: readonly string[];
}

/**
 * A step of the spec. Its rule tags are worked out when first read: only
 * coverage tables read them, and they take a tenth of a call's time.
 */
class SpecStep implements Step {
  readonly #ctx: SpecContext;
  #rules: readonly string[] | undefined;
  constructor(
    ctx: SpecContext,
    readonly index: number,
    readonly call: Call,
    readonly before: LoaderState,
    readonly after: LoaderState,
    readonly expected: ExpectedObservation,
  ) {
    this.#ctx = ctx;
  }
  get rules(): readonly string[] {
    return (this.#rules ??= rulesExercised(this.#ctx, this.call, this.before, this.after, this.expected.result));
  }
}

/**
 * Execute call number `index` on `state`: a pure function of (context, state,
 * call) to (next state, expected observation). `views`, when given, are the
 * namespace views of `state` (the previous step's), to be reused where the
 * call changed nothing. `ops` are the spec's unless a mutant's are given.
 */
export function step(ctx: SpecContext, state: LoaderState, call: Call, index: number, views?: readonly NamespaceView[], ops: Ops = SPEC_OPS): Step {
  const outcome = execute(ops, ctx, state, call, index);
  const expected: ExpectedObservation = {
    result: outcome.result,
    events: outcome.events,
    order: outcome.order,
    namespaces: namespaceViews(outcome.state, views === undefined ? undefined : { state, views }),
  };
  return new SpecStep(ctx, index, call, state, outcome.state, expected);
}

/** The call of operation K. */
type Op<K extends Call['op']> = Extract<Call, { op: K }>;
/** `call` as the call of its own operation: sound under a match on `call.op`. */
const as = <K extends Call['op']>(call: Call, _op: K): Op<K> => call as Op<K>;

function execute(ops: Ops, ctx: SpecContext, state: LoaderState, call: Call, index: number): Outcome {
  // Spec-only: a stale handle is undefined behaviour on a real loader; the model refuses it.
  const stale = staleHandle(state, call);
  if (stale !== undefined) return unchanged(state, { kind: call.op === 'dlsym' || call.op === 'dlopen' || call.op === 'dlmopen' ? 'null' : 'fail', error: msg.staleHandle(stale) });

  // A match on the op string: ts-pattern walks an object pattern's keys on
  // every call, which cost a tenth of a spec call. Arms in the order of how
  // often the generators make each op (an arm tried costs an allocation or two).
  return match(call.op)
    .with('dlmopen', (op) => {
      const c = as(call, op);
      return ops.dlmopen(ctx, state, c.lmid, c.file, c.mode, index, 0);
    })
    .with('dlsym', (op) => {
      const c = as(call, op);
      return unchanged(state, ops.dlsym(ctx, state, entry(state, c.handle), c.symbol));
    })
    .with('dlclose', (op) => ops.dlclose(ctx, state, entry(state, as(call, op).handle)))
    .with('dlopen', (op) => {
      const c = as(call, op);
      return ops.dlopen(ctx, state, c.file, c.mode, index, callerNs(state, c.caller));
    })
    .with('dlinfo', (op) => unchanged(state, ops.dlinfo(ctx, state, entry(state, as(call, op).handle))))
    .exhaustive();
}

/** The first handle the call reads (its operand, then its caller) whose entry is no longer loaded. */
function staleHandle(state: LoaderState, call: Call): number | undefined {
  if (call.op !== 'dlopen' && call.op !== 'dlmopen' && handleEntry(state, call.handle) === undefined) return call.handle;
  if ('caller' in call && call.caller !== undefined && handleEntry(state, call.caller) === undefined) return call.caller;
  return undefined;
}

/** The entry of a handle known not to be stale. */
const entry = (state: LoaderState, h: number): Entry => handleEntry(state, h) as Entry;

/** CALLER1: code of a DSO runs in the namespace of the real entry it belongs to. */
const callerNs = (state: LoaderState, caller: number | undefined): number => (caller === undefined ? 0 : realEntry(state, entry(state, caller)).ns);
