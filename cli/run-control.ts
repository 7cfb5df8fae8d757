/**
 * What every long-running command does around its work: SIGINT / SIGTERM
 * turned into an orderly stop (the loop stops generating, writes its results
 * and summary marked interrupted, and the command exits 130 / 143). A second
 * signal ends dlmspec at once, program groups killed. Stale temporary files
 * of killed runs leave the build cache before its first build
 * (native/cache.ts `prepareCache`).
 */
import { killAllGroups } from '../adapters/line-process.ts';

export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

export interface Interrupts {
  readonly signal: AbortSignal;
  /** The signal that stopped the run, if one did. */
  received(): keyof typeof SIGNAL_EXIT | null;
  /** Removes the handlers. */
  dispose(): void;
}

export function catchInterrupts(onStop?: (name: string) => void): Interrupts {
  const controller = new AbortController();
  let got: keyof typeof SIGNAL_EXIT | null = null;
  const handler = (name: keyof typeof SIGNAL_EXIT) => () => {
    if (got !== null) {
      killAllGroups();
      process.exit(SIGNAL_EXIT[name]);
    }
    got = name;
    onStop?.(name);
    controller.abort();
  };
  const int = handler('SIGINT');
  const term = handler('SIGTERM');
  process.on('SIGINT', int);
  process.on('SIGTERM', term);
  return {
    signal: controller.signal,
    received: () => got,
    dispose() {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
    },
  };
}
