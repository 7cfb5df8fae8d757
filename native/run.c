/* A run inside the child: the calls, and one observation line per call
   (PROTOCOL.md section 3). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "event.h"
#include "observe.h"
#include "run.h"

/* The child's state: pointer returned by each call, and whether its entry is
   still loaded. An unloaded entry's pointer is forgotten for good, so an
   address the loader reuses gets a fresh handle number. */
static void **returned;
static char *live;

static void refuse(const struct run *r, int index, int out, const char *msg) {
  struct buf b = {0};
  put(&b, "{\"type\":\"error\",\"id\":");
  put(&b, r->id);
  putf(&b, ",\"index\":%d,\"message\":", index);
  put_json(&b, msg, NULL);
  put(&b, "}");
  flush_line(&b, out);
  _exit(3);
}

/* The pointer of handle `k` for call `index`; refuses the run rather than
   hand the loader a pointer to an entry that is gone. */
static void *use_handle(const struct run *r, int index, long k, int out) {
  char msg[160];
  if (k < 0 || k >= index || returned[k] == NULL) {
    snprintf(msg, sizeof msg, "call %d uses h%ld, which no earlier call returned", index, k);
    refuse(r, index, out, msg);
  }
  if (!live[k]) {
    snprintf(msg, sizeof msg, "call %d uses h%ld, whose entry is no longer loaded", index, k);
    refuse(r, index, out, msg);
  }
  return returned[k];
}

static void *caller_entry(const struct run *r, int index, long caller, const char *sym, int out) {
  void *h = use_handle(r, index, caller, out);
  void *fn = dlsym(h, sym);
  if (fn == NULL) {
    char msg[160];
    snprintf(msg, sizeof msg, "call %d: h%ld has no %s entry point (a DSO without libc?)", index, caller, sym);
    refuse(r, index, out, msg);
  }
  return fn;
}

static void put_error(struct buf *b, const char *err, const struct run *r) {
  if (err) put_json(b, err, r->strip);
  else put(b, "null");
}

/* The events of one call, read before the walk after it: a constructor's
   _DYNAMIC tells the walk where a new copy is mapped. */
#define MAX_EVENTS 8192
static struct dlmspec_event events[MAX_EVENTS];

static int read_events(int fd, off_t *offset) {
  int n = 0;
  struct dlmspec_event ev;
  while (pread(fd, &ev, sizeof ev, *offset) == (ssize_t)sizeof ev) {
    *offset += (off_t)sizeof ev;
    if (memcmp(ev.magic, "DLME", 4) != 0 || n == MAX_EVENTS) continue;
    ev.name[sizeof ev.name - 1] = 0;
    if (ev.kind == 'c') observe_note_address(ev.dyn);
    events[n++] = ev;
  }
  return n;
}

static void put_events(struct buf *b, int n, const struct walk *before, const struct walk *after) {
  put(b, "[");
  for (int k = 0; k < n; k++) {
    const struct dlmspec_event *ev = &events[k];
    /* A constructor's copy is in the list after the call; a destructor's was
       in the list before it (its entry is gone after). */
    const struct entry *e = ev->kind == 'c' ? find_real_ld(after, ev->dyn) : find_real_ld(before, ev->dyn);
    if (!e) e = ev->kind == 'c' ? find_real_ld(before, ev->dyn) : find_real_ld(after, ev->dyn);
    const char *what = ev->kind == 'c' ? "ctor" : ev->kind == 'd' ? "dtor" : ev->kind == 'e' ? "enter" : "leave";
    putf(b, "%s{\"event\":\"%s\",\"object\":", k ? "," : "", what);
    put_json(b, ev->name, NULL);
    putf(b, ",\"ns\":%ld}", e ? e->ns : -1L);
  }
  put(b, "]");
}

