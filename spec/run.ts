import type { Call } from '../model/call.ts';
import type { ProgramStart, SystemObject } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { NamespaceView } from '../model/observation.ts';
import { parseRelease } from '../model/release.ts';
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

/** What a loader says of itself at start-up (its hello), as the spec is instantiated with it. */
export interface SystemDescription {
  readonly system: readonly SystemObject[];
  readonly initial: readonly NamespaceView[];
  /** The glibc release it is, as `gnu_get_libc_version()` says (model/release.ts); absent: the newest behaviour. */
  readonly release?: string;
  /** The GLIBC_TUNABLES it runs with (the sorter, spec/sorter.ts); absent: none. */
  readonly tunables?: string;
  /** Modelled known bugs whose backported fix it was measured to have (harness/backports.ts). */
  readonly backports?: readonly string[];
  /** How it starts the program: exec'd, or ld.so run on it; absent: ld.so (spec/sorter.ts mainMapMarked). */
  readonly programStart?: ProgramStart;
}

export interface JudgeOptions {
  /** Expect the fixed behaviour where the release has a modelled known bug (spec/releases.ts). */
  readonly strict?: boolean;
}

/**
 * What a loader's hello says of it, as the spec is instantiated with it: its
 * start-up objects, its release (or `release`, `--glibc-version`), its tunables.
 */
export function describedSystem(info: { system: readonly SystemObject[]; initial: readonly NamespaceView[]; release?: string; tunables?: string; programStart?: ProgramStart }, release = info.release): SystemDescription {
  return { system: info.system, initial: info.initial, ...(release !== undefined ? { release } : {}), ...(info.tunables !== undefined ? { tunables: info.tunables } : {}), ...(info.programStart !== undefined ? { programStart: info.programStart } : {}) };
}

/** The context a sequence on `sys` is judged in: profile, release, strictness, objects. */
export function specContext(profile: Profile, graph: DsoGraph, sys: SystemDescription, opts: JudgeOptions = {}): SpecContext {
  const release = sys.release === undefined ? null : parseRelease(sys.release);
  return { profile, release, strict: opts.strict ?? false, ...(sys.tunables !== undefined ? { tunables: sys.tunables } : {}), ...(sys.programStart !== undefined ? { programStart: sys.programStart } : {}), ...(sys.backports !== undefined && sys.backports.length > 0 ? { backports: sys.backports } : {}), world: { graph, system: sys.system } };
}

/** Run a whole sequence through the spec. `sys` defaults to the reference system of the profile. */
export function runSpec(profile: Profile, graph: DsoGraph, calls: readonly Call[], sys?: SystemDescription, opts: JudgeOptions = {}): SpecRun {
  const described = sys ?? referenceSystem(profile === 'rtld-shared');
  const { system, initial: views } = described;
  const ctx = specContext(profile, graph, described, opts);
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
