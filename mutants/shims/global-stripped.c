/* MODE2 broken: RTLD_GLOBAL is silently stripped for namespaces other than 0, so the `invalid mode` error vanishes. */
#include "shim.h"

void *dlmopen(Lmid_t lmid, const char *file, int mode) {
  return real_dlmopen()(lmid, file, lmid == LM_ID_BASE ? mode : mode & ~RTLD_GLOBAL);
}
