/* How the native driver observes the loader: see observe.c. */
#ifndef DLMSPEC_OBSERVE_H
#define DLMSPEC_OBSERVE_H

#include <link.h>

#include "json.h"

#define MAX_ENTRIES 4096 /* entries over all namespaces */
#define NAME_MAX_LEN 128 /* an entry's name, copied while the entry is live */

struct entry {
  struct link_map *lm;
  const void *ld;
  char name[NAME_MAX_LEN];
  long ns;
  int proxy;
};

/* A snapshot of every non-empty namespace, ascending by id. */
struct walk {
  int n;
  struct entry e[MAX_ENTRIES];
};

/* What the caller knows of the state, beyond what the loader shows: the
   handles it holds open (an open count of at least one, by its own count of
   dlopen/dlmopen and dlclose calls: the API says they are valid), the
   handles it opened with RTLD_NODELETE (valid by the API while their
   namespace is not empty), and the previous snapshot. */
struct anchors {
  void *const *open;
  int nopen;
  void *const *pinned;
  int npinned;
  const struct walk *previous;
};

/* The handles a run holds, by pointer (observe_held_*): its own count of
   the opens that returned each and the closes of it (a lower bound of the
   loader's count: a nodelete entry's count does not go down), and whether
   it was opened with RTLD_NODELETE. They make the walk's anchors. */
void observe_held_init(int max_handles);
void observe_held_opened(void *p, int mode);
void observe_held_closed(void *p);
/* Walks every namespace with the held handles as anchors, then forgets
   pointers the walk no longer finds (the loader may reuse them). */
void observe_walk(struct walk *w, const struct walk *previous);

/* Reads DLMSPEC_OBSERVE and finds the start-up objects; returns an error
   text, or NULL. */
const char *observe_init(void);
/* Whether the driver runs under LD_AUDIT (observations then carry audit events). */
int observe_auditing(void);
/* Records the address of a real copy's _DYNAMIC (a constructor event says
   it was mapped): the public walk finds its namespace through it. */
void observe_note_address(const void *dyn);
/* The name observations use: "<main>", else the basename of l_name. */
const char *entry_name(const struct link_map *lm);
void walk_namespaces(struct walk *w, const struct anchors *a);
const struct entry *find_lm(const struct walk *w, const void *lm);
/* The real (non-proxy) entry whose l_ld is `ld`: the copy a ctor/dtor ran in. */
const struct entry *find_real_ld(const struct walk *w, const void *ld);
void put_namespaces(struct buf *b, const struct walk *w);
/* The hello line (PROTOCOL.md section 3), without its newline. */
void put_hello(struct buf *b);

#endif
