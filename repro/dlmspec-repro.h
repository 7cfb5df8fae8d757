/*
 * dlmspec reproducer runtime: performs nothing by itself. main.c makes the
 * calls of a counterexample and, after each one, hands what it returned to
 * one of the obs_* functions below, which observe the loader through public
 * interfaces only (as dlmspec's native driver does) and compare with what
 * the dlmspec specification expects:
 *
 *   result      handle identity (the same pointer as an earlier call's, or a
 *               new one), NULL plus the exact dlerror() text, the object and
 *               namespace where dlsym found a symbol (dladdr1), dlinfo's
 *               RTLD_DI_LMID;
 *   namespaces  every namespace's list, walked by the native driver's own
 *               code (observe.c, shipped beside this file): public
 *               interfaces only, on any glibc with dlmopen; an entry is a
 *               proxy when its l_ld is NULL or equal to the l_ld of an entry
 *               of another namespace;
 *   events      the constructors and destructors that ran during the call
 *               (each test DSO writes a record to descriptor 1000).
 *
 * The first call whose observation differs is printed as `expected ... /
 * actual ...` and the program exits with status 1; 0 when every call behaved
 * as expected.
 */
#ifndef DLMSPEC_REPRO_H
#define DLMSPEC_REPRO_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event.h"
#include "layout.h"
#include "observe.h"

/* The RTLD_SHARED series' mode bits, for a <dlfcn.h> that lacks them. */
#ifndef RTLD_SHARED
#define RTLD_SHARED 0x00080
#endif
#ifndef RTLD_ISOLATE
#define RTLD_ISOLATE 0x00040
#endif

/* Not every reproducer uses every helper. */
#define REPRO_FN static __attribute__((unused))
#define REPRO_TEXT 65536

/* What the specification expects of one call. */
struct expect {
  const char *result;
  /* Other results as good (NULL-terminated, or NULL): which undefined symbol an RTLD_NOW open names is the linker's order. */
  const char *const *alternatives;
  const char *namespaces;
  /* The events as a sorted set: "{ctor liba.so@ns1, dtor libb.so@ns0}". */
  const char *events;
  /* Pairs of event keys: the first must run before the second. */
  const char *const (*order)[2];
  int norder;
};

static char repro_dir[PATH_MAX];  /* where the test DSOs are, with a trailing '/' */
static char repro_path_buf[64][PATH_MAX];
static int repro_path_next;
static void **repro_returned;
static char *repro_live;
static int repro_ncalls;
static off_t repro_event_offset;
static struct walk repro_walks[2];
static struct walk *repro_before = &repro_walks[0], *repro_after = &repro_walks[1];
static char repro_err[REPRO_TEXT / 4];
static int repro_has_err;

/* ---------- namespace walks (the native driver's observe.c) ---------- */

/* The walk after a call, with the handles held as the driver holds them. */
static void repro_walk(struct walk *w, const struct walk *previous) { observe_walk(w, previous); }

/* ---------- text ---------- */

static void repro_cat(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void repro_cat(char *buf, const char *fmt, ...) {
  size_t n = strlen(buf);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + n, REPRO_TEXT - n, fmt, ap);
  va_end(ap);
}

/* `ns0=[<main>, libc.so.6] ns1=[liba.so(proxy)]` */
static void repro_namespaces(char *buf, const struct walk *w) {
  buf[0] = 0;
  for (int i = 0; i < w->n; i++) {
    const struct entry *e = &w->e[i];
    int first = i == 0 || w->e[i - 1].ns != e->ns;
    int last = i + 1 == w->n || w->e[i + 1].ns != e->ns;
    if (first) repro_cat(buf, "%sns%ld=[", i ? " " : "", e->ns);
    repro_cat(buf, "%s%s%s", first ? "" : ", ", e->name, e->proxy ? "(proxy)" : "");
    if (last) repro_cat(buf, "]");
  }
}

/* Where the last call's error lives: each libc copy keeps its own dlerror()
   state, so a call made by code in a DSO is read through that DSO's
   dlmspec_dlerror (NULL: the main program's dlerror). */
