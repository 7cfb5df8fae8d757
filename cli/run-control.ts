/**
 * What every long-running command does around its work: stale temporary
 * files of killed runs removed from the build cache at start, and SIGINT /
 * SIGTERM turned into an orderly stop (the loop stops generating, writes its
 * results and summary marked interrupted, and the command exits 130 / 143).
 * A second signal ends dlmspec at once, program groups killed.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { killAllGroups } from '../adapters/line-process.ts';
import { removeStaleTemps } from '../harness/files.ts';
import { cacheRoot } from '../native/toolchain.ts';

/** Removes `*.tmp-PID-*` files and directories of dead processes from the build cache (two levels deep). */
export async function cleanCache(root = cacheRoot()): Promise<number> {
  let removed = 0;
  for (const sub of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, sub);
    removed += await removeStaleTemps(dir);
    for (const inner of await readdir(dir).catch(() => [] as string[])) removed += await removeStaleTemps(join(dir, inner));
  }
  return removed;
}

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
