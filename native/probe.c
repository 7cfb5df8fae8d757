/*
 * dlmspec-probe CHECK LIB LIB2 LIBU LIBK: one check of `dlmspec probe` (probe/),
 * run in a process of its own under the loader probed, so that a crash
 * takes only this check. LIB is libdlmspec_probe.so (libc-linked,
 * native/probe-lib.c), LIB2, LIBU and LIBK native/probe-lib2.c, plain,
 * DF_GNU_1_UNIQUE and DF_1_NODELETE. It prints one JSON line:
 *   {"status":"works"|"fails","detail":TEXT[,"count":N]}
 * and exits 0; a crash or a hang is the caller's to see. `hello` prints
 * {"release":TEXT,"libcUnique":BOOL} instead.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "layout.h"

#define WHY 256
#ifndef RTLD_SHARED
#define RTLD_SHARED 0x00080
#endif
#ifndef RTLD_ISOLATE
#define RTLD_ISOLATE 0x00040
#endif
#ifndef DT_GNU_FLAGS_1
#define DT_GNU_FLAGS_1 0x6ffffdf4
#endif

static const char *LIB, *LIB2, *LIBU, *LIBK;

static void json_text(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20 || c >= 0x7f) putchar('?');
    else putchar(c);
  }
  putchar('"');
}

static int answer(const char *status, long count, const char *fmt, ...) {
  char detail[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  printf("{\"status\":\"%s\",\"detail\":", status);
  json_text(detail);
  if (count >= 0) printf(",\"count\":%ld", count);
  printf("}\n");
  fflush(stdout);
  return 0;
}
#define WORKS(...) answer("works", -1, __VA_ARGS__)
#define FAILS(...) answer("fails", -1, __VA_ARGS__)

static const char *err(void) {
  const char *e = dlerror();
  return e ? e : "no dlerror message";
}

/* dlmopen(LM_ID_NEWLM, file, mode) and the namespace dlinfo names (-1 if it fails). */
static void *newns(const char *file, int mode, long *ns) {
  void *h = dlmopen(LM_ID_NEWLM, file, mode);
  Lmid_t l = -1;
  if (h && dlinfo(h, RTLD_DI_LMID, &l) != 0) l = -1;
  *ns = (long)l;
  return h;
}

/* A probe_* check of probe-lib.c through handle h. */
static int call(void *h, const char *fn, char *why) {
  int (*f)(char *) = (int (*)(char *))dlsym(h, fn);
  if (f == NULL) {
    snprintf(why, WHY, "dlsym(%s): %s", fn, err());
    return -1;
  }
  return f(why);
}

static void *sym(void *h, const char *name) { return dlsym(h, name); }

/* The entries of the namespace of h named like `name` (basename). */
static int holds(void *h, const char *name) {
  struct link_map *m = NULL;
  if (dlinfo(h, RTLD_DI_LINKMAP, &m) != 0 || m == NULL) return 0;
  while (m->l_prev) m = m->l_prev;
  int n = 0;
  for (; m; m = m->l_next) {
    const char *slash = strrchr(m->l_name, '/');
    if (strcmp(slash ? slash + 1 : m->l_name, name) == 0) n++;
  }
  return n;
}

static int check_hello(void) {
  int unique = 0;
  struct link_map *m = NULL;
  void *self = dlopen(NULL, RTLD_NOW);
  if (self && dlinfo(self, RTLD_DI_LINKMAP, &m) == 0) {
    for (; m; m = m->l_next) {
      if (!strstr(m->l_name, "libc.so")) continue;
      for (const ElfW(Dyn) *d = m->l_ld; d && d->d_tag != DT_NULL; d++)
        if (d->d_tag == DT_GNU_FLAGS_1 && (d->d_un.d_val & 1)) unique = 1;
    }
  }
  printf("{\"release\":");
  json_text(gnu_get_libc_version());
  printf(",\"libcUnique\":%s}\n", unique ? "true" : "false");
  return 0;
}

static int check_dlmopen_libc(void) {
  long ns;
  void *h = newns(LIB, RTLD_NOW, &ns);
  if (!h) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probe.so): %s", err());
  if (ns < 1) return FAILS("dlinfo(RTLD_DI_LMID) says namespace %ld", ns);
  int libc = holds(h, "libc.so.6");
  if (libc != 1) return FAILS("namespace %ld lists libc.so.6 %d times", ns, libc);
  char why[WHY] = "";
  if (call(h, "probe_malloc", why) != 0) return FAILS("namespace %ld, but its libc: %s", ns, why);
  return WORKS("namespace %ld (dlinfo), with a libc copy of its own", ns);
}