static void put_handle(struct buf *b, int index, void *p, const struct walk *w) {
  int number = index;
  for (int k = 0; k < index; k++)
    if (returned[k] == p && live[k]) {
      number = k;
      break;
    }
  const struct entry *e = find_lm(w, p);
  putf(b, "{\"kind\":\"handle\",\"handle\":%d,\"ns\":%ld,\"object\":", number, e ? e->ns : -1L);
  put_json(b, e ? e->name : "?", NULL);
  put(b, e && e->proxy ? ",\"proxy\":true}" : ",\"proxy\":false}");
}

static void put_symbol(struct buf *b, void *addr, const struct walk *w) {
  Dl_info info;
  struct link_map *lm = NULL;
  if (!dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) || lm == NULL) {
    put(b, "{\"kind\":\"symbol\",\"ns\":-1,\"object\":\"?\"}");
    return;
  }
  const struct entry *e = find_lm(w, lm);
  Lmid_t ns = e ? e->ns : -1;
  if (!e) dlinfo(lm, RTLD_DI_LMID, &ns);
  putf(b, "{\"kind\":\"symbol\",\"ns\":%ld,\"object\":", (long)ns);
  put_json(b, e ? e->name : entry_name(lm), NULL);
  put(b, "}");
}

/* ---------- audit events (LD_AUDIT: native/audit.c) ---------- */

/* Every object a cookie has named in this run: the loader's default cookie
   is the object's link map (rtld-audit(7)): what la_objopen reported, or an
   entry a walk saw (a proxy too: stock glibc reports la_objclose, and no
   la_objopen, for its ld.so proxy). The latest of a pointer wins: the
   loader may reuse it. */
struct named {
  uintptr_t cookie;
  long ns;
  char name[NAME_MAX_LEN];
};
#define MAX_NAMED 65536
static struct named named[MAX_NAMED];
static int nnamed;

static void name_cookie(uintptr_t cookie, long ns, const char *name) {
  if (nnamed == MAX_NAMED) memmove(named, named + MAX_NAMED / 2, sizeof named / 2), nnamed = MAX_NAMED / 2;
  named[nnamed].cookie = cookie;
  named[nnamed].ns = ns;
  snprintf(named[nnamed].name, sizeof named[nnamed].name, "%s", name);
  nnamed++;
}

static void name_walk(const struct walk *w) {
  for (int i = 0; i < w->n; i++) name_cookie((uintptr_t)w->e[i].lm, w->e[i].ns, w->e[i].name);
}

static const struct named *cookie_name(uintptr_t cookie, int upto) {
  for (int i = upto - 1; cookie != 0 && i >= 0; i--)
    if (named[i].cookie == cookie) return &named[i];
  return NULL;
}

#define MAX_AUDIT 8192
static struct dlmspec_audit_record records[MAX_AUDIT];

static int read_audit(off_t *offset) {
  int n = 0;
  struct dlmspec_audit_record rec;
  while (pread(DLMSPEC_AUDIT_FD, &rec, sizeof rec, *offset) == (ssize_t)sizeof rec) {
    *offset += (off_t)sizeof rec;
    if (memcmp(rec.magic, "DLMA", 4) != 0 || n == MAX_AUDIT) continue;
    rec.name[sizeof rec.name - 1] = 0;
    records[n++] = rec;
  }
  return n;
}

static void put_named(struct buf *b, const struct named *x) {
  if (!x) {
    put(b, ",\"object\":null,\"ns\":null}");
    return;
  }
  put(b, ",\"object\":");
  put_json(b, x->name, NULL);
  putf(b, ",\"ns\":%ld}", x->ns);
}

/* The call's audit events, in the order the loader made the callbacks. An
   la_objclose cookie is named by what was known when it came; an
   la_activity cookie also by an la_objopen later in the call (glibc 2.35
   on reports LA_ACT_ADD of a new namespace before its first object). */
