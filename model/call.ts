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
  | { readonly op: 'dlinfo'; readonly handle: number };

export type Op = Call['op'];

/** A dlopen or dlmopen call. */
export type OpenCall = Extract<Call, { op: 'dlopen' | 'dlmopen' }>;

export function isOpen(call: Call): call is OpenCall {
  return call.op === 'dlopen' || call.op === 'dlmopen';
}
export const OPS: readonly Op[] = ['dlopen', 'dlmopen', 'dlclose', 'dlsym', 'dlinfo'];

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
  }
}

export function formatSequence(calls: readonly Call[]): string {
  return calls.map((c, i) => formatCall(c, i)).join('\n');
}