static char *(*repro_err_source)(void);

/* dlerror() with the test DSO directory left out, as the harness reports it. */
static void repro_take_error(void) {
  const char *e = repro_err_source ? repro_err_source() : dlerror();
  repro_err_source = NULL;
  repro_has_err = e != NULL;
  repro_err[0] = 0;
  if (!e) return;
  size_t dl = strlen(repro_dir), k = 0;
  while (*e && k + 1 < sizeof repro_err) {
    if (dl && strncmp(e, repro_dir, dl) == 0) {
      e += dl;
      continue;
    }
    repro_err[k++] = *e++;
  }
  repro_err[k] = 0;
}

static void repro_null(char *buf, const char *what) {
  if (repro_has_err) snprintf(buf, REPRO_TEXT, "%s, dlerror \"%s\"", what, repro_err);
  else snprintf(buf, REPRO_TEXT, "%s, no dlerror", what);
}

/* ---------- events ---------- */

struct repro_event {
  char key[80];
};

static int repro_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The records of the current call, read before the walk after it: a
   constructor's _DYNAMIC tells the walk where a new copy is mapped. */
#define REPRO_MAX_EVENTS 4096
static struct dlmspec_event repro_records[REPRO_MAX_EVENTS];
static int repro_nrecords;

static void repro_read_events(void) {
  struct dlmspec_event rec;
  repro_nrecords = 0;
  while (pread(DLMSPEC_EVENT_FD, &rec, sizeof rec, repro_event_offset) == (ssize_t)sizeof rec) {
    repro_event_offset += (off_t)sizeof rec;
    if (memcmp(rec.magic, "DLME", 4) != 0 || repro_nrecords >= REPRO_MAX_EVENTS) continue;
    rec.name[sizeof rec.name - 1] = 0;
    if (rec.kind == 'c') observe_note_address(rec.dyn);
    repro_records[repro_nrecords++] = rec;
  }
}

/* The events of the call, in the order they ran, and as a sorted set. */
static int repro_events(struct repro_event *ev, int max, char *set) {
  int n = 0;
  for (int k = 0; k < repro_nrecords && n < max; k++) {
    const struct dlmspec_event *rec = &repro_records[k];
    const struct entry *e = rec->kind == 'c' ? find_real_ld(repro_after, rec->dyn) : find_real_ld(repro_before, rec->dyn);
    if (!e) e = rec->kind == 'c' ? find_real_ld(repro_before, rec->dyn) : find_real_ld(repro_after, rec->dyn);
    const char *what = rec->kind == 'c' ? "ctor" : rec->kind == 'd' ? "dtor" : rec->kind == 'e' ? "enter" : "leave";
    snprintf(ev[n++].key, sizeof ev[0].key, "%s %s@ns%ld", what, rec->name, e ? e->ns : -1L);
  }
  const char *sorted[256];
  int m = n < 256 ? n : 256;
  for (int i = 0; i < m; i++) sorted[i] = ev[i].key;
  qsort(sorted, (size_t)m, sizeof *sorted, repro_cmp);
  strcpy(set, "{");
  for (int i = 0; i < m; i++) repro_cat(set, "%s%s", i ? ", " : "", sorted[i]);
  repro_cat(set, "}");
  return n;
}

/* ---------- set-up ---------- */

/* A test DSO (or a file that should be there and is not) by its path. */
REPRO_FN const char *DSO(const char *name) {
  char *p = repro_path_buf[repro_path_next++ % 64];
  size_t d = strlen(repro_dir), n = strlen(name);
  if (d + n >= sizeof repro_path_buf[0]) {
    fprintf(stderr, "repro: path too long: %s%s\n", repro_dir, name);
    exit(2);
  }
  memcpy(p, repro_dir, d);
  memcpy(p + d, name, n + 1);
  return p;
}

/*
 * A program linked with test DSOs (the counterexample's start-up objects):
 * their constructors run before main, so the event descriptor must be open
 * before the program starts. The first time, it is made and the program
 * executed again (its whole command line, the loader too when named), with
 * the driver's address-space layout; the second time it is there.
 */
