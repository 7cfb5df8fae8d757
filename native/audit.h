/*
 * The record the audit module (audit.c) writes to the driver's child, one
 * per callback, with one write(2) so it is never torn: magic "DLMA", kind
 * 'o' la_objopen (lmid, the basename of l_name), 'c' la_objclose, 'a'
 * la_activity (flag LA_ACT_*), and the cookie the loader passed; 's' (from
 * la_version) has the module's own _DYNAMIC in place of a cookie.
 */
#ifndef DLMSPEC_AUDIT_H
#define DLMSPEC_AUDIT_H

#include <stdint.h>

/* The module's descriptor (a memory file; each child of the driver puts its own there). */
#define DLMSPEC_AUDIT_FD 1002

struct dlmspec_audit_record {
  char magic[4];
  char kind;
  char pad[3];
  unsigned flag;
  long lmid;
  uintptr_t cookie;
  char name[104];
};

#endif