/* As many new namespaces as the loader gives, each with a libc copy. */
static int check_namespaces(void) {
  long count = 0, ns;
  const char *why = "no limit met at 20";
  for (int i = 0; i < 20; i++) {
    if (!newns(LIB, RTLD_NOW, &ns)) {
      why = err();
      break;
    }
    count++;
  }
  /* 15 with no auditor; an audit module's namespace counts against the 16. */
  long want = getenv("LD_AUDIT") ? 14 : 15;
  return answer(count >= want ? "works" : "fails", count, "%ld namespaces with a libc copy each, then: %s", count, why);
}

static int in_ns_dlopen(int mode, int symbols) {
  long ns;
  void *h = newns(LIB, RTLD_NOW, &ns);
  if (!h) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probe.so): %s", err());
  void *(*o)(const char *, int) = (void *(*)(const char *, int))sym(h, "probe_dlopen");
  void *(*s)(void *, const char *) = (void *(*)(void *, const char *))sym(h, "probe_dlsym");
  const char *(*e)(void) = (const char *(*)(void))sym(h, "probe_dlerror");
  int (*l)(void *, long *) = (int (*)(void *, long *))sym(h, "probe_dlinfo_lmid");
  if (!o || !s || !e || !l) return FAILS("dlsym of the probe's entry points: %s", err());
  void *h2 = o(LIB2, mode);
  if (!h2) {
    const char *m = e();
    return FAILS("dlopen from namespace %ld: %s", ns, m ? m : "NULL, no dlerror message");
  }
  long ns2 = -1;
  if (l(h2, &ns2) != 0 || ns2 != ns) return FAILS("dlopen from namespace %ld loaded into namespace %ld", ns, ns2);
  if (!symbols) return WORKS("dlopen from code in namespace %ld loads into it", ns);
  int (*v)(void) = (int (*)(void))s(h2, "probe2_value");
  if (!v || v() != 42) return FAILS("dlsym from namespace %ld: %s", ns, v ? "the wrong function" : e());
  if (s(h2, "probe_nosuch") != NULL) return FAILS("dlsym of a missing symbol from namespace %ld did not fail", ns);
  const char *m = e();
  if (!m || !strstr(m, "undefined symbol")) return FAILS("dlerror in namespace %ld after a missing symbol: %s", ns, m ? m : "NULL");
  return WORKS("dlsym from code in namespace %ld finds the symbol; a missing one gives \"%s\"", ns, m);
}

static int check_dlerror_in_ns(void) {
  long ns;
  void *h = newns(LIB, RTLD_NOW, &ns);
  if (!h) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probe.so): %s", err());
  void *(*o)(const char *, int) = (void *(*)(const char *, int))sym(h, "probe_dlopen");
  const char *(*e)(void) = (const char *(*)(void))sym(h, "probe_dlerror");
  if (!o || !e) return FAILS("dlsym of the probe's entry points: %s", err());
  dlerror();
  if (o("libdlmspec_nosuch.so", RTLD_NOW) != NULL) return FAILS("dlopen of a missing file from namespace %ld did not fail", ns);
  const char *m = e();
  if (!m || !strstr(m, "cannot open shared object file")) return FAILS("dlerror in namespace %ld: %s", ns, m ? m : "NULL");
  /* Copied first: with a libc shared with namespace 0 (the series' UNIQUE libc) the next dlerror frees it. */
  char said[WHY];
  snprintf(said, sizeof said, "%s", m);
  /* Each namespace's libc copy keeps its own error state: namespace 0 has none to report. */
  const char *main_err = dlerror();
  return WORKS("dlerror in namespace %ld: \"%s\"; in namespace 0: %s", ns, said, main_err ? main_err : "none");
}

static int check_reuse(void) {
  long ns1, ns2;
  void *h = newns(LIB, RTLD_NOW, &ns1);
  if (!h) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probe.so): %s", err());
  if (dlclose(h) != 0) return FAILS("dlclose: %s", err());
  void *h2 = newns(LIB, RTLD_NOW, &ns2);
  if (!h2) return FAILS("the second dlmopen(LM_ID_NEWLM): %s", err());
  if (ns2 != ns1) return FAILS("the emptied namespace %ld was not taken again (got %ld)", ns1, ns2);
  char why[WHY] = "";
  const char *checks[] = {"probe_malloc", "probe_ctype", "probe_strerror", "probe_tls"};
  for (size_t i = 0; i < sizeof checks / sizeof *checks; i++)
    if (call(h2, checks[i], why) != 0) return FAILS("namespace %ld taken again, its new libc copy: %s", ns2, why);
  return WORKS("namespace %ld emptied and taken again; its new libc copy's malloc, ctype, strerror and TLS work", ns2);
}

/* One libc service of probe-lib.c, in a new namespace. */
static int check_service(const char *fn, const char *what) {
  long ns;
  void *h = newns(LIB, RTLD_NOW, &ns);
  if (!h) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probe.so): %s", err());
  char why[WHY] = "";
  if (call(h, fn, why) != 0) return FAILS("in namespace %ld: %s", ns, why);
  return WORKS("%s in namespace %ld", what, ns);
}

