/** What one call does to the loader: the spec's operations all return it. */
import type { CallResult, LifecycleEvent } from '../model/observation.ts';
import type { LoaderState } from '../model/state.ts';

/** The state after a call, what it returned, and the events it caused. */
export interface Outcome {
  readonly state: LoaderState;
  readonly result: CallResult;
  readonly events: readonly LifecycleEvent[];
  readonly order: ReadonlyArray<readonly [number, number]>;
  /** Other results a loader may give as well (spec/open.ts bindNow: the linker's relocation order decides). */
  readonly alternatives?: readonly CallResult[];
}

export const unchanged = (state: LoaderState, result: CallResult): Outcome => ({ state, result, events: [], order: [] });
