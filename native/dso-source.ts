/**
 * The C source of one test DSO. Symbols are given their names with asm
 * labels, so any identifier the graph allows (even a C keyword such as `if`)
 * is a valid export. The name, DT_NEEDED and flags are not in the source
 * (the runtime reads its name from DT_SONAME): DSOs of one shape share it.
 */
import type { Dso } from '../model/dso.ts';

/** Names the driver and the runtime reserve inside every test DSO. */
export const RESERVED_PREFIX = 'dlmspec_';

/** What of a DSO its source depends on: exports, the undefined symbol, libc. */
export type DsoShape = Pick<Dso, 'symbols' | 'undefinedSymbol' | 'libc'>;

/** The source of one DSO, for a reproducer: its shape's, under a comment naming it. */
export function dsoSource(dso: Dso): string {
  return `/* dlmspec test DSO ${dso.name} (generated) */\n${shapeSource(dso)}`;
}

/** The source every DSO of this shape is compiled from. */
export function shapeSource(dso: DsoShape): string {
  const lines = ['#include "dso-runtime.h"'];
  dso.symbols.forEach((symbol, i) => {
    // A distinct body each, so no optimisation can fold two exports into one.
    lines.push(`int dlmspec_sym_${i}(void) __asm__("${symbol}");`, `int dlmspec_sym_${i}(void) { return ${i + 1}; }`);
  });
  if (dso.undefinedSymbol !== undefined) {
    // Called through the PLT: a JUMP_SLOT relocation, bound at load time under
    // RTLD_NOW (which then fails) and never under RTLD_LAZY, as nothing calls it.
    lines.push(
      `extern void dlmspec_undefined(void) __asm__("${dso.undefinedSymbol}");`,
      '__attribute__((used, visibility("hidden"))) void dlmspec_call_undefined(void) { dlmspec_undefined(); }',
    );
  }
  if (dso.libc) {
    // CALLER_ENTRY_POINT: dlopen/dlclose made by this copy's code, so the
    // loader sees a caller in this copy's namespace. Never a tail call (see
    // the -fno-optimize-sibling-calls in build-dsos.ts): dlopen reads its
    // return address to find the caller. The error of such a call is kept by
    // the libc copy of the caller's namespace, not the main program's: the
    // driver reads it through dlmspec_dlerror.
    lines.push(
      '#include <dlfcn.h>',
      'void *dlmspec_dlopen(const char *file, int mode) { return dlopen(file, mode); }',
      'int dlmspec_dlclose(void *handle) { return dlclose(handle); }',
      'char *dlmspec_dlerror(void) { return dlerror(); }',
    );
  }
  return lines.join('\n') + '\n';
}
