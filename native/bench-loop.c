/*
 * The benchmark's baseline: the same calls as a driver run, made by a plain C
 * loop with no observation (no namespace walks, no events, no JSON), one fork
 * per sequence as the driver does.
 *
 *   bench-loop ITERATIONS < request
 *
 * reads one run in the driver's request format (R/I/P/call lines/G, see
 * driver.c) and prints {"sequences":N,"calls":N,"ns":ELAPSED,"cpuNs":CPU}, CPU
 * being the time this process and its children spent on a processor.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct call {
  char op;
  long a, b;
  char str[4096];
};

static void run(const struct call *calls, int n) {
  void **h = calloc((size_t)n + 1, sizeof *h);
  for (int i = 0; i < n; i++) {
    const struct call *c = &calls[i];
    switch (c->op) {
    case 'o':
      if (c->a < 0) h[i] = dlopen(c->str, (int)c->b);
      else h[i] = ((void *(*)(const char *, int))dlsym(h[c->a], "dlmspec_dlopen"))(c->str, (int)c->b);
      break;
    case 'm': h[i] = dlmopen(c->a, c->str, (int)c->b); break;
    case 'c':
      if (c->b < 0) dlclose(h[c->a]);
      else ((int (*)(void *))dlsym(h[c->b], "dlmspec_dlclose"))(h[c->a]);
      break;
    case 's': dlsym(h[c->a], c->str); break;
    case 'i': {
      Lmid_t lmid;
      dlinfo(h[c->a], RTLD_DI_LMID, &lmid);
      break;
    }
    }
  }
  _exit(0);
}

static long long tv_ns(struct timeval tv) { return tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL; }

/* Processor time of this process and its waited-for children. */
static long long cpu_ns(void) {
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  return tv_ns(self.ru_utime) + tv_ns(self.ru_stime) + tv_ns(children.ru_utime) + tv_ns(children.ru_stime);
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 100;
  static struct call calls[4096];
  int n = 0;
  char line[4200];
  while (fgets(line, sizeof line, stdin) && line[0] != 'G') {
    line[strcspn(line, "\n")] = 0;
    struct call *c = &calls[n];
    int off = 0;
    switch (line[0]) {
    case 'o':
    case 'm':
      if (sscanf(line + 2, "%ld %ld %n", &c->a, &c->b, &off) >= 2) c->op = line[0], strcpy(c->str, line + 2 + off), n++;
      break;
    case 'c':
      if (sscanf(line + 2, "%ld %ld", &c->a, &c->b) == 2) c->op = 'c', n++;
      break;
    case 's':
      if (sscanf(line + 2, "%ld %n", &c->a, &off) >= 1) c->op = 's', strcpy(c->str, line + 2 + off), n++;
      break;
    case 'i':
      if (sscanf(line + 2, "%ld", &c->a) == 1) c->op = 'i', n++;
      break;
    }
  }
  struct timespec t0, t1;
  long long cpu0 = cpu_ns();
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long k = 0; k < iterations; k++) {
    pid_t pid = fork();
    if (pid == 0) run(calls, n);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "bench-loop: sequence failed (status %d)\n", status);
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  printf("{\"sequences\":%ld,\"calls\":%ld,\"ns\":%lld,\"cpuNs\":%lld}\n", iterations, iterations * n, ns, cpu_ns() - cpu0);
  return 0;
}
