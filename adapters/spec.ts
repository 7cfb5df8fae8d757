import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { Observation } from '../model/observation.ts';
import { referenceSystem } from '../spec/initial.ts';
import { reported } from './linearize.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec, type SystemDescription } from '../spec/run.ts';
import type { Implementation, RunOutcome, SystemInfo } from './implementation.ts';

/** The reference spec as an implementation: what a conforming loader would report. */
export class SpecImplementation implements Implementation {
  readonly name: string;
  private readonly sys: SystemDescription;

  constructor(
    private readonly profile: Profile,
    sys?: SystemDescription,
  ) {
    this.sys = sys ?? referenceSystem(profile === 'rtld-shared');
    this.name = `spec:${profile}${this.sys.release !== undefined ? `@${this.sys.release}` : ''}`;
  }

  /** Its hello names its release as a loader's does, so it is judged by the behaviour it has. */
  async hello(): Promise<SystemInfo> {
    const at = this.sys.release !== undefined ? ` as of glibc ${this.sys.release}` : '';
    return { implementation: `dlmspec reference spec (${this.profile}${at})`, ...this.sys, extensions: { process: 1 } };
  }

  async run(graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome> {
    const run = runSpec(this.profile, graph, calls, this.sys);
    const observations: Observation[] = [];
    for (const { expected } of run.steps) {
      // A call whose binding the loader cannot make ends the process there, as ld.so does (exit status 127).
      if (expected.result.kind === 'fatal') return { status: 'crash', observations, signal: null, exitCode: 127, detail: expected.result.error };
      observations.push(reported(expected));
    }
    return { status: 'ok', observations };
  }

  async close(): Promise<void> {}
}
