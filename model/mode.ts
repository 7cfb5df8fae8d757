/** <dlfcn.h> mode bits, plus the two of the RTLD_SHARED series. */
export const RTLD_LAZY = 0x00001;
export const RTLD_NOW = 0x00002;
export const RTLD_BINDING_MASK = 0x3;
export const RTLD_NOLOAD = 0x00004;
export const RTLD_DEEPBIND = 0x00008;
export const RTLD_ISOLATE = 0x00040;
export const RTLD_SHARED = 0x00080;
export const RTLD_GLOBAL = 0x00100;
export const RTLD_NODELETE = 0x01000;

export const LM_ID_BASE = 0;
export const LM_ID_NEWLM = -1;
/** glibc-internal `__LM_ID_CALLER`: dlmopen into the caller's namespace. */
export const LM_ID_CALLER = -2;
/** DL_NNS: namespaces 0..15. */
export const DL_NNS = 16;

const NAMED: ReadonlyArray<readonly [number, string]> = [
  [RTLD_LAZY, 'RTLD_LAZY'],
  [RTLD_NOW, 'RTLD_NOW'],
  [RTLD_NOLOAD, 'RTLD_NOLOAD'],
  [RTLD_DEEPBIND, 'RTLD_DEEPBIND'],
  [RTLD_ISOLATE, 'RTLD_ISOLATE'],
  [RTLD_SHARED, 'RTLD_SHARED'],
  [RTLD_GLOBAL, 'RTLD_GLOBAL'],
  [RTLD_NODELETE, 'RTLD_NODELETE'],
];

/** The mode as a C expression, e.g. `RTLD_NOW | RTLD_SHARED` or `RTLD_NOW | 0x200`. */
export function formatMode(mode: number): string {
  const parts: string[] = [];
  let rest = mode;
  for (const [bit, name] of NAMED) {
    if (mode & bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(`0x${rest.toString(16)}`);
  return parts.length === 0 ? '0' : parts.join(' | ');
}

/** The namespace argument as a C expression. */
export function formatLmid(lmid: number): string {
  if (lmid === LM_ID_BASE) return 'LM_ID_BASE';
  if (lmid === LM_ID_NEWLM) return 'LM_ID_NEWLM';
  return String(lmid);
}