static void repro_events_before_start(void) {
  if (fcntl(DLMSPEC_EVENT_FD, F_GETFD) != -1) return;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <= DLMSPEC_EVENT_FD && rl.rlim_max > DLMSPEC_EVENT_FD) {
    rl.rlim_cur = DLMSPEC_EVENT_FD + 1;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  int mfd = memfd_create("dlmspec-events", 0);
  if (mfd < 0 || dup2(mfd, DLMSPEC_EVENT_FD) < 0) {
    perror("repro: event descriptor");
    exit(2);
  }
  close(mfd);
  static char cmdline[65536];
  static char *args[1024];
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  ssize_t n = 0, k;
  while (fd >= 0 && n < (ssize_t)sizeof cmdline - 1 && (k = read(fd, cmdline + n, sizeof cmdline - 1 - (size_t)n)) > 0) n += k;
  if (fd >= 0) close(fd);
  int argc = 0;
  for (char *s = cmdline; s < cmdline + n && argc < 1023; s += strlen(s) + 1) args[argc++] = s;
  args[argc] = NULL;
  int persona = personality(0xffffffff);
  if (persona != -1 && !getenv("DLMSPEC_ASLR")) personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
  execv("/proc/self/exe", args);
  perror("repro: executing the program again");
  exit(2);
}

