/* A run inside the child: see run.c. */
#ifndef DLMSPEC_RUN_H
#define DLMSPEC_RUN_H

struct call {
  char op; /* o m c s i, and the process extension's S (start), f (call), x (exit) */
  long a, b;
  char *str;
};

struct run {
  long timeout_ms;
  int ncalls;
  char *id;     /* JSON text */
  char *strip;  /* the DSO directory + "/", left out of messages */
  struct call *calls;
  char *program; /* the program to run the calls in (a graph's start-up objects), or NULL */
};

/* Set up before the run is known: the event descriptor, and the walk of the
   start-up state that precedes call 0. */
void prepare_child(void);
/* Its two halves: the event (and audit) descriptors, made before a program
   of the graph is executed; the start-up walk, in the process that runs the calls. */
void prepare_descriptors(void);
void prepare_walk(void);
/* Makes the calls, writes their observations to `out`, and exits. */
void run_child(const struct run *r, int out) __attribute__((noreturn));

#endif
