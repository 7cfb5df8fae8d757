import type { Call } from '../model/call.ts';
import { RTLD_GLOBAL } from '../model/mode.ts';
import { handleEntry, realEntry, type LoaderState } from '../model/state.ts';
import type { SpecContext } from '../spec/context.ts';
import { dlopenRefusesMode } from '../spec/open.ts';

/**
 * Loader bugs found by dlmspec: calls on which a real loader crashes where
 * the spec gives a defined answer. Generators avoid them when asked (so a
 * differential run can go on to find other things); `--strict` runs do not.
 * Each is in CONFORMANCE.md ("Loader bugs found") with a corpus reproducer.
 */
export interface KnownBug {
  readonly id: string;
  readonly loader: string;
  readonly summary: string;
  readonly triggers: (ctx: SpecContext, state: LoaderState, call: Call) => boolean;
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'GLIBC-NS-DLOPEN-MODE',
    loader: 'glibc 2.36 (stock)',
    summary:
      'dlopen with a mode bit it refuses, called from code in a secondary namespace, crashes (SIGSEGV): the libc copy of that namespace signals "invalid mode parameter" through its own _dl_signal_error, whose catch hook is unset, so fatal_error runs instead of dlerror.',
    triggers: (ctx, state, call) => {
      // Stryker disable next-line LogicalOperator: equivalent mutants, see CONFORMANCE.md
      if (call.op !== 'dlopen' || call.caller === undefined) return false;
      const caller = handleEntry(state, call.caller);
      return caller !== undefined && realEntry(state, caller).ns > 0 && dlopenRefusesMode(ctx, call.mode);
    },
  },
  {
    id: 'GLIBC-NS-DLOPEN-GLOBAL',
    loader: 'glibc 2.36 (stock)',
    summary:
      'dlopen with RTLD_GLOBAL, called from code in a secondary namespace, crashes (SIGSEGV in add_to_global_resize, elf/dl-open.c): that namespace has no global scope list. dlmopen refuses the same request with "invalid mode"; dlopen has no such check.',
    triggers: (_ctx, state, call) => {
      if (call.op !== 'dlopen' || call.caller === undefined || !(call.mode & RTLD_GLOBAL)) return false;
      const caller = handleEntry(state, call.caller);
      return caller !== undefined && realEntry(state, caller).ns > 0;
    },
  },
];

export function knownBug(ctx: SpecContext, state: LoaderState, call: Call): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.triggers(ctx, state, call));
}
