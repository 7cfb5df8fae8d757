import type { Call } from '../model/call.ts';
import type { ProgramStart, SystemObject } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { NamespaceView, Observation } from '../model/observation.ts';

/** What an implementation says of itself at start-up (protocol `hello`). */
export interface SystemInfo {
  /** Free text, e.g. "glibc 2.36 (native driver)". */
  readonly implementation: string;
  /** Objects the loader brings itself, read from the loader, not assumed. */
  readonly system: readonly SystemObject[];
  /** The namespaces before any call (namespace 0's start-up objects). */
  readonly initial: readonly NamespaceView[];
  /**
   * The glibc release the loader is (`gnu_get_libc_version()`: `2.36`,
   * `2.42.9000`), which the spec judges it by (spec/releases.ts); optional:
   * without it the newest behaviour is the judge.
   */
  readonly release?: string;
  /** The GLIBC_TUNABLES the loader runs with (the sorter it picks, spec/sorter.ts); optional. */
  readonly tunables?: string;
  /** How the process extension's program is started: `exec` (the kernel, its PT_INTERP) or `ld.so` (ld.so run on it); optional: ld.so. */
  readonly programStart?: ProgramStart;
  /**
   * Additive extensions of protocol 1 the implementation speaks, each with its
   * own version (PROTOCOL.md section 9): `audit: 1`, every observation carries
   * `audit`.
   */
  readonly extensions?: { readonly audit?: 1; readonly process?: 1 };
}

/**
 * How one sequence ended. Anything but `ok` is a finding about the
 * implementation, never a harness failure; `observations` holds the calls
 * that completed before it ended.
 */
export type RunOutcome =
  | { readonly status: 'ok'; readonly observations: readonly Observation[] }
  | {
      readonly status: 'crash';
      readonly observations: readonly Observation[];
      readonly signal: string | null;
      readonly exitCode: number | null;
      readonly detail: string;
    }
  | { readonly status: 'timeout'; readonly observations: readonly Observation[]; readonly detail: string }
  | { readonly status: 'protocol-error'; readonly observations: readonly Observation[]; readonly detail: string };

/** Anything that runs call sequences over DSO graphs: the spec, a real loader, a mutant. */
export interface Implementation {
  readonly name: string;
  hello(): Promise<SystemInfo>;
  run(graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome>;
  close(): Promise<void>;
}
