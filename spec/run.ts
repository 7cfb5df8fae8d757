import type { Call } from '../model/call.ts';
import type { SystemObject } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { NamespaceView } from '../model/observation.ts';
import type { LoaderState } from '../model/state.ts';
import type { SpecContext } from './context.ts';
import { initialState, referenceSystem } from './initial.ts';
import type { Profile } from './profile.ts';
import { step, type Step } from './step.ts';

export interface SpecRun {
  readonly ctx: SpecContext;
  readonly initial: LoaderState;
  readonly steps: readonly Step[];
  readonly final: LoaderState;
}

export interface SystemDescription {
  readonly system: readonly SystemObject[];
  readonly initial: readonly NamespaceView[];
}

/** Run a whole sequence through the spec. `sys` defaults to the reference system of the profile. */
export function runSpec(profile: Profile, graph: DsoGraph, calls: readonly Call[], sys?: SystemDescription): SpecRun {
  const { system, initial: views } = sys ?? referenceSystem(profile === 'rtld-shared');
  const ctx: SpecContext = { profile, world: { graph, system } };
  const initial = initialState(system, views);
  const steps: Step[] = [];
  let state = initial;
  calls.forEach((call, i) => {
    const s = step(ctx, state, call, i);
    steps.push(s);
    state = s.after;
  });
  return { ctx, initial, steps, final: state };
}
