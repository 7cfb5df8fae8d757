/* LOAD5 broken: RTLD_LAZY is forced to RTLD_NOW, so an object with an undefined function fails to load. */
#include "shim.h"

static int now(int mode) { return (mode & 3) == RTLD_LAZY ? (mode & ~RTLD_LAZY) | RTLD_NOW : mode; }

void *dlopen(const char *file, int mode) { return real_dlopen()(file, now(mode)); }

void *dlmopen(Lmid_t lmid, const char *file, int mode) { return real_dlmopen()(lmid, file, now(mode)); }
