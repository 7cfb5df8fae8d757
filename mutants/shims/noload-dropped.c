/* MODE3 broken: the RTLD_NOLOAD bit is dropped, so a name not yet loaded is loaded. */
#include "shim.h"

void *dlopen(const char *file, int mode) { return real_dlopen()(file, mode & ~RTLD_NOLOAD); }

void *dlmopen(Lmid_t lmid, const char *file, int mode) { return real_dlmopen()(lmid, file, mode & ~RTLD_NOLOAD); }
