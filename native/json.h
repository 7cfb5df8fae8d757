/* Output of the native driver: see json.c. */
#ifndef DLMSPEC_JSON_H
#define DLMSPEC_JSON_H

#include <stddef.h>

struct buf {
  char *p;
  size_t n, cap;
};

void reserve(struct buf *b, size_t more);
void put(struct buf *b, const char *s);
void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A JSON string. With a `dso_dir`, directory prefixes of files (that one and
   those given to add_system_dir) are left out: for loader messages. */
void put_json(struct buf *b, const char *s, const char *dso_dir);
void add_system_dir(const char *dir);

/* Writes everything, or exits (the harness has gone). */
void write_all(int fd, const char *p, size_t n);
/* Writes the buffer as one line and empties it. */
void flush_line(struct buf *b, int fd);

#endif