/* argv[1]: the directory of the test DSOs (default: lib/ beside the program). `startup`: the program needs test DSOs. */
REPRO_FN void repro_init(int argc, char **argv, int ncalls, int startup) {
  if (startup) repro_events_before_start();
  /* The driver's address-space layout and poisoned freed memory (RUN_ENV): a crash it saw shows here too. */
  dlmspec_fixed_layout();
  const char *broken = observe_init();
  if (broken) {
    fprintf(stderr, "repro: %s\n", broken);
    exit(2);
  }
  char dir[PATH_MAX];
  if (argc > 1) {
    snprintf(dir, sizeof dir, "%s", argv[1]);
  } else {
    ssize_t k = readlink("/proc/self/exe", dir, sizeof dir - 5);
    if (k < 0) k = 0;
    dir[k] = 0;
    char *slash = strrchr(dir, '/');
    if (slash) strcpy(slash + 1, "lib");
    else strcpy(dir, "lib");
  }
  if (!realpath(dir, repro_dir)) {
    fprintf(stderr, "repro: %s: %s (run `make` first)\n", dir, strerror(errno));
    exit(2);
  }
  strcat(repro_dir, "/");

  /* The event descriptor the test DSOs write to: a memory file. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <= DLMSPEC_EVENT_FD && rl.rlim_max > DLMSPEC_EVENT_FD) {
    rl.rlim_cur = DLMSPEC_EVENT_FD + 1;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (!startup) {
    int mfd = memfd_create("dlmspec-events", MFD_CLOEXEC);
    if (mfd < 0 || dup2(mfd, DLMSPEC_EVENT_FD) < 0) {
      perror("repro: event descriptor");
      exit(2);
    }
    close(mfd);
  }
  repro_ncalls = ncalls;
  repro_returned = calloc((size_t)ncalls + 1, sizeof *repro_returned);
  repro_live = calloc((size_t)ncalls + 1, 1);
  observe_held_init(ncalls);
  setvbuf(stdout, NULL, _IONBF, 0);
  repro_walk(repro_before, NULL);
}

/* Before each call: print it, and clear any stale dlerror() message. */
REPRO_FN void BEGIN(int index, const char *text) {
  printf("[%d] %s\n", index, text);
  repro_err_source = NULL;
  dlerror();
}

/* The caller DSO's own dlerror(), cleared, as the error source of its call. */
static void repro_use_caller_errors(void *h) {
  repro_err_source = (char *(*)(void))dlsym(h, "dlmspec_dlerror");
  if (repro_err_source) repro_err_source();
}

/* Code in the DSO of `h` calls dlopen/dlclose (the loader sees that caller). */
REPRO_FN void *caller_dlopen(void *h, const char *file, int mode) {
  void *(*fn)(const char *, int) = (void *(*)(const char *, int))dlsym(h, "dlmspec_dlopen");
  if (!fn) {
    printf("    repro: the caller has no dlmspec_dlopen entry point\n");
    exit(2);
  }
  repro_use_caller_errors(h);
  return fn(file, mode);
}

REPRO_FN int caller_dlclose(void *h, void *handle) {
  int (*fn)(void *) = (int (*)(void *))dlsym(h, "dlmspec_dlclose");
  if (!fn) {
    printf("    repro: the caller has no dlmspec_dlclose entry point\n");
    exit(2);
  }
  repro_use_caller_errors(h);
  return fn(handle);
}

/* ---------- observing and judging one call ---------- */

static char repro_result[REPRO_TEXT];

static void repro_judge(int index, const struct expect *want) {
  static char ns[REPRO_TEXT], set[REPRO_TEXT];
  static struct repro_event ev[256];
  repro_namespaces(ns, repro_after);
  int nev = repro_events(ev, 256, set);
  int bad = 0;
  int result_ok = strcmp(repro_result, want->result) == 0;
  for (int k = 0; !result_ok && want->alternatives && want->alternatives[k]; k++) result_ok = strcmp(repro_result, want->alternatives[k]) == 0;
  if (!result_ok) {
    printf("    DIVERGES in the result of call %d\n      expected %s\n      actual   %s\n", index, want->result, repro_result);
    bad = 1;
  }
  if (strcmp(ns, want->namespaces) != 0) {
    printf("    DIVERGES in the namespaces after call %d\n      expected %s\n      actual   %s\n", index, want->namespaces, ns);
    bad = 1;
  }
  if (strcmp(set, want->events) != 0) {
    printf("    DIVERGES in the constructors/destructors of call %d\n      expected %s\n      actual   %s\n", index, want->events, set);
    bad = 1;
  } else {
    for (int k = 0; k < want->norder; k++) {
      int a = -1, b = -1;
      for (int i = 0; i < nev; i++) {
        if (strcmp(ev[i].key, want->order[k][0]) == 0) a = i;
        if (strcmp(ev[i].key, want->order[k][1]) == 0) b = i;
      }
      if (a > b) {
        printf("    DIVERGES in the event order of call %d\n      expected %s before %s\n      actual  ", index, want->order[k][0], want->order[k][1]);
        for (int i = 0; i < nev; i++) printf(" %s%s", ev[i].key, i + 1 < nev ? "," : "\n");
        bad = 1;
        break;
      }
    }
  }
  if (bad) {
    printf("\nThe loader departs from the dlmspec specification at call %d.\n", index);
    exit(1);
  }
  printf("    ok: %s\n", repro_result);
  struct walk *t = repro_before;
  repro_before = repro_after;
  repro_after = t;
}

/* The walk after a call, and which earlier handles are still loaded. The
   events are read first: a constructor says where a new copy is mapped. */
static void repro_settle(int index) {
  repro_take_error();
  repro_read_events();
  repro_walk(repro_after, repro_before);
  for (int k = 0; k < index; k++)
    if (repro_live[k] && !find_lm(repro_after, repro_returned[k])) repro_live[k] = 0;
}

/* dlopen / dlmopen returned `p`, asked with `mode`. */
REPRO_FN void obs_open(int index, void *p, int mode, const struct expect *want) {
  if (p) observe_held_opened(p, mode);
  repro_settle(index);
  if (p) {
    int number = index;
    for (int k = 0; k < index; k++)
      if (repro_returned[k] == p && repro_live[k]) {
        number = k;
        break;
      }
    const struct entry *e = find_lm(repro_after, p);
    snprintf(repro_result, sizeof repro_result, "handle h%d: %s in ns %ld%s", number, e ? e->name : "?", e ? e->ns : -1L,
             e && e->proxy ? " (proxy)" : "");
    repro_returned[index] = p;
    repro_live[index] = 1;
  } else {
    repro_null(repro_result, "NULL");
  }
  repro_judge(index, want);
}

/* dlclose of `handle` returned `rc`. */
REPRO_FN void obs_close(int index, int rc, void *handle, const struct expect *want) {
  if (rc == 0) observe_held_closed(handle);
  repro_settle(index);
  if (rc == 0) snprintf(repro_result, sizeof repro_result, "0 (success)");
  else repro_null(repro_result, "failure");
  repro_judge(index, want);
}

/* dlsym returned `p`. */
REPRO_FN void obs_sym(int index, void *p, const struct expect *want) {
  repro_settle(index);
  if (p) {
    Dl_info info;
    struct link_map *lm = NULL;
    if (!dladdr1(p, &info, (void **)&lm, RTLD_DL_LINKMAP) || lm == NULL) {
      snprintf(repro_result, sizeof repro_result, "symbol defined in ? of ns -1");
    } else {
      const struct entry *e = find_lm(repro_after, lm);
      Lmid_t ns = e ? e->ns : -1;
      if (!e) dlinfo(lm, RTLD_DI_LMID, &ns);
      snprintf(repro_result, sizeof repro_result, "symbol defined in %s of ns %ld", e ? e->name : entry_name(lm), (long)ns);
    }
  } else {
    repro_null(repro_result, "NULL");
  }
  repro_judge(index, want);
}

/* dlinfo(RTLD_DI_LMID) returned `rc` and `lmid`. */
REPRO_FN void obs_info(int index, int rc, Lmid_t lmid, const struct expect *want) {
  repro_settle(index);
  if (rc == 0) snprintf(repro_result, sizeof repro_result, "lmid %ld", (long)lmid);
  else repro_null(repro_result, "failure");
  repro_judge(index, want);
}

/* `start`: the start-up already ran; its constructors' events are waiting. */
REPRO_FN void obs_start(int index, const struct expect *want) {
  repro_settle(index);
  snprintf(repro_result, sizeof repro_result, "started");
  repro_judge(index, want);
}

/* The function dlsym found (`p`) was called, or dlsym found none. */
REPRO_FN void obs_call(int index, void *p, const struct expect *want) {
  repro_settle(index);
  if (p) snprintf(repro_result, sizeof repro_result, "called, returned");
  else repro_null(repro_result, "NULL");
  repro_judge(index, want);
}

/* A call the specification expects to end the process (a binding the loader
   cannot make: exit status 127), made in a child so that this program can
   tell. */
REPRO_FN void obs_call_fatal(int index, void *h, const char *symbol, const struct expect *want) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    void *f = dlsym(h, symbol);
    if (f) ((void (*)(void))f)();
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    printf("    ok: %s\n\nThe process ended there, as the dlmspec specification expects.\n", want->result);
    exit(0);
  }
  printf("    DIVERGES in the result of call %d\n      expected %s\n      actual   ", index, want->result);
  if (WIFSIGNALED(status)) printf("killed by signal %d\n", WTERMSIG(status));
  else printf("the call returned (exit status %d)\n", WEXITSTATUS(status));
  printf("\nThe loader departs from the dlmspec specification at call %d.\n", index);
  exit(1);
}

/* `exit`: exit(0) in a child forked now (the same loader state), whose
   destructors _dl_fini runs; their events are this call's. */
REPRO_FN void obs_exit(int index, const struct expect *want) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) exit(0);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    printf("    DIVERGES in the result of call %d\n      expected %s\n      actual   ", index, want->result);
    if (WIFSIGNALED(status)) printf("killed by signal %d at exit\n", WTERMSIG(status));
    else printf("exit status %d\n", WEXITSTATUS(status));
    printf("\nThe loader departs from the dlmspec specification at call %d.\n", index);
    exit(1);
  }
  repro_settle(index);
  snprintf(repro_result, sizeof repro_result, "exited (status 0)");
  repro_judge(index, want);
}

REPRO_FN int repro_done(const char *profile) {
  printf("\nAll %d calls behaved as the dlmspec specification (%s) expects.\n", repro_ncalls, profile);
  return 0;
}

#endif
