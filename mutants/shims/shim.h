/*
 * Common part of the dlmspec LD_PRELOAD shims: the real dlopen, dlmopen and
 * dlclose of the loader, found with dlsym(RTLD_NEXT, ...) at first use. Each
 * shim wraps them and bends exactly one behaviour.
 *
 * Only calls made from namespace 0 reach a shim: an LD_PRELOAD object is in
 * the global scope of namespace 0, not of any secondary namespace, so code of
 * a DSO loaded in namespace N > 0 calls its own libc copy's functions.
 */
#ifndef DLMSPEC_SHIM_H
#define DLMSPEC_SHIM_H
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

#define REAL(name, type)                                   \
  __attribute__((unused)) static type real_##name(void) {                          \
    static type fn;                                        \
    if (fn == NULL) fn = (type)dlsym(RTLD_NEXT, #name);    \
    if (fn == NULL) abort();                               \
    return fn;                                             \
  }

typedef void *(*dlopen_fn)(const char *, int);
typedef void *(*dlmopen_fn)(Lmid_t, const char *, int);
typedef int (*dlclose_fn)(void *);

REAL(dlopen, dlopen_fn)
REAL(dlmopen, dlmopen_fn)
REAL(dlclose, dlclose_fn)

#endif
