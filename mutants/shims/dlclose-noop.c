/* CLOSE1 broken: dlclose reports success and does nothing, so nothing is ever unloaded. */
#include "shim.h"

int dlclose(void *handle) {
  (void)handle;
  return 0;
}
