/**
 * The C source of one test DSO, in three parts: the runtime every DSO has
 * (its constructor and destructor report events: dso-runtime.h), the entry
 * points a libc-linked DSO adds, and the part of its own shape (its exports
 * and its undefined symbol). Symbols are given their names with asm labels,
 * so any identifier the graph allows (even a C keyword such as `if`) is a
 * valid export. The name, DT_NEEDED and flags are not in the source (the
 * runtime reads its name from DT_SONAME). The builder compiles each part on
 * its own, the first two once, the last once per shape; a reproducer's
 * Makefile compiles a DSO's parts as one file (`dsoSource`).
 */
import type { Dso } from '../model/dso.ts';

/** Names the driver and the runtime reserve inside every test DSO. */
export const RESERVED_PREFIX = 'dlmspec_';

/** What of a DSO its own part of the source depends on: exports and the undefined symbol. */
export type DsoShape = Pick<Dso, 'symbols' | 'undefinedSymbol' | 'fn' | 'calls'>;

/** The runtime, in every DSO. */
export const RUNTIME_SOURCE = '#include "dso-runtime.h"\n';

/**
 * CALLER_ENTRY_POINT: dlopen/dlclose made by this copy's code, so the loader
 * sees a caller in this copy's namespace. Never a tail call (see the
 * -fno-optimize-sibling-calls in build-dsos.ts): dlopen reads its return
 * address to find the caller. The error of such a call is kept by the libc
 * copy of the caller's namespace, not the main program's: the driver reads
 * it through dlmspec_dlerror.
 */
export const LIBC_SOURCE = [
  '#include <dlfcn.h>',
  'void *dlmspec_dlopen(const char *file, int mode) { return dlopen(file, mode); }',
  'int dlmspec_dlclose(void *handle) { return dlclose(handle); }',
  'char *dlmspec_dlerror(void) { return dlerror(); }',
  '',
].join('\n');

/** The parts of a DSO's source that do not depend on its shape, in link order. */
export function commonSources(dso: Pick<Dso, 'libc'>): string[] {
  return dso.libc ? [RUNTIME_SOURCE, LIBC_SOURCE] : [RUNTIME_SOURCE];
}

/** The source of one DSO, for a reproducer: all its parts, under a comment naming it. */
export function dsoSource(dso: Dso): string {
  return `/* dlmspec test DSO ${dso.name} (generated) */\n${[...commonSources(dso), shapeSource(dso)].join('')}`;
}

/** The part of the source every DSO of this shape shares (empty for a shape of no symbols). */
export function shapeSource(dso: DsoShape): string {
  const lines: string[] = [];
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
  if (dso.fn !== undefined) lines.push(...fnSource(dso.fn, dso.calls ?? []));
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * The traced function (Dso.fn): it reports entering, calls each of `calls`
 * through the PLT (undefined here: the loader binds each in this object's
 * scope, lazily under RTLD_LAZY), and reports leaving. dlmspec_event is the
 * runtime's, hidden: this object's own copy, bound at link time.
 */
function fnSource(fn: string, calls: readonly string[]): string[] {
  return [
    'extern void dlmspec_event(char kind) __attribute__((visibility("hidden")));',
    ...calls.map((c, i) => `extern void dlmspec_callee_${i}(void) __asm__("${c}");`),
    `void dlmspec_fn(void) __asm__("${fn}");`,
    `void dlmspec_fn(void) { dlmspec_event('e'); ${calls.map((_, i) => `dlmspec_callee_${i}(); `).join('')}dlmspec_event('r'); }`,
  ];
}
