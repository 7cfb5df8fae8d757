/**
 * A test DSO as the harness describes it to an implementation. The native
 * driver builds exactly this with gcc; the spec reads exactly this.
 */
export interface Dso {
  /** File name and DT_SONAME, e.g. "liba.so". Unique within a graph. */
  readonly name: string;
  /**
   * DT_NEEDED entries in link order. A name that is not a DSO of the graph is a
   * missing file: loading anything that needs it fails (rollback is exercised).
   * libc, when linked, is not listed here: see `libc`.
   */
  readonly needed: readonly string[];
  /** Linked with `-z unique`: carries DT_GNU_FLAGS_1 with DF_GNU_1_UNIQUE. */
  readonly unique: boolean;
  /** Linked with `-z nodelete`: carries DF_1_NODELETE. */
  readonly nodelete: boolean;
  /** Linked against libc (libc.so.6 becomes its last DT_NEEDED); else `-nostdlib`. */
  readonly libc: boolean;
  /** Exported function symbols (besides the driver's own entry points). */
  readonly symbols: readonly string[];
  /**
   * A function symbol it calls that no object defines: loading it with
   * RTLD_NOW fails with `undefined symbol: NAME`; RTLD_LAZY defers the failure.
   */
  readonly undefinedSymbol?: string;
  /**
   * A traced function it exports under this symbol (glibc's DSO-sorting tests'
   * `fn_a`): a call reports entering and leaving it, and it calls `calls`, in
   * order, through the PLT, each bound by the loader in this object's scope
   * (lazily under RTLD_LAZY, at load under RTLD_NOW; a binding outside its
   * DT_NEEDED is a relocation dependency, glibc's `l_reldeps`).
   */
  readonly fn?: string;
  /** The symbols `fn` calls, in order (`a=>b` in dso-sort-tests); needs `fn`. */
  readonly calls?: readonly string[];
}

/**
 * An object the loader under test brings itself (main program, vdso, libc,
 * ld.so). Read from the implementation at start-up, never assumed.
 */
export interface SystemObject {
  /** The name the spec and observations use: soname, or "<main>" for the program. */
  readonly name: string;
  readonly needed: readonly string[];
  /** DF_GNU_1_UNIQUE (a glibc built with the RTLD_SHARED series marks libc so). */
  readonly unique: boolean;
  /** The dynamic loader itself: never loaded twice, only proxied (glibc 2.34+). */
  readonly rtld: boolean;
}

/** Name of the DSO symbol the driver calls to run dlopen from inside a namespace. */
export const CALLER_ENTRY_POINT = 'dlmspec_dlopen';

/** How a loader starts the program of the process extension: the kernel exec's it (its PT_INTERP), or ld.so is run on it (`ld.so PROGRAM`). */
export type ProgramStart = 'exec' | 'ld.so';
