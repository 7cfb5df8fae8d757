/** Counterexample files for tests, built with the spec (no loader needed). */
import { SpecImplementation } from '../adapters/spec.ts';
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import { RTLD_NOW } from '../model/mode.ts';
import { SPEC_VERSION } from '../harness/counterexample.ts';
import { counterexampleFile, type CounterexampleFile } from '../harness/counterexample-file.ts';
import { judge } from '../harness/judge.ts';
import { referenceSystem } from '../spec/initial.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';

/** A UNIQUE DSO opened into a new namespace: a proxy under rtld-shared, a private copy under glibc (S8). */
export const UNIQUE_GRAPH: DsoGraph = { dsos: [{ name: 'liba.so', needed: [], unique: true, nodelete: false, libc: false, symbols: ['f0'] }] };
export const UNIQUE_CALLS: readonly Call[] = [{ op: 'dlmopen', lmid: -1, file: 'liba.so', mode: RTLD_NOW }];

/** The counterexample the glibc spec (standing in for stock glibc) gives under `profile`. */
export async function specCounterexample(
  impl: Profile,
  profile: Profile,
  graph: DsoGraph = UNIQUE_GRAPH,
  calls: readonly Call[] = UNIQUE_CALLS,
): Promise<CounterexampleFile> {
  const system = referenceSystem(profile === 'rtld-shared');
  const outcome = await new SpecImplementation(impl, system).run(graph, calls);
  const finding = judge(runSpec(profile, graph, calls, system).steps, outcome);
  if (finding === null) throw new Error('fixture: no divergence');
  return counterexampleFile(
    { format: 'dlmspec-counterexample', specVersion: SPEC_VERSION, profile, implementation: `spec:${impl}`, system, graph, calls, seed: 1, path: null, finding },
    { impl: `spec:${impl}`, shrunk: true },
  );
}
