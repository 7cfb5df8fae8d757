/*
 * libdlmspec_probe.so: the code `dlmspec probe` (native/probe.c) loads into
 * a new namespace and calls there, so that what runs is the namespace's own
 * libc copy: its ctype tables, locale, strerror, malloc, threads, TLS, and
 * its dlopen/dlsym/dlerror. Each probe_* check returns 0 when the service
 * behaves, else -1 with what it saw in `why` (PROBE_WHY bytes).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_WHY 256

static int fail(char *why, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, PROBE_WHY, fmt, ap);
  va_end(ap);
  return -1;
}

int probe_ctype(char *why) {
  if (!isalpha('a') || isalpha('1') || !isdigit('7') || !isspace(' ') || toupper('a') != 'A' || tolower('Q') != 'q')
    return fail(why, "isalpha('a')=%d isalpha('1')=%d isdigit('7')=%d toupper('a')='%c' tolower('Q')='%c'", isalpha('a') != 0, isalpha('1') != 0, isdigit('7') != 0, toupper('a'), tolower('Q'));
  return 0;
}

static void *ctype_thread(void *why) { return (void *)(intptr_t)probe_ctype(why); }

int probe_ctype_thread(char *why) {
  pthread_t t;
  int rc = pthread_create(&t, NULL, ctype_thread, why);
  if (rc != 0) return fail(why, "pthread_create: %s", strerror(rc));
  void *r;
  pthread_join(t, &r);
  return (int)(intptr_t)r;
}

/* What setlocale says to the environment's locale and to "C": compared with namespace 0's. */
int probe_setlocale(char *out) {
  const char *all = setlocale(LC_ALL, "");
  char first[128];
  snprintf(first, sizeof first, "%s", all ? all : "NULL");
  const char *c = setlocale(LC_ALL, "C");
  snprintf(out, PROBE_WHY, "setlocale(LC_ALL, \"\") = %s; setlocale(LC_ALL, \"C\") = %s", first, c ? c : "NULL");
  return 0;
}

int probe_strerror(char *why) {
  const char *s = strerror(ENOENT);
  if (s == NULL || strcmp(s, "No such file or directory") != 0) return fail(why, "strerror(ENOENT) = \"%s\"", s ? s : "(null)");
  return 0;
}

int probe_malloc(char *why) {
  for (size_t n = 1; n <= (1u << 22); n <<= 1) {
    unsigned char *p = malloc(n);
    if (p == NULL) return fail(why, "malloc(%zu) = NULL", n);
    memset(p, 0x5c, n);
    unsigned char *q = realloc(p, 2 * n + 3);
    if (q == NULL || q[n - 1] != 0x5c) return fail(why, "realloc(%zu) lost the contents", 2 * n + 3);
    free(q);
  }
  unsigned *z = calloc(1000, sizeof *z);
  if (z == NULL) return fail(why, "calloc = NULL");
  for (int i = 0; i < 1000; i++)
    if (z[i] != 0) return fail(why, "calloc memory not zero");
  free(z);
  return 0;
}

static void *set_flag(void *flag) {
  *(int *)flag = 1;
  return flag;
}

int probe_pthread(char *why) {
  int flag = 0;
  pthread_t t;
  int rc = pthread_create(&t, NULL, set_flag, &flag);
  if (rc != 0) return fail(why, "pthread_create: %s", strerror(rc));
  void *r = NULL;
  rc = pthread_join(t, &r);
  if (rc != 0 || r != &flag || flag != 1) return fail(why, "pthread_join: %s, flag %d", strerror(rc), flag);
  return 0;
}

static __thread int tls_value = 7;

static void *tls_thread(void *unused) {
  (void)unused;
  int seen = tls_value; /* a new thread starts from the initial value */
  tls_value = 99;
  return (void *)(intptr_t)seen;
}

int probe_tls(char *why) {
  tls_value = 5;
  pthread_t t;
  int rc = pthread_create(&t, NULL, tls_thread, NULL);
  if (rc != 0) return fail(why, "pthread_create: %s", strerror(rc));
  void *seen;
  pthread_join(t, &seen);
  if ((intptr_t)seen != 7 || tls_value != 5) return fail(why, "__thread: the new thread saw %d (want 7), this thread keeps %d (want 5)", (int)(intptr_t)seen, tls_value);
  return 0;
}

/*
 * dlopen, dlsym, dlerror and dlinfo as code in this namespace calls them.
 * Built with -fno-optimize-sibling-calls: as a tail call, dlopen would see
 * the return address of our caller, in namespace 0, and load there.
 */
void *probe_dlopen(const char *file, int mode) { return dlopen(file, mode); }
void *probe_dlsym(void *handle, const char *name) { return dlsym(handle, name); }
const char *probe_dlerror(void) { return dlerror(); }
int probe_dlinfo_lmid(void *handle, long *lmid) {
  Lmid_t ns = -1;
  int rc = dlinfo(handle, RTLD_DI_LMID, &ns);
  *lmid = (long)ns;
  return rc;
}
