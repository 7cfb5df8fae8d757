/**
 * Semantic mutants: loaders that each break one rule of the spec in a way a
 * real loader plausibly could. A model mutant is the spec's own operations
 * (spec/open.ts, spec/close.ts, spec/sym.ts) with one deliberate deviation;
 * a shim mutant is the machine's glibc with an LD_PRELOAD shim that bends
 * one behaviour (mutants/shims/). Either is validated like any other
 * implementation: through PROTOCOL.md (mutants/server.ts) or the native
 * driver, never as a special case of the suite.
 */
import type { Implementation, RunOutcome, SystemInfo } from '../adapters/implementation.ts';
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { Observation } from '../model/observation.ts';
import type { SpecContext } from '../spec/context.ts';
import { withAuditor } from '../spec/audit.ts';
import { initialState, referenceSystem } from '../spec/initial.ts';
import { reported } from '../adapters/linearize.ts';
import type { Profile } from '../spec/profile.ts';
import { SPEC_OPS, step, type Ops, type Step } from '../spec/step.ts';

/** A run that demonstrates the deviation: the mutant and the spec observe it differently. */
export interface Witness {
  readonly dsos: readonly Dso[];
  readonly calls: readonly Call[];
}

interface MutantBase {
  /** Short kebab-case name, unique over all mutants. */
  readonly name: string;
  /** The profile whose rules it breaks: validated against that profile. */
  readonly profile: Profile;
  /** The rule ID (CONFORMANCE.md) it breaks. */
  readonly rule: string;
  /** One line: what this loader does wrong. */
  readonly description: string;
  /** Runs under an audit module: its start-up state shows an auditor's namespace (spec/audit.ts withAuditor). */
  readonly audit?: boolean;
}

export interface ModelMutant extends MutantBase {
  readonly kind: 'model';
  /**
   * The operations of one run: the spec's, with one of them replaced. Called
   * once per run, so a mutant may keep per-run memory in the closure.
   */
  readonly ops: (spec: Ops) => Partial<Ops>;
  readonly witness: Witness;
}

export interface ShimMutant extends MutantBase {
  readonly kind: 'shim';
  /** The C source under mutants/shims/, built into an LD_PRELOAD object. */
  readonly source: string;
}

export type Mutant = ModelMutant | ShimMutant;

/**
 * Run one sequence through a model (spec ops, or a mutant's) with the spec's
 * own `step`. A model that throws part-way (a mutant tripping over its
 * own deviation) stops there: `error` says why.
 */
export function traceModel(
  profile: Profile,
  ops: Ops,
  graph: DsoGraph,
  calls: readonly Call[],
  sys = referenceSystem(profile === 'rtld-shared'),
): { ctx: SpecContext; steps: Step[]; error: string | null } {
  const ctx: SpecContext = { profile, world: { graph, system: sys.system } };
  let state = initialState(sys.system, sys.initial);
  const steps: Step[] = [];
  try {
    calls.forEach((call, index) => {
      const s = step(ctx, state, call, index, ops);
      steps.push(s);
      state = s.after;
    });
  } catch (e) {
    return { ctx, steps, error: (e as Error).message };
  }
  return { ctx, steps, error: null };
}

/** The observations a model reports for a sequence (events in one order its constraints allow). */
export function runModel(
  profile: Profile,
  ops: Ops,
  graph: DsoGraph,
  calls: readonly Call[],
  sys = referenceSystem(profile === 'rtld-shared'),
): { observations: Observation[]; error: string | null } {
  const { steps, error } = traceModel(profile, ops, graph, calls, sys);
  return { observations: steps.map(({ expected }) => reported(expected)), error };
}

/** The start-up objects and state a mutant's hello reports: the reference system, with an auditor when it is an audit mutant. */
export function mutantSystem(m: Pick<MutantBase, 'profile' | 'audit'>): ReturnType<typeof referenceSystem> {
  const sys = referenceSystem(m.profile === 'rtld-shared');
  return m.audit ? withAuditor(sys) : sys;
}

/** The operations of one run of a model mutant. */
export function mutantOps(m: ModelMutant): Ops {
  return { ...SPEC_OPS, ...m.ops(SPEC_OPS) };
}

/**
 * A model mutant as an Implementation (in-process). mutants/server.ts serves
 * exactly this over PROTOCOL.md; the strength benchmark talks to the server.
 */
export class ModelMutantImplementation implements Implementation {
  readonly name: string;
  private readonly sys: ReturnType<typeof referenceSystem>;

  constructor(readonly mutant: ModelMutant) {
    this.name = `mutant:${mutant.name}`;
    this.sys = mutantSystem(mutant);
  }

  async hello(): Promise<SystemInfo> {
    // A model speaks the process extension (PROTOCOL.md section 10) as the spec does: start-up objects, traced calls, exit.
    return { implementation: `dlmspec mutant ${this.mutant.name} (${this.mutant.profile}, breaks ${this.mutant.rule})`, ...this.sys, extensions: { process: 1 } };
  }

  async run(graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome> {
    const { observations, error } = runModel(this.mutant.profile, mutantOps(this.mutant), graph, calls, this.sys);
    // A mutant that trips over its own deviation later in a run crashes, as a real loader would.
    if (error !== null) return { status: 'crash', observations, signal: null, exitCode: null, detail: `mutant model failed: ${error}` };
    return { status: 'ok', observations };
  }

  async close(): Promise<void> {}
}
