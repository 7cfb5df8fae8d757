import { formatLmid, formatMode } from './mode.ts';

/**
 * One call of a sequence. Handles are named after the call that returned
 * them: `handle: 3` is the pointer returned by call 3 of the sequence (`h3` in
 * C). `caller`, where allowed, names a handle whose DSO code makes the call
 * (through the DSO's `dlmspec_dlopen` / `dlmspec_dlclose` entry points);
 * absent, the main program makes it.
 */
export type Call =
  | { readonly op: 'dlopen'; readonly file: string; readonly mode: number; readonly caller?: number }
  | { readonly op: 'dlmopen'; readonly lmid: number; readonly file: string; readonly mode: number }
  | { readonly op: 'dlclose'; readonly handle: number; readonly caller?: number }
  | { readonly op: 'dlsym'; readonly handle: number; readonly symbol: string }
  | { readonly op: 'dlinfo'; readonly handle: number }
  /**
   * The process extension (PROTOCOL.md section 9): `start` is the program's
   * start-up, its own DT_NEEDED objects loaded and constructed (the first
   * call, when there is one); `call` looks `symbol` up with dlsym through the
   * handle and calls it (a DSO's traced function, `Dso.fn`); `exit` ends the
   * process with exit(0), whose destructors (and audit events) `_dl_fini`
   * runs (the last call, when there is one).
   */
  | { readonly op: 'start' }
  | { readonly op: 'call'; readonly handle: number; readonly symbol: string }
  | { readonly op: 'exit' };

export type Op = Call['op'];

/** A dlopen or dlmopen call. */
export type OpenCall = Extract<Call, { op: 'dlopen' | 'dlmopen' }>;

export function isOpen(call: Call): call is OpenCall {
  return call.op === 'dlopen' || call.op === 'dlmopen';
}
export const OPS: readonly Op[] = ['dlopen', 'dlmopen', 'dlclose', 'dlsym', 'dlinfo', 'start', 'call', 'exit'];

/** Ops of the process extension: an implementation runs them only if its hello says it speaks it. */
export const PROCESS_OPS: readonly Op[] = ['start', 'call', 'exit'];

/**
 * Where the process extension's calls may stand: `start` only first, `exit`
 * only last (nothing runs after the process ended). The first problem, or null.
 */
export function placementProblem(calls: readonly Call[]): string | null {
  for (const [i, c] of calls.entries()) {
    if (c.op === 'start' && i !== 0) return `call ${i}: start can only be the first call`;
    if (c.op === 'exit' && i !== calls.length - 1) return `call ${i}: exit can only be the last call`;
  }
  return null;
}

/** The handles a call reads (its operand and its caller). */
export function handlesUsed(call: Call): number[] {
  const used: number[] = [];
  if ('handle' in call) used.push(call.handle);
  if ('caller' in call && call.caller !== undefined) used.push(call.caller);
  return used;
}

/** The call as the C a glibc maintainer would type. */
export function formatCall(call: Call, index: number): string {
  const h = (k: number) => `h${k}`;
  switch (call.op) {
    case 'dlopen': {
      const expr = `dlopen("${call.file}", ${formatMode(call.mode)})`;
      return call.caller === undefined
        ? `void *h${index} = ${expr};`
        : `void *h${index} = ${expr}; /* from code in ${h(call.caller)} */`;
    }
    case 'dlmopen':
      return `void *h${index} = dlmopen(${formatLmid(call.lmid)}, "${call.file}", ${formatMode(call.mode)});`;
    case 'dlclose':
      return call.caller === undefined
        ? `dlclose(${h(call.handle)});`
        : `dlclose(${h(call.handle)}); /* from code in ${h(call.caller)} */`;
    case 'dlsym':
      return `dlsym(${h(call.handle)}, "${call.symbol}");`;
    case 'dlinfo':
      return `dlinfo(${h(call.handle)}, RTLD_DI_LMID, &lmid);`;
    case 'start':
      // Not C: the start-up before main, where the program's own DT_NEEDED objects are loaded and constructed.
      return 'start();';
    case 'call':
      return `((void (*)(void))dlsym(${h(call.handle)}, "${call.symbol}"))();`;
    case 'exit':
      return 'exit(0);';
  }
}

export function formatSequence(calls: readonly Call[]): string {
  return calls.map((c, i) => formatCall(c, i)).join('\n');
}
