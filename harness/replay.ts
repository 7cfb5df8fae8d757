/**
 * A saved counterexample run again on an implementation and judged by the
 * spec: what `dlmspec replay`, the corpus test and the compatibility
 * matrix's known-bug rows do.
 */
import type { Implementation, SystemInfo } from '../adapters/implementation.ts';
import { runSpec, type SystemDescription } from '../spec/run.ts';
import { loaderSystem } from './backports.ts';
import type { Counterexample } from './counterexample.ts';
import { EnvironmentError } from './files.ts';
import { judge, type Finding } from './judge.ts';
import type { Step } from '../spec/step.ts';

export interface ReplayJudgement {
  /**
   * `file` (default): judged with the start-up objects and release the file
   * recorded; `loader`: with those the implementation reports now (a file
   * replayed on another release is judged by that release).
   */
  readonly system?: 'file' | 'loader';
  /** Override the release judged (`--glibc-version`). */
  readonly release?: string;
  /** Override the file's strictness (`--strict`): expect the fix where the release has a modelled known bug. */
  readonly strict?: boolean;
}

export interface Replayed {
  readonly info: SystemInfo;
  /** What the spec was instantiated with. */
  readonly system: SystemDescription;
  readonly steps: readonly Step[];
  readonly finding: Finding | null;
}

/** Runs the file's graph and calls on `impl` (whose hello is taken first) and judges them. */
export async function replayCounterexample(impl: Implementation, c: Counterexample, how: ReplayJudgement = {}): Promise<Replayed> {
  let info: SystemInfo;
  try {
    info = await impl.hello();
  } catch (e) {
    if ((e as Error).name === 'BuildError') throw e;
    throw new EnvironmentError(`cannot replay on ${impl.name}: its handshake failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const base: SystemDescription = how.system === 'loader' ? await loaderSystem(impl, info, c.profile, how.release ?? info.release) : c.system;
  const release = how.release ?? base.release;
  const system: SystemDescription = { ...base, ...(release !== undefined ? { release } : {}) };
  const steps = runSpec(c.profile, c.graph, c.calls, system, { strict: how.strict ?? c.strict === true }).steps;
  let outcome;
  try {
    outcome = await impl.run(c.graph, c.calls);
  } catch (e) {
    if ((e as Error).name === 'BuildError') throw e;
    outcome = { status: 'protocol-error' as const, observations: [], detail: `implementation failed: ${(e as Error).message}` };
  }
  return { info, system, steps, finding: judge(steps, outcome) };
}