static void put_audit(struct buf *b, int n, const struct walk *after) {
  static int mark[MAX_AUDIT];
  for (int k = 0; k < n; k++) {
    const struct dlmspec_audit_record *r = &records[k];
    if (r->kind == 'o') name_cookie(r->cookie, r->lmid, r->name);
    mark[k] = nnamed;
  }
  int end = nnamed;
  put(b, "[");
  for (int k = 0; k < n; k++) {
    const struct dlmspec_audit_record *r = &records[k];
    put(b, k ? "," : "");
    if (r->kind == 'o') {
      put(b, "{\"event\":\"objopen\",\"object\":");
      put_json(b, r->name, NULL);
      putf(b, ",\"ns\":%ld}", r->lmid);
    } else if (r->kind == 'c') {
      put(b, "{\"event\":\"objclose\"");
      put_named(b, cookie_name(r->cookie, mark[k]));
    } else {
      const char *what = r->flag == LA_ACT_ADD ? "add" : r->flag == LA_ACT_DELETE ? "delete" : r->flag == LA_ACT_CONSISTENT ? "consistent" : "unknown";
      const struct named *x = cookie_name(r->cookie, mark[k]);
      if (!x) x = cookie_name(r->cookie, end);
      putf(b, "{\"event\":\"activity\",\"activity\":\"%s\",\"ns\":", what);
      if (x) putf(b, "%ld}", x->ns);
      else put(b, "null}");
    }
  }
  put(b, "]");
  name_walk(after);
}

/* The namespaces before and after the current call; walks[0] is the start-up
   state, taken by prepare_child before the run is known. */
static struct walk walks[2];

void prepare_descriptors(void) {
  /* A memory file, so a constructor's write never blocks however many run
     in one call. dup2 leaves the copy open across exec: a program run for
     the graph (driver.c) writes its start-up events to it. */
  int mfd = memfd_create("dlmspec-events", MFD_CLOEXEC);
  if (mfd < 0 || dup2(mfd, DLMSPEC_EVENT_FD) < 0) {
    perror("dlmspec driver: event descriptor");
    _exit(4);
  }
  close(mfd);
  if (observe_auditing()) { /* the run's own: nothing of the server's start-up or another run's */
    int afd = memfd_create("dlmspec-audit", MFD_CLOEXEC);
    if (afd < 0 || dup2(afd, DLMSPEC_AUDIT_FD) < 0) {
      perror("dlmspec driver: audit descriptor");
      _exit(4);
    }
    close(afd);
  }
}

void prepare_child(void) {
  prepare_descriptors();
  prepare_walk();
}

void prepare_walk(void) {
  walk_namespaces(&walks[0], NULL);
  name_walk(&walks[0]);
}

/*
 * `exit`: the process ends with exit(0), its destructors run by _dl_fini.
 * They run in a child forked for it, whose loader state is this process's
 * at the fork: its events reach the same memory files, and this process,
 * waiting, reports them as the call's observation. A child that crashed in
 * its exit is this process's crash too (the same signal or status), so the
 * run ends as the loader's own exit would have.
 */
static void exit_in_child(void) {
  pid_t pid = fork();
  if (pid < 0) {
    perror("dlmspec driver: fork for exit");
    _exit(4);
  }
  if (pid == 0) exit(0);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) _exit(4);
  if (WIFSIGNALED(status)) {
    signal(WTERMSIG(status), SIG_DFL);
    raise(WTERMSIG(status));
    _exit(128 + WTERMSIG(status));
  }
  if (WEXITSTATUS(status) != 0) _exit(WEXITSTATUS(status));
}

