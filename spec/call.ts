/**
 * `call` (the process extension): dlsym of a function through a handle, then
 * a call to it. A traced function (Dso.fn) reports entering and leaving and
 * calls its callees through the PLT, each bound by the loader the first time
 * (lazy binding: `_dl_fixup`, elf/dl-runtime.c; `_dl_lookup_symbol_x`,
 * elf/dl-lookup.c), SYM3 and SYM4.
 */
import type { LifecycleEvent } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { exercise, objectInfo, type SpecContext } from './context.ts';
import { chain } from './event-order.ts';
import * as msg from './messages.ts';
import { produce, type StateDraft } from './object.ts';
import type { Outcome } from './outcome.ts';
import { bind, definition, lookup } from './scope.ts';
import { firstDefiner } from './sym.ts';

/** A binding the loader could not make: the process ends (`_dl_signal_error` outside any dlopen: fatal). */
class LookupFailure {
  constructor(readonly error: string) {}
}

/**
 * PROC2: the function dlsym finds through the handle (SYM1: the first
 * definition in its search list) is called. A plain export returns and
 * reports nothing; a traced function reports `enter`, runs each of its
 * callees in order, and reports `leave`. A callee is the slot's earlier
 * binding, else what the caller's scope binds now (SYM3), whose effects
 * stay (SYM4). A callee no object of the scope defines ends the process:
 * `symbol lookup error: OBJECT: undefined symbol: NAME`, exit status 127
 * (`fatal`), after the events so far.
 */
export function call(ctx: SpecContext, state: LoaderState, handle: Entry, symbol: string): Outcome {
  const target = firstDefiner(ctx, state, handle, symbol);
  if (target === undefined) return { state, result: { kind: 'null', error: msg.undefinedSymbol(handle.object, symbol) }, events: [], order: [] };
  exercise(ctx, 'PROC2');
  const events: LifecycleEvent[] = [];
  let failure: LookupFailure | null = null;
  const next = produce(state, (draft) => {
    try {
      if (definition(ctx, state, target, symbol) === 'fn') run(ctx, draft, target.id, events);
    } catch (e) {
      if (!(e instanceof LookupFailure)) throw e;
      failure = e;
    }
  });
  const result = failure === null ? { kind: 'called' as const } : { kind: 'fatal' as const, error: (failure as LookupFailure).error };
  return { state: next, result, events, order: chain(events.length) };
}

/** The traced function of entry `id` runs: enter, its callees, leave. */
function run(ctx: SpecContext, draft: StateDraft, id: number, events: LifecycleEvent[]): void {
  const self = draft.entries[id] as Entry;
  events.push({ event: 'enter', object: self.object, ns: self.ns });
  for (const callee of objectInfo(ctx, self.object)?.calls ?? []) {
    let to = (draft.entries[id] as Entry).bound[callee];
    if (to === undefined) {
      exercise(ctx, 'SYM3');
      const found = lookup(ctx, draft as LoaderState, draft.entries[id] as Entry, callee);
      if (found === undefined) throw new LookupFailure(msg.symbolLookupError(self.object, callee));
      bind(ctx, draft, id, callee, found.id);
      to = found.id;
    }
    const target = draft.entries[to] as Entry;
    if (definition(ctx, draft as LoaderState, target, callee) === 'fn') run(ctx, draft, to, events);
  }
  events.push({ event: 'leave', object: self.object, ns: self.ns });
}
