import type { Call } from '../model/call.ts';
import type { SystemObject } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { NamespaceView } from '../model/observation.ts';
import type { LoaderState } from '../model/state.ts';
import type { SpecContext } from './context.ts';
import { initialState, referenceSystem } from './initial.ts';
import type { Profile } from './profile.ts';
import { step, type Step } from './step.ts';
import { namespaceViews, type Viewed } from './view.ts';

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

/**
 * The reference systems, built once: the spec only reads them, and reusing
 * the same objects lets per-world indexes (spec/context.ts) serve every run.
 */
const REFERENCE: Readonly<Record<Profile, SystemDescription>> = { glibc: referenceSystem(false), 'rtld-shared': referenceSystem(true) };

/**
 * The start state of a system, and its namespace views, built once per
 * description and shared by every run from it: states are never changed (a
 * call makes a new state instead). Not frozen: every call copies the records
 * it changes, and copying a frozen record takes the engine's slow path.
 */
const starts = new WeakMap<SystemDescription, Viewed>();

function startOf(sys: SystemDescription): Viewed {
  let start = starts.get(sys);
  if (start === undefined) {
    const state = initialState(sys.system, sys.initial);
    start = { state, views: namespaceViews(state) };
    starts.set(sys, start);
  }
  return start;
}

/** Run a whole sequence through the spec. `sys` defaults to the reference system of the profile. */
export function runSpec(profile: Profile, graph: DsoGraph, calls: readonly Call[], sys?: SystemDescription): SpecRun {
  const description = sys ?? REFERENCE[profile];
  const ctx: SpecContext = { profile, world: { graph, system: description.system } };
  const start = startOf(description);
  const steps: Step[] = [];
  let state = start.state;
  let views = start.views;
  calls.forEach((call, i) => {
    const s = step(ctx, state, call, i, views);
    steps.push(s);
    state = s.after;
    views = s.expected.namespaces;
  });
  return { ctx, initial: start.state, steps, final: state };
}