/* setlocale in a new namespace says what it says in namespace 0. */
static int check_setlocale(void) {
  void *h0 = dlopen(LIB, RTLD_NOW);
  if (!h0) return FAILS("dlopen(libdlmspec_probe.so): %s", err());
  char base[WHY] = "", here[WHY] = "";
  call(h0, "probe_setlocale", base);
  long ns;
  void *h = newns(LIB, RTLD_NOW, &ns);
  if (!h) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probe.so): %s", err());
  call(h, "probe_setlocale", here);
  if (strcmp(base, here) != 0) return FAILS("namespace 0: %s; namespace %ld: %s", base, ns, here);
  return WORKS("as in namespace 0: %s", here);
}

static int check_audit_dlmopen(void) {
  if (!getenv("LD_AUDIT")) return FAILS("not run under an audit module");
  return check_service("probe_malloc", "LD_AUDIT and dlmopen together; malloc");
}

/* The entry of the namespace of h named `name` (basename), or NULL. */
static struct link_map *entry_named(void *h, const char *name) {
  struct link_map *m = NULL;
  if (dlinfo(h, RTLD_DI_LINKMAP, &m) != 0 || m == NULL) return NULL;
  while (m->l_prev) m = m->l_prev;
  for (; m; m = m->l_next) {
    const char *slash = strrchr(m->l_name, '/');
    if (strcmp(slash ? slash + 1 : m->l_name, name) == 0) return m;
  }
  return NULL;
}

/* The audit module's records of `kind` from `from` on (native/audit.c): for ld.so's stand-in, by lmid and name or by cookie. */
static int audit_saw(char kind, long lmid, uintptr_t cookie, off_t from, off_t *end) {
  struct dlmspec_audit_record r;
  int seen = 0;
  off_t at = from;
  for (; pread(DLMSPEC_AUDIT_FD, &r, sizeof r, at) == (ssize_t)sizeof r; at += sizeof r) {
    if (memcmp(r.magic, "DLMA", 4) != 0 || r.kind != kind) continue;
    if (kind == 'o' && r.lmid == lmid && strcmp(r.name, "ld-linux-x86-64.so.2") == 0) seen = 1;
    if (kind == 'c' && r.cookie == cookie) seen = 1;
  }
  if (end) *end = at;
  return seen;
}

/* What an auditor hears of the ld.so stand-in a new namespace gets: la_objopen when it is added, la_objclose when it goes. */
static int check_audit_ldso(void) {
  if (!getenv("LD_AUDIT")) return FAILS("not run under an audit module");
  long ns;
  void *h = newns(LIB, RTLD_NOW, &ns);
  if (!h) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probe.so): %s", err());
  struct link_map *standin = entry_named(h, "ld-linux-x86-64.so.2");
  if (standin == NULL) return FAILS("namespace %ld has no ld.so stand-in (its libc is namespace 0's)", ns);
  off_t end = 0;
  int opened = audit_saw('o', ns, 0, 0, &end);
  if (dlclose(h) != 0) return FAILS("dlclose: %s", err());
  /* The cookie the loader gives an object starts out as its link map (rtld-audit(7)). */
  int closed = audit_saw('c', ns, (uintptr_t)standin, end, NULL);
  if (opened && closed) return WORKS("la_objopen(ld-linux-x86-64.so.2, %ld) with the namespace's other objects, la_objclose when it went", ns);
  return FAILS("for the ld.so stand-in of namespace %ld: la_objopen %s, la_objclose %s", ns, opened ? "yes" : "none", closed ? "yes" : "none");
}

/*
 * A namespace that keeps an object (nodelete, no libc) gets a libc copy,
 * loses it to a dlclose, and gets one again: the second copy must work.
 */
static int check_libc_reload(void) {
  long ns;
  void *keep = newns(LIBK, RTLD_NOW, &ns);
  if (!keep) return FAILS("dlmopen(LM_ID_NEWLM, libdlmspec_probek.so): %s", err());
  void *h = dlmopen(ns, LIB, RTLD_NOW);
  if (!h) return FAILS("dlmopen(%ld, libdlmspec_probe.so): %s", ns, err());
  if (dlclose(h) != 0) return FAILS("dlclose: %s", err());
  if (holds(keep, "libc.so.6") != 0) return FAILS("the dlclose left namespace %ld's libc copy loaded", ns);
  void *again = dlmopen(ns, LIB, RTLD_NOW);
  if (!again) return FAILS("dlmopen(%ld, libdlmspec_probe.so) again: %s", ns, err());
  char why[WHY] = "";
  const char *checks[] = {"probe_ctype", "probe_malloc", "probe_strerror"};
  for (size_t i = 0; i < sizeof checks / sizeof *checks; i++)
    if (call(again, checks[i], why) != 0) return FAILS("namespace %ld's second libc copy: %s", ns, why);
  return WORKS("namespace %ld's second libc copy (the first unloaded, the namespace kept) works: ctype, malloc, strerror", ns);
}

