/*
 * dlmspec audit module (LD_AUDIT, `man 7 rtld-audit`): reports what the
 * loader tells an auditor to the driver, one record per callback
 * (PROTOCOL.md "Audit events"; SEMANTICS.md section 5).
 *
 * It lives in a namespace of its own, so it shares no variable with the
 * driver: it writes each record with one write(2) to DLMSPEC_AUDIT_FD. It
 * opens that descriptor itself, a memory file, in la_version (before main),
 * and first writes an 's' record with the address of its own _DYNAMIC: the
 * driver cannot reach an auditor's namespace otherwise (dlmopen refuses it
 * as a target, no handle leads there) and finds it through that address
 * (native/observe.c). Each child of the driver puts a fresh memory file on
 * the descriptor before its run and reads it after each call (native/run.c).
 *
 * The cookie is left as the loader sets it (the object's link map, glibc
 * elf/dl-object.c _dl_new_object): the driver names the object of an
 * la_objclose or la_activity cookie by that pointer. A cookie the loader
 * never set (0) names no object.
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audit.h"

static void report(char kind, unsigned flag, long lmid, uintptr_t cookie, const char *name) {
  struct dlmspec_audit_record r;
  memset(&r, 0, sizeof r);
  memcpy(r.magic, "DLMA", 4);
  r.kind = kind;
  r.flag = flag;
  r.lmid = lmid;
  r.cookie = cookie;
  if (name) {
    const char *slash = strrchr(name, '/');
    strncpy(r.name, slash ? slash + 1 : name, sizeof r.name - 1);
  }
  ssize_t ignored = write(DLMSPEC_AUDIT_FD, &r, sizeof r);
  (void)ignored;
}

unsigned int la_version(unsigned int version) {
  int fd = memfd_create("dlmspec-audit", MFD_CLOEXEC);
  if (fd >= 0 && fd != DLMSPEC_AUDIT_FD) {
    dup2(fd, DLMSPEC_AUDIT_FD);
    close(fd);
  }
  report('s', 0, -1, (uintptr_t)_DYNAMIC, NULL);
  return version;
}

unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie) {
  report('o', 0, (long)lmid, *cookie, map->l_name);
  return 0; /* no symbol binding callbacks */
}

unsigned int la_objclose(uintptr_t *cookie) {
  report('c', 0, -1, *cookie, NULL);
  return 0;
}

void la_activity(uintptr_t *cookie, unsigned int flag) { report('a', flag, -1, *cookie, NULL); }
