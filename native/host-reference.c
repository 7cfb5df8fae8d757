/*
 * The spec benchmark's host reference: a fixed raw C loop whose speed shows
 * how fast this machine runs memory-bound code at the moment. On a shared
 * host (a VM whose neighbours use the same cores and caches) that speed
 * changes from second to second, and the spec's calls/s moves with it, if
 * only loosely (BENCHMARKS.md), so the benchmark runs this loop between its
 * passes and reports both.
 *
 *   host-reference ITERATIONS
 *
 * Each iteration reads a random word of a 4 MiB table (past the 2 MiB
 * level-2 cache) and writes two words in sequence through a 16 MiB ring (as
 * a JavaScript engine's young generation is written). Prints the rate in
 * millions of iterations per CPU second, set-up excluded.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TABLE_WORDS (1u << 20)
#define RING_WORDS (1u << 22)

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 0;
  if (iterations <= 0) {
    fprintf(stderr, "usage: host-reference ITERATIONS\n");
    return 2;
  }
  unsigned *table = malloc(TABLE_WORDS * sizeof *table);
  unsigned *ring = calloc(RING_WORDS, sizeof *ring);
  if (table == NULL || ring == NULL) {
    perror("host-reference");
    return 1;
  }
  for (unsigned i = 0; i < TABLE_WORDS; i++) table[i] = (i * 2654435761u) & (TABLE_WORDS - 1);
  for (unsigned i = 0; i < RING_WORDS; i++) ring[i] = i; /* touch every page before timing */

  double start = cpu_seconds();
  unsigned x = 1;
  for (long k = 0; k < iterations; k++) {
    x = table[(x ^ (unsigned)k) & (TABLE_WORDS - 1)];
    ring[((unsigned long)k * 4) & (RING_WORDS - 1)] = x;
    ring[((unsigned long)k * 4 + 1) & (RING_WORDS - 1)] = (unsigned)k;
  }
  double used = cpu_seconds() - start;
  /* x feeds the output so the loop cannot be dropped. */
  printf("%.3f\n", (double)iterations / used / 1e6 + (x == 0xffffffffu ? 1e-9 : 0));
  return 0;
}