/* Whether `file`, opened into a new namespace with `mode`, is namespace 0's object. */
static int shared_from_base(const char *file, int mode, long *ns, const char **why) {
  void *h = newns(file, mode, ns);
  if (!h) {
    *why = err();
    return -1;
  }
  return dlopen(file, RTLD_NOW | RTLD_NOLOAD) != NULL;
}

static int check_rtld_shared(void) {
  long ns;
  const char *why;
  int shared = shared_from_base(LIB2, RTLD_NOW | RTLD_SHARED, &ns, &why);
  if (shared < 0) return answer("fails", -1, "refused: %s", why);
  if (shared) return WORKS("honoured: the object is namespace 0's, namespace %ld holds a proxy of it", ns);
  return FAILS("ignored: namespace %ld got a private copy", ns);
}

static int check_unique(void) {
  long ns;
  const char *why;
  int shared = shared_from_base(LIBU, RTLD_NOW, &ns, &why);
  if (shared < 0) return FAILS("refused: %s", why);
  if (shared) return WORKS("honoured: a UNIQUE object is namespace 0's, namespace %ld holds a proxy of it", ns);
  return FAILS("ignored: namespace %ld got a private copy of a UNIQUE object", ns);
}

static int check_rtld_isolate(void) {
  long ns;
  const char *why;
  int shared = shared_from_base(LIBU, RTLD_NOW, &ns, &why);
  if (shared < 0) return FAILS("refused: %s", why);
  if (!shared) return FAILS("ignored: nothing is shared without it (a UNIQUE object got a private copy already)");
  long ns2;
  void *h = newns(LIBU, RTLD_NOW | RTLD_ISOLATE, &ns2);
  if (!h) return FAILS("refused: %s", err());
  void *base = dlopen(LIBU, RTLD_NOW | RTLD_NOLOAD);
  if (sym(h, "probe2_value") == sym(base, "probe2_value")) return FAILS("ignored: namespace %ld got a proxy of namespace 0's copy", ns2);
  return WORKS("honoured: namespace %ld got a private copy of a UNIQUE object", ns2);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: dlmspec-probe CHECK LIB LIB2 LIBU LIBK\n");
    return 2;
  }
  dlmspec_fixed_layout(); /* one address-space layout, as the driver's runs: a crash shows every time */
  const char *check = argv[1];
  LIB = argv[2], LIB2 = argv[3], LIBU = argv[4], LIBK = argv[5];
  if (!strcmp(check, "hello")) return check_hello();
  if (!strcmp(check, "dlmopen-libc")) return check_dlmopen_libc();
  if (!strcmp(check, "namespaces")) return check_namespaces();
  if (!strcmp(check, "dlopen-in-ns")) return in_ns_dlopen(RTLD_NOW, 0);
  if (!strcmp(check, "dlopen-global-in-ns")) return in_ns_dlopen(RTLD_NOW | RTLD_GLOBAL, 0);
  if (!strcmp(check, "dlsym-in-ns")) return in_ns_dlopen(RTLD_NOW, 1);
  if (!strcmp(check, "dlerror-in-ns")) return check_dlerror_in_ns();
  if (!strcmp(check, "namespace-reuse")) return check_reuse();
  if (!strcmp(check, "ctype")) return check_service("probe_ctype", "isalpha, isdigit, toupper, tolower");
  if (!strcmp(check, "ctype-thread")) return check_service("probe_ctype_thread", "isalpha, isdigit, toupper, tolower on a new thread");
  if (!strcmp(check, "setlocale")) return check_setlocale();
  if (!strcmp(check, "strerror")) return check_service("probe_strerror", "strerror(ENOENT)");
  if (!strcmp(check, "malloc")) return check_service("probe_malloc", "malloc, realloc, calloc, free");
  if (!strcmp(check, "pthread-create")) return check_service("probe_pthread", "pthread_create and pthread_join from code");
  if (!strcmp(check, "tls")) return check_service("probe_tls", "__thread variables, per thread,");
  if (!strcmp(check, "audit-dlmopen")) return check_audit_dlmopen();
  if (!strcmp(check, "audit-ldso-objopen")) return check_audit_ldso();
  if (!strcmp(check, "libc-reload")) return check_libc_reload();
  if (!strcmp(check, "rtld-shared")) return check_rtld_shared();
  if (!strcmp(check, "rtld-isolate")) return check_rtld_isolate();
  if (!strcmp(check, "unique")) return check_unique();
  fprintf(stderr, "dlmspec-probe: unknown check %s\n", check);
  return 2;
}
