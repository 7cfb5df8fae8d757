/**
 * dlerror() strings, as glibc formats them: `OBJECT: MESSAGE[: strerror(errno)]`.
 * The texts are glibc's own (elf/dl-open.c, elf/dl-close.c, elf/dl-lookup.c,
 * dlfcn/dlmopen.c); object names are the DSO names the harness uses.
 */
const EINVAL = 'Invalid argument';
const ENOENT = 'No such file or directory';
const EEXIST = 'File exists';

/** dlmopen.c: RTLD_GLOBAL into a namespace other than 0 (no object name). */
export const invalidMode = (): string => `invalid mode: ${EINVAL}`;
/** dlopen.c: a mode bit dlopen does not know (errno 0, no object name). */
export const invalidModeParameter = (): string => 'invalid mode parameter';
/** dl-open.c: neither RTLD_LAZY nor RTLD_NOW. */
export const invalidModeForDlopen = (file: string): string => `${file}: invalid mode for dlopen(): ${EINVAL}`;
export const noMoreNamespaces = (file: string): string => `${file}: no more namespaces available for dlmopen(): ${EINVAL}`;
export const invalidTargetNamespace = (file: string): string => `${file}: invalid target namespace in dlmopen(): ${EINVAL}`;
export const cannotOpen = (file: string): string => `${file}: cannot open shared object file: ${ENOENT}`;
export const undefinedSymbol = (object: string, symbol: string): string => `${object}: undefined symbol: ${symbol}`;
/** What ld.so prints when a lazy binding fails, before it ends the process with status 127 (elf/dl-runtime.c, `_dl_signal_error` with no catcher). */
export const symbolLookupError = (object: string, symbol: string): string => `symbol lookup error: ${object}: undefined symbol: ${symbol}`;
/** dl-close.c: dlclose of an entry whose direct open count is already 0. */
export const notOpen = (object: string): string => `${object}: shared object not open`;
/** S4/S10 (reference: the series signals EEXIST with this text). */
export const cannotDemote = (file: string): string => `${file}: object cannot be demoted to a proxy: ${EEXIST}`;
/** Spec-only: the reference model defines what a real loader leaves undefined. */
export const staleHandle = (handle: number): string =>
  `dlmspec: h${handle} refers to an unloaded object (undefined behaviour on a real loader)`;
