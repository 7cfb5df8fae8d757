import { EnvironmentError } from '../harness/files.ts';

/**
 * Failures of this machine's tools rather than of the implementation (the C
 * compiler cannot build the native driver) become one-line environment
 * errors (exit 3).
 */
export function describeEnvironmentError(e: unknown): unknown {
  if (e instanceof Error && e.name === 'BuildError') {
    return new EnvironmentError(`cannot build the native driver or test DSOs: ${e.message.split('\n').slice(0, 3).join(' ')}`);
  }
  return e;
}
