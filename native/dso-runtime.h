/*
 * Runtime linked into every dlmspec test DSO: its constructor and destructor
 * report an event to the driver. Included by the C source that
 * native/dso-source.ts generates, which defines DLMSPEC_NAME first.
 *
 * The record is described in event.h.
 *
 * -nostdlib DSOs cannot call libc, so the write is a raw system call. The
 * record is static data initialised at compile time: building it at run time
 * could make the compiler emit a memcpy/memset call, an undefined symbol in a
 * libc-free object.
 */
#ifndef DLMSPEC_DSO_RUNTIME_H
#define DLMSPEC_DSO_RUNTIME_H

#include "event.h"

/* Defined by the linker in every shared object; hidden: this copy's own. */
extern char _DYNAMIC[] __attribute__((visibility("hidden")));

static struct dlmspec_event dlmspec_record = {{'D', 'L', 'M', 'E'}, 0, {0, 0, 0}, 0, DLMSPEC_NAME};

static void dlmspec_emit(char kind) {
  dlmspec_record.kind = kind;
  dlmspec_record.dyn = _DYNAMIC;
  long ret;
#if defined(__x86_64__)
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"(1L /* SYS_write */), "D"((long)DLMSPEC_EVENT_FD), "S"(&dlmspec_record),
                     "d"(sizeof dlmspec_record)
                   : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = 64; /* SYS_write */
  register long x0 __asm__("x0") = DLMSPEC_EVENT_FD;
  register long x1 __asm__("x1") = (long)&dlmspec_record;
  register long x2 __asm__("x2") = sizeof dlmspec_record;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  ret = x0;
#else
#error "dlmspec test DSOs: no raw write(2) for this architecture"
#endif
  (void)ret; /* EBADF outside the driver: nothing to report to */
}

__attribute__((constructor)) static void dlmspec_ctor(void) { dlmspec_emit('c'); }
__attribute__((destructor)) static void dlmspec_dtor(void) { dlmspec_emit('d'); }

#endif
