/*
 * The same address-space layout in every process that runs a sequence: the
 * native driver, and the C reproducer (repro/dlmspec-repro.h).
 *
 * A loader bug that reads memory it has freed, or a stale pointer, crashes
 * or not depending on what that memory holds and where things were mapped.
 * glibc.malloc.perturb (adapters/native.ts) makes freed memory hold the same
 * poison every time; this makes the addresses the same every time: the
 * process turns address-space randomisation off for itself (personality
 * ADDR_NO_RANDOMIZE) and executes its own command line again, so that the
 * run, its replay and its reproducer see one layout. Where that cannot be
 * done (a personality refused by a sandbox) the process goes on as it is.
 * DLMSPEC_ASLR=1 in the environment keeps randomisation on.
 */
#ifndef DLMSPEC_LAYOUT_H
#define DLMSPEC_LAYOUT_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

static inline void dlmspec_fixed_layout(void) {
  int persona = personality(0xffffffff);
  if (persona == -1 || (persona & ADDR_NO_RANDOMIZE) || getenv("DLMSPEC_ASLR") != NULL) return;
  /* The whole command line, the loader and its options too when it was named explicitly (ld.so --library-path ... PROGRAM). */
  static char cmdline[65536];
  static char *argv[1024];
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = 0, k;
  while (n < (ssize_t)sizeof cmdline - 1 && (k = read(fd, cmdline + n, sizeof cmdline - 1 - (size_t)n)) > 0) n += k;
  close(fd);
  if (n <= 0 || n >= (ssize_t)sizeof cmdline - 1) return;
  int argc = 0;
  for (char *s = cmdline; s < cmdline + n && argc < 1023; s += strlen(s) + 1) argv[argc++] = s;
  argv[argc] = NULL;
  if (personality((unsigned long)persona | ADDR_NO_RANDOMIZE) == -1) return;
  execv("/proc/self/exe", argv);
  personality((unsigned long)persona); /* the exec failed: go on as before */
}

#endif
