/*
 * The event record a test DSO's constructor or destructor writes to the
 * driver (see dso-runtime.h). Shared by the DSOs and driver.c.
 *
 * 64 bytes, written with one write(2) so it is never torn: magic "DLME",
 * kind 'c' (constructor), 'd' (destructor), 'e' or 'r' (entering or leaving
 * the DSO's traced function, dso-source.ts), the address of the writing
 * copy's _DYNAMIC (equal to its link_map's l_ld, which tells the driver which
 * namespace's copy ran), and the DSO name, NUL-padded.
 */
#ifndef DLMSPEC_EVENT_H
#define DLMSPEC_EVENT_H

/* The descriptor the driver owns in each child; DSOs write to it blindly. */
#define DLMSPEC_EVENT_FD 1000

struct dlmspec_event {
  char magic[4];
  char kind;
  char pad[3];
  void *dyn;
  char name[48];
};

#endif
