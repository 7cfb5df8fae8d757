/* How the native driver observes the loader, through public interfaces
   only: namespace lists, proxies, names, and the start-up objects. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"

#ifndef DT_GNU_FLAGS_1
#define DT_GNU_FLAGS_1 0x6ffffdf4
#endif
#ifndef DF_GNU_1_UNIQUE
#define DF_GNU_1_UNIQUE 0x1
#endif

struct r_debug_extended *debug_head;

/* DT_DEBUG of the executable, not `_r_debug`: a copy relocation would give us
   our own copy of the variable, not the loader's. */
void find_debug(void) {
  for (ElfW(Dyn) *d = _DYNAMIC; d->d_tag != DT_NULL; d++)
    if (d->d_tag == DT_DEBUG) debug_head = (struct r_debug_extended *)d->d_un.d_ptr;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

const char *entry_name(const struct link_map *lm) {
  /* The main program: its l_name is "" normally, the program path when the
     loader is run as a command (`ld.so --library-path ... driver`). */
  if (lm->l_ld == _DYNAMIC) return "<main>";
  return base_name(lm->l_name ? lm->l_name : "");
}

void walk_namespaces(struct walk *w) {
  w->n = 0;
  /* The chain links one r_debug_extended per namespace in order of first
     use, not of id; r_next exists from r_version 2 on. */
  for (struct r_debug_extended *r = debug_head; r != NULL;
       r = r->base.r_version >= 2 ? r->r_next : NULL) {
    struct link_map *lm = r->base.r_map;
    if (lm == NULL) continue; /* a namespace emptied by dlclose */
    while (lm->l_prev) lm = lm->l_prev;
    Lmid_t ns = 0;
    if (dlinfo(lm, RTLD_DI_LMID, &ns) != 0) ns = -1;
    for (; lm != NULL && w->n < MAX_ENTRIES; lm = lm->l_next) {
      struct entry *e = &w->e[w->n++];
      e->lm = lm;
      e->ld = lm->l_ld;
      e->name = entry_name(lm);
      e->ns = ns;
      e->proxy = 0;
    }
  }
  /* Order by id; insertion sort is stable, so a namespace's entries keep
     their list order, and is near-linear as the chain is mostly ascending. */
  for (int i = 1; i < w->n; i++) {
    struct entry x = w->e[i];
    int j = i - 1;
    while (j >= 0 && w->e[j].ns > x.ns) w->e[j + 1] = w->e[j], j--;
    w->e[j + 1] = x;
  }
  /* A proxy has no mapping of its own: l_ld NULL (RTLD_SHARED series), or the
     l_ld of the entry it stands for in another namespace (stock glibc's ld.so
     proxy). Namespace 0 never holds a proxy (S13). */
  for (int i = 0; i < w->n; i++) {
    struct entry *e = &w->e[i];
    if (e->ns == 0) continue;
    if (e->ld == NULL) {
      e->proxy = 1;
      continue;
    }
    for (int j = 0; j < w->n && !e->proxy; j++)
      if (w->e[j].ns != e->ns && w->e[j].ld == e->ld) e->proxy = 1;
  }
}

const struct entry *find_lm(const struct walk *w, const void *lm) {
  for (int i = 0; i < w->n; i++)
    if (w->e[i].lm == lm) return &w->e[i];
  return NULL;
}

/* The real (non-proxy) entry whose l_ld is `ld`: the copy a ctor/dtor ran in. */
const struct entry *find_real_ld(const struct walk *w, const void *ld) {
  for (int i = 0; i < w->n; i++)
    if (!w->e[i].proxy && w->e[i].ld == ld) return &w->e[i];
  return NULL;
}

void put_namespaces(struct buf *b, const struct walk *w) {
  put(b, "[");
  for (int i = 0; i < w->n; i++) {
    const struct entry *e = &w->e[i];
    int first = i == 0 || w->e[i - 1].ns != e->ns;
    int last = i + 1 == w->n || w->e[i + 1].ns != e->ns;
    if (first) putf(b, "%s{\"ns\":%ld,\"entries\":[", i ? "," : "", e->ns);
    put(b, first ? "{\"object\":" : ",{\"object\":");
    put_json(b, e->name, NULL);
    put(b, e->proxy ? ",\"proxy\":true}" : ",\"proxy\":false}");
    if (last) put(b, "]}");
  }
  put(b, "]");
}


/* A d_ptr of the dynamic section: glibc relocates them in place unless the
   section is read-only (the vdso), where they stay link-time offsets. */
static uintptr_t dyn_ptr(const struct link_map *lm, uintptr_t v) {
  return v < lm->l_addr ? v + lm->l_addr : v;
}

static void put_system_object(struct buf *b, const struct entry *e, const struct link_map *rtld) {
  const ElfW(Dyn) *dyn = e->ld;
  uintptr_t strtab = 0;
  int unique = 0;
  for (const ElfW(Dyn) *d = dyn; d && d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_STRTAB) strtab = dyn_ptr(e->lm, d->d_un.d_ptr);
    if (d->d_tag == DT_GNU_FLAGS_1 && (d->d_un.d_val & DF_GNU_1_UNIQUE)) unique = 1;
  }
  put(b, "{\"name\":");
  put_json(b, e->name, NULL);
  put(b, ",\"needed\":[");
  int k = 0;
  for (const ElfW(Dyn) *d = dyn; d && strtab && d->d_tag != DT_NULL; d++)
    if (d->d_tag == DT_NEEDED) {
      if (k++) put(b, ",");
      put_json(b, (const char *)(strtab + d->d_un.d_val), NULL);
    }
  putf(b, "],\"unique\":%s,\"rtld\":%s}", unique ? "true" : "false", e->lm == rtld ? "true" : "false");
}

void find_system_dirs(void) {
  static struct walk w;
  walk_namespaces(&w);
  for (int i = 0; i < w.n; i++) {
    const char *name = w.e[i].lm->l_name, *slash = name ? strrchr(name, '/') : NULL;
    if (!slash || w.e[i].lm->l_ld == _DYNAMIC) continue;
    char *dir = strndup(name, (size_t)(slash - name) + 1);
    add_system_dir(dir);
    free(dir);
  }
}

void put_hello(struct buf *b) {
  static struct walk w;
  walk_namespaces(&w);
  /* The dynamic loader is the object that holds r_brk (_dl_debug_state): it
     is ld.so whatever its file name and however the driver was started. */
  struct link_map *rtld = NULL;
  Dl_info info;
  if (debug_head && !dladdr1((void *)debug_head->base.r_brk, &info, (void **)&rtld, RTLD_DL_LINKMAP))
    rtld = NULL;
  put(b, "{\"type\":\"hello\",\"protocol\":1,\"implementation\":");
  char impl[128];
  snprintf(impl, sizeof impl, "glibc %s (dlmspec native driver)", gnu_get_libc_version());
  put_json(b, impl, NULL);
  put(b, ",\"system\":[");
  for (int i = 0, k = 0; i < w.n; i++)
    if (w.e[i].ns == 0) {
      if (k++) put(b, ",");
      put_system_object(b, &w.e[i], rtld);
    }
  put(b, "],\"initial\":");
  put_namespaces(b, &w);
  put(b, "}");
}
