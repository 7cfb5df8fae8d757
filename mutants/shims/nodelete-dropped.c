/* MODE4 broken: the RTLD_NODELETE bit is dropped, so such an object is unloaded by its last dlclose. */
#include "shim.h"

void *dlopen(const char *file, int mode) { return real_dlopen()(file, mode & ~RTLD_NODELETE); }

void *dlmopen(Lmid_t lmid, const char *file, int mode) { return real_dlmopen()(lmid, file, mode & ~RTLD_NODELETE); }
