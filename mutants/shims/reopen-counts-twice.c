/*
 * LOAD1 broken (open count off by one on reopen): when an open returns a
 * handle this process was already given, the shim takes one more reference
 * (the same open again with RTLD_NOLOAD, which only counts), so a reopened
 * object needs one dlclose more than it was opened. It never closes more
 * than was opened, so it cannot reach freed memory.
 */
#include "shim.h"

#define MAX_SEEN 4096
static void *seen[MAX_SEEN];
static int nseen;

static int seen_before(void *h) {
  for (int i = 0; i < nseen; i++)
    if (seen[i] == h) return 1;
  if (nseen < MAX_SEEN) seen[nseen++] = h;
  return 0;
}

void *dlopen(const char *file, int mode) {
  void *h = real_dlopen()(file, mode);
  if (h != NULL && file != NULL && seen_before(h)) real_dlopen()(file, (mode & ~RTLD_NODELETE) | RTLD_NOLOAD);
  return h;
}

void *dlmopen(Lmid_t lmid, const char *file, int mode) {
  void *h = real_dlmopen()(lmid, file, mode);
  Lmid_t ns;
  if (h != NULL && file != NULL && seen_before(h) && dlinfo(h, RTLD_DI_LMID, &ns) == 0)
    real_dlmopen()(ns, file, (mode & ~(RTLD_NODELETE | RTLD_GLOBAL)) | RTLD_NOLOAD);
  return h;
}
