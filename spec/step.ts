import { match } from 'ts-pattern';
import type { Call } from '../model/call.ts';
import type { CallResult, ExpectedAudit, ExpectedObservation } from '../model/observation.ts';
import { handleEntry, realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { auditEvents, underAudit } from './audit.ts';
import { dlclose } from './close.ts';
import { exercise, type SpecContext } from './context.ts';
import * as msg from './messages.ts';
import { dlmopen, dlopen } from './open.ts';
import { unchanged, type Outcome } from './outcome.ts';
import { dlsym } from './sym.ts';
import { call } from './call.ts';
import { exitProcess } from './exit.ts';
import { start } from './start.ts';
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
  /** The process extension: the program's start-up, a call of a DSO function, exit. */
  start(ctx: SpecContext, state: LoaderState): Outcome;
  call(ctx: SpecContext, state: LoaderState, entry: Entry, symbol: string): Outcome;
  exit(ctx: SpecContext, state: LoaderState): Outcome;
  /** Under an audit module: the audit events of the call (spec/audit.ts). */
  audit(ctx: SpecContext, call: Call, before: LoaderState, outcome: Outcome): ExpectedAudit | null;
}

/** INFO1, S2: dlinfo(RTLD_DI_LMID) says the entry's own namespace (a proxy's, not its master's). */
function dlinfo(ctx: SpecContext, _state: LoaderState, entry: Entry): CallResult {
  exercise(ctx, 'INFO1');
  return { kind: 'lmid', lmid: entry.ns };
}

/** The spec's operations. */
export const SPEC_OPS: Ops = { dlmopen, dlopen, dlclose, dlsym, dlinfo, start, call, exit: exitProcess, audit: auditEvents };

/** One call of a sequence: its index (names its handle), the state after it and what it showed. */
export interface Step {
  readonly index: number;
  readonly call: Call;
  readonly before: LoaderState;
  readonly after: LoaderState;
  readonly expected: ExpectedObservation;
  /** Rule IDs this step exercised, as recorded by the code that implements each (sorted). */
  readonly rules: readonly string[];
  /** Known loader bugs of the release that this step's expectation follows (spec/releases.ts; sorted). */
  readonly bugs: readonly string[];
}

/**
 * Execute call number `index` on `state`: a pure function of (context, state,
 * call) to (next state, expected observation, rules exercised). `ops` are the
 * spec's unless a mutant's are given.
 */
export function step(ctx: SpecContext, state: LoaderState, call: Call, index: number, ops: Ops = SPEC_OPS): Step {
  const exercised = new Set<string>();
  const bugs = new Set<string>();
  const callCtx = { ...ctx, exercised, bugs };
  const outcome = execute(ops, callCtx, state, call, index);
  const audited = underAudit(state) ? { audited: ops.audit(callCtx, call, state, outcome) } : {};
  const alternatives = outcome.alternatives !== undefined && outcome.alternatives.length > 0 ? { alternatives: outcome.alternatives } : {};
  const expected: ExpectedObservation = { result: outcome.result, events: outcome.events, order: outcome.order, namespaces: namespaceViews(outcome.state), ...alternatives, ...audited };
  return { index, call, before: state, after: outcome.state, expected, rules: [...exercised].sort(), bugs: [...bugs].sort() };
}

function execute(ops: Ops, ctx: SpecContext, state: LoaderState, call: Call, index: number): Outcome {
  const stale = staleHandle(state, call);
  if (stale !== undefined) return refuseStale(state, call, stale);
  return match(call)
    .with({ op: 'dlmopen' }, (c) => ops.dlmopen(ctx, state, c.lmid, c.file, c.mode, index, 0))
    .with({ op: 'dlopen' }, (c) => ops.dlopen(ctx, state, c.file, c.mode, index, callerNs(ctx, state, c.caller)))
    .with({ op: 'dlclose' }, (c) => ops.dlclose(ctx, state, entry(state, c.handle)))
    .with({ op: 'dlsym' }, (c) => unchanged(state, ops.dlsym(ctx, state, entry(state, c.handle), c.symbol)))
    .with({ op: 'dlinfo' }, (c) => unchanged(state, ops.dlinfo(ctx, state, entry(state, c.handle))))
    .with({ op: 'start' }, () => ops.start(ctx, state))
    .with({ op: 'call' }, (c) => ops.call(ctx, state, entry(state, c.handle), c.symbol))
    .with({ op: 'exit' }, () => ops.exit(ctx, state))
    .exhaustive();
}

/** Spec-only: a stale handle is undefined behaviour on a real loader; the model refuses it. */
function refuseStale(state: LoaderState, call: Call, handle: number): Outcome {
  const kind = call.op === 'dlsym' || call.op === 'call' || call.op === 'dlopen' || call.op === 'dlmopen' ? 'null' : 'fail';
  return unchanged(state, { kind, error: msg.staleHandle(handle) });
}

/** The first handle the call reads (its operand, then its caller) whose entry is no longer loaded. */
function staleHandle(state: LoaderState, call: Call): number | undefined {
  if ('handle' in call && handleEntry(state, call.handle) === undefined) return call.handle;
  if ('caller' in call && call.caller !== undefined && handleEntry(state, call.caller) === undefined) return call.caller;
  return undefined;
}

/** The entry of a handle known not to be stale. */
const entry = (state: LoaderState, h: number): Entry => handleEntry(state, h) as Entry;

/** CALLER1: code of a DSO runs in the namespace of the real entry it belongs to (a proxy's code is its master's). */
function callerNs(ctx: SpecContext, state: LoaderState, caller: number | undefined): number {
  if (caller === undefined) return 0;
  exercise(ctx, 'CALLER1');
  return realEntry(state, entry(state, caller)).ns;
}