void run_child(const struct run *r, int out) {
  struct walk *before = &walks[0], *after = &walks[1];
  struct buf b = {0};
  off_t offset = 0, audit_offset = 0;
  returned = calloc((size_t)r->ncalls + 1, sizeof *returned);
  live = calloc((size_t)r->ncalls + 1, 1);
  observe_held_init(r->ncalls);

  for (int i = 0; i < r->ncalls; i++) {
    const struct call *c = &r->calls[i];
    void *p = NULL, *h = NULL;
    Lmid_t lmid = 0;
    int rc = 0;
    char *err = NULL;
    /* Operands first (refusing the run if one is gone), then the call alone
       between clearing dlerror() and reading it. */
    void *(*open_from)(const char *, int) = NULL;
    int (*close_from)(void *) = NULL;
    /* A call made by a DSO's code leaves its error with the libc copy of
       that DSO's namespace, read with the DSO's dlmspec_dlerror. */
    char *(*error_of)(void) = dlerror;
    long caller = c->op == 'o' ? c->a : c->op == 'c' ? c->b : -1;
    if (caller >= 0) {
      error_of = (char *(*)(void))caller_entry(r, i, caller, "dlmspec_dlerror", out);
      if (c->op == 'o') open_from = (void *(*)(const char *, int))caller_entry(r, i, caller, "dlmspec_dlopen", out);
      else close_from = (int (*)(void *))caller_entry(r, i, caller, "dlmspec_dlclose", out);
    }
    if (c->op == 'c' || c->op == 's' || c->op == 'i' || c->op == 'f') h = use_handle(r, i, c->a, out);
    error_of();
    switch (c->op) {
    case 'o': p = open_from ? open_from(c->str, (int)c->b) : dlopen(c->str, (int)c->b); break;
    case 'm': p = dlmopen((Lmid_t)c->a, c->str, (int)c->b); break;
    case 'c': rc = close_from ? close_from(h) : dlclose(h); break;
    case 's': p = dlsym(h, c->str); break;
    case 'i': rc = dlinfo(h, RTLD_DI_LMID, &lmid); break;
    case 'f': /* dlsym, then the call: a binding the loader cannot make ends the process (exit 127) */
      p = dlsym(h, c->str);
      if (p) ((void (*)(void))p)();
      break;
    case 'S': break; /* the start-up already happened: its events are waiting */
    case 'x': exit_in_child(); break;
    }
    err = error_of();
    if (err) err = strdup(err);
    if ((c->op == 'o' || c->op == 'm') && p) observe_held_opened(p, (int)c->b);
    if (c->op == 'c' && rc == 0) observe_held_closed(h);
    int nevents = read_events(DLMSPEC_EVENT_FD, &offset);
    int naudit = observe_auditing() ? read_audit(&audit_offset) : 0;

    observe_walk(after, before);
    for (int k = 0; k < i; k++)
      if (live[k] && !find_lm(after, returned[k])) live[k] = 0;

    put(&b, "{\"type\":\"observation\",\"id\":");
    put(&b, r->id);
    putf(&b, ",\"index\":%d,\"result\":", i);
    switch (c->op) {
    case 'o':
    case 'm':
      if (p) {
        put_handle(&b, i, p, after);
        returned[i] = p;
        live[i] = 1;
      } else {
        put(&b, "{\"kind\":\"null\",\"error\":");
        put_error(&b, err, r);
        put(&b, "}");
      }
      break;
    case 's':
      if (p) put_symbol(&b, p, after);
      else {
        put(&b, "{\"kind\":\"null\",\"error\":");
        put_error(&b, err, r);
        put(&b, "}");
      }
      break;
    case 'f':
      if (p) put(&b, "{\"kind\":\"called\"}");
      else {
        put(&b, "{\"kind\":\"null\",\"error\":");
        put_error(&b, err, r);
        put(&b, "}");
      }
      break;
    case 'S': put(&b, "{\"kind\":\"started\"}"); break;
    case 'x': put(&b, "{\"kind\":\"exited\"}"); break;
    case 'c':
    case 'i':
      if (rc == 0 && c->op == 'c') put(&b, "{\"kind\":\"ok\"}");
      else if (rc == 0) putf(&b, "{\"kind\":\"lmid\",\"lmid\":%ld}", (long)lmid);
      else {
        put(&b, "{\"kind\":\"fail\",\"error\":");
        put_error(&b, err, r);
        put(&b, "}");
      }
      break;
    }
    free(err);
    put(&b, ",\"events\":");
    put_events(&b, nevents, before, after);
    if (observe_auditing()) {
      put(&b, ",\"audit\":");
      put_audit(&b, naudit, after);
    }
    put(&b, ",\"namespaces\":");
    put_namespaces(&b, after);
    put(&b, "}");
    flush_line(&b, out);

    struct walk *t = before;
    before = after;
    after = t;
  }
  /* _exit: destructors at exit are not part of any call's observation. */
  _exit(0);
}
