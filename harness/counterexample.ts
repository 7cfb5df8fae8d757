import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { Profile } from '../spec/profile.ts';
import type { SystemDescription } from '../spec/run.ts';
import type { Finding } from './judge.ts';

/** Version of the spec semantics a counterexample was judged by. */
export const SPEC_VERSION = '1';

/**
 * A shrunk failure: everything needed to replay it (graph, calls, the system
 * the spec was instantiated with) and what went wrong at the first divergence.
 */
export interface Counterexample {
  readonly format: 'dlmspec-counterexample';
  readonly specVersion: string;
  readonly profile: Profile;
  readonly implementation: string;
  /** The loader's start-up objects and the glibc release the spec judged it by (`system.release`). */
  readonly system: SystemDescription;
  /**
   * Judged strictly (`--strict`): a known bug the spec models at that release
   * was expected fixed, so it shows (spec/releases.ts). Absent: false.
   */
  readonly strict?: boolean;
  readonly graph: DsoGraph;
  readonly calls: readonly Call[];
  /** fast-check seed and shrink path that reproduce it from the generators. */
  readonly seed: number;
  readonly path: string | null;
  readonly finding: Finding;
}
