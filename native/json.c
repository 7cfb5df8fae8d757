/* Output of the native driver: a growing buffer, JSON strings, and the
   normalisation of paths in loader messages (PROTOCOL.md section 4). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

void reserve(struct buf *b, size_t more) {
  if (b->n + more <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->n + more) cap *= 2;
  b->p = realloc(b->p, cap);
  if (!b->p) abort();
  b->cap = cap;
}

void put(struct buf *b, const char *s) {
  size_t k = strlen(s);
  reserve(b, k);
  memcpy(b->p + b->n, s, k);
  b->n += k;
}

void putf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  reserve(b, (size_t)k + 1);
  va_start(ap, fmt);
  vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)k;
}

/* Directories of the start-up objects (e.g. "/lib/x86_64-linux-gnu/"), so
   that loader messages naming them read the same on every machine. */
#define MAX_SYSTEM_DIRS 16
static char *system_dirs[MAX_SYSTEM_DIRS];
static int n_system_dirs;

void add_system_dir(const char *dir) {
  for (int k = 0; k < n_system_dirs; k++)
    if (strcmp(system_dirs[k], dir) == 0) return;
  if (n_system_dirs < MAX_SYSTEM_DIRS) system_dirs[n_system_dirs++] = strdup(dir);
}

/* The length of the directory prefix at `s` to leave out of a message: the
   run's DSO directory or a system directory, where a path starts and only
   when a plain file name follows. */
static size_t path_prefix(const char *s, const char *whole, const char *dso_dir) {
  if (*s != '/' || (s != whole && !strchr(" '`(:\"", s[-1]))) return 0;
  size_t k = 0;
  if (dso_dir && *dso_dir && strncmp(s, dso_dir, strlen(dso_dir)) == 0) k = strlen(dso_dir);
  for (int i = 0; !k && i < n_system_dirs; i++)
    if (strncmp(s, system_dirs[i], strlen(system_dirs[i])) == 0) k = strlen(system_dirs[i]);
  size_t name = strcspn(s + k, " '`):\"");
  return k && !memchr(s + k, '/', name) ? k : 0;
}

/* A JSON string. With a `dso_dir`, directory prefixes of files are left out
   (see path_prefix): for loader messages. */
void put_json(struct buf *b, const char *s, const char *dso_dir) {
  const char *whole = s;
  reserve(b, 2);
  b->p[b->n++] = '"';
  while (*s) {
    size_t skip = dso_dir ? path_prefix(s, whole, dso_dir) : 0;
    if (skip) {
      s += skip;
      continue;
    }
    unsigned char c = (unsigned char)*s++;
    if (c == '"' || c == '\\') {
      reserve(b, 2);
      b->p[b->n++] = '\\';
      b->p[b->n++] = (char)c;
    } else if (c < 0x20) {
      putf(b, "\\u%04x", c);
    } else {
      reserve(b, 1);
      b->p[b->n++] = (char)c;
    }
  }
  reserve(b, 1);
  b->p[b->n++] = '"';
}

void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      _exit(2); /* the harness has gone */
    }
    p += k;
    n -= (size_t)k;
  }
}

/* Writes the buffer as one line and empties it. */
void flush_line(struct buf *b, int fd) {
  reserve(b, 1);
  b->p[b->n++] = '\n';
  write_all(fd, b->p, b->n);
  b->n = 0;
}
