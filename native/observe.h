/* How the native driver observes the loader: see observe.c. */
#ifndef DLMSPEC_OBSERVE_H
#define DLMSPEC_OBSERVE_H

#include <link.h>

#include "json.h"

#define MAX_ENTRIES 4096 /* entries over all namespaces */

struct entry {
  struct link_map *lm;
  const void *ld;
  const char *name;
  long ns;
  int proxy;
};

/* A snapshot of every non-empty namespace, ascending by id. */
struct walk {
  int n;
  struct entry e[MAX_ENTRIES];
};

/* The chain of struct r_debug_extended, one per namespace (find_debug). */
extern struct r_debug_extended *debug_head;

void find_debug(void);
/* Records the directories of the start-up objects for put_json. */
void find_system_dirs(void);
/* The name observations use: "<main>", else the basename of l_name. */
const char *entry_name(const struct link_map *lm);
void walk_namespaces(struct walk *w);
const struct entry *find_lm(const struct walk *w, const void *lm);
/* The real (non-proxy) entry whose l_ld is `ld`: the copy a ctor/dtor ran in. */
const struct entry *find_real_ld(const struct walk *w, const void *ld);
void put_namespaces(struct buf *b, const struct walk *w);
/* The hello line (PROTOCOL.md section 3), without its newline. */
void put_hello(struct buf *b);

#endif
