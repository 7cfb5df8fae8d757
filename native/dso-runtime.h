/*
 * Runtime linked into every dlmspec test DSO: its constructor and destructor
 * report an event to the driver. Included by the C source that
 * native/dso-source.ts generates.
 *
 * The record is described in event.h. The DSO's name is not compiled in: it
 * is the object's own DT_SONAME (the builder links every DSO with its name as
 * soname), read from its dynamic section at run time, so that one compiled
 * object serves every DSO of the same shape and only the link step differs.
 *
 * -nostdlib DSOs cannot call libc, so the write is a raw system call. The
 * record is static data initialised at compile time and the name is copied
 * byte by byte: building either with a struct or block copy could make the
 * compiler emit a memcpy/memset call, an undefined symbol in a libc-free
 * object (the sources are compiled at -O0, which never turns a loop into one).
 */
#ifndef DLMSPEC_DSO_RUNTIME_H
#define DLMSPEC_DSO_RUNTIME_H

#include <elf.h>
#include "event.h"

#if defined(__LP64__)
typedef Elf64_Dyn dlmspec_dyn_t;
typedef Elf64_Ehdr dlmspec_ehdr_t;
typedef Elf64_Phdr dlmspec_phdr_t;
#else
typedef Elf32_Dyn dlmspec_dyn_t;
typedef Elf32_Ehdr dlmspec_ehdr_t;
typedef Elf32_Phdr dlmspec_phdr_t;
#endif

/* Defined by the linker in every shared object; hidden: this copy's own. */
extern dlmspec_dyn_t _DYNAMIC[] __attribute__((visibility("hidden")));
/* The object's own ELF header, mapped with its first segment. */
extern const dlmspec_ehdr_t __ehdr_start __attribute__((visibility("hidden")));

static struct dlmspec_event dlmspec_record = {{'D', 'L', 'M', 'E'}, 0, {0, 0, 0}, 0, {0}};

/* Load bias: where _DYNAMIC is against where PT_DYNAMIC says it was linked. */
static unsigned long dlmspec_bias(void) {
  const dlmspec_phdr_t *ph = (const dlmspec_phdr_t *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
  for (int i = 0; i < __ehdr_start.e_phnum; i++)
    if (ph[i].p_type == PT_DYNAMIC) return (unsigned long)_DYNAMIC - (unsigned long)ph[i].p_vaddr;
  return 0;
}

/* The record's name: this object's DT_SONAME, truncated to fit (NUL kept). */
static void dlmspec_name(void) {
  unsigned long strtab = 0, soname = 0;
  int has_soname = 0;
  for (const dlmspec_dyn_t *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_STRTAB) strtab = (unsigned long)d->d_un.d_ptr;
    if (d->d_tag == DT_SONAME) soname = (unsigned long)d->d_un.d_val, has_soname = 1;
  }
  if (!strtab || !has_soname) return;
  /* glibc relocates the dynamic section's addresses in place, unless it is
     read-only: then they are still link-time addresses (observe.c dyn_ptr). */
  unsigned long bias = dlmspec_bias();
  if (strtab < bias) strtab += bias;
  const char *s = (const char *)strtab + soname;
  unsigned long n = 0;
  for (; n + 1 < sizeof dlmspec_record.name && s[n]; n++) dlmspec_record.name[n] = s[n];
  dlmspec_record.name[n] = 0;
}

static void dlmspec_emit(char kind) {
  dlmspec_record.kind = kind;
  dlmspec_record.dyn = _DYNAMIC;
  if (!dlmspec_record.name[0]) dlmspec_name();
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

/* For the traced function of the DSO's own part (dso-source.ts): 'e' on
   entering it, 'r' on leaving. Hidden: every DSO calls its own copy. */
__attribute__((visibility("hidden"))) void dlmspec_event(char kind) { dlmspec_emit(kind); }

__attribute__((constructor)) static void dlmspec_ctor(void) { dlmspec_emit('c'); }
__attribute__((destructor)) static void dlmspec_dtor(void) { dlmspec_emit('d'); }

#endif
