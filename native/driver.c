/*
 * dlmspec native driver: runs call sequences with the real dlopen, dlmopen,
 * dlclose, dlsym and dlinfo of the loader it runs under, and reports what
 * that loader did, observed through public interfaces only (SEMANTICS.md
 * section 4; PROTOCOL.md section 6).
 *
 * It is a fork server. The server process loads nothing: each run is done by
 * a child forked from its zygote (a process forked once at start-up, which
 * does nothing after that but fork), so each starts from the loader's
 * start-up state and from the same memory, whatever runs came before it
 * (layout.h, zygote_main below).
 * The child writes one observation (a PROTOCOL.md line) per call; the server
 * passes them on and reports how the child ended (ok, crash by signal or
 * exit status, timeout), so a loader bug never takes the server down.
 *
 * Input, one request per line (adapters/native.ts writes it):
 *   H                          hello: print the hello line
 *   R <timeout_ms> <ncalls>    start a run, then:
 *   I <id>                     the run id, already JSON-encoded
 *   P <dir>/                   the DSO directory, left out of messages
 *   o <caller> <mode> <file>   dlopen, from the main program (caller -1) or
 *                              from the code of handle <caller>
 *   m <lmid> <mode> <file>     dlmopen
 *   c <handle> <caller>        dlclose
 *   s <handle> <symbol>        dlsym
 *   i <handle>                 dlinfo RTLD_DI_LMID
 *   S                          start (the process extension: PROTOCOL.md section 9)
 *   f <handle> <symbol>        call: dlsym, then call the function
 *   x                          exit
 *   X <program>                run the calls in <program>, this driver linked
 *                              with the graph's start-up objects (before the calls)
 *   G                          go
 *   Q                          quit
 * Output: PROTOCOL.md lines (hello, observation, done, error).
 *
 * observe.c observes the loader, run.c makes a run's calls in the child,
 * json.c writes the output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "event.h"
#include "json.h"
#include "layout.h"
#include "observe.h"
#include "run.h"

#define STDERR_TAIL 2048 /* bytes of a crashed child's stderr to report */
#define OUT_FD (DLMSPEC_EVENT_FD + 1) /* the child's observation lines */

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *signal_name(int sig, char *scratch, size_t n) {
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev) snprintf(scratch, n, "SIG%s", abbrev);
  else snprintf(scratch, n, "signal %d", sig);
  return scratch;
}

/* Waits for the child to end, draining its stderr, for at most `ms`.
   Returns 0 when it ended, -1 on timeout. */
static int await_child(pid_t pid, int errfd, long ms, char *tail, size_t *tail_n, size_t tail_cap) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  long deadline = now_ms() + ms;
  struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {errfd, POLLIN, 0}};
  char chunk[4096];
  for (;;) {
    long left = deadline - now_ms();
    if (left <= 0) break;
    /* Without pidfd (old kernel), the end of stderr marks the child's end. */
    int k = poll(pidfd >= 0 ? fds : fds + 1, pidfd >= 0 ? 2 : 1, (int)left);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) continue;
    if (fds[1].revents) {
      ssize_t got = read(errfd, chunk, sizeof chunk);
      if (got <= 0) {
        fds[1].fd = -1;
        if (pidfd < 0) return 0;
      }
      for (ssize_t i = 0; i < got; i++) { /* keep the last tail_cap bytes */
        if (*tail_n == tail_cap) memmove(tail, tail + 1, --*tail_n);
        tail[(*tail_n)++] = chunk[i];
      }
    }
    if (pidfd >= 0 && fds[0].revents) {
      close(pidfd);
      return 0;
    }
  }
  if (pidfd >= 0) close(pidfd);
  return -1;
}

/*
 * The child of the next run, forked ahead of its request so that fork and
 * set-up overlap the harness's own work. It waits for the request text on a
 * pipe. It writes its lines to a memory file that is read once it has ended:
 * nothing has to wake up while it runs (per-call wake-ups of this process and
 * the harness cost more than the calls), and lines written before a crash
 * are kept.
 */
struct child {
  pid_t pid;
  int request; /* write end of its request pipe */
  int err;     /* read end of its stderr */
  int out;     /* the memory file it writes its lines to */
};

static int parse_line(struct run *r, int *filled, char *line, ssize_t len);

static void exec_program(const char *program, const char *request, size_t n);

static void child_main(int request) {
  prepare_descriptors();
  FILE *in = fdopen(request, "r");
  struct run r = {0};
  int filled = -1;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  struct buf text = {0}; /* the request as read, for a program that runs it */
  while (in && (len = getline(&line, &cap, in)) > 0) {
    reserve(&text, (size_t)len);
    memcpy(text.p + text.n, line, (size_t)len);
    text.n += (size_t)len;
    if (parse_line(&r, &filled, line, len) != 1) continue;
    if (r.program) exec_program(r.program, text.p, text.n);
    prepare_walk();
    run_child(&r, OUT_FD);
  }
  _exit(0); /* no run came: the server is closing */
}

/*
 * A graph whose program needs test DSOs at start-up: the calls run in that
 * program (this driver's code linked with them: adapters/native.ts builds
 * it), executed in place of this child, so the server's accounting (pid,
 * output, time) is unchanged. It gets the request on its standard input and
 * the event descriptors made above, which its start-up objects' constructors
 * write to. Under an explicit ld.so (DLMSPEC_RTLD, set by the harness) it is
 * run through that loader, as this driver was.
 */
static void exec_program(const char *program, const char *request, size_t n) {
  int fd = memfd_create("dlmspec-request", 0);
  if (fd >= 0) write_all(fd, request, n);
  if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) < 0) {
    perror("dlmspec driver: request for the program");
    _exit(4);
  }
  close(fd);
  const char *rtld = getenv("DLMSPEC_RTLD");
  const char *libs = getenv("DLMSPEC_LIBRARY_PATH");
  if (rtld && *rtld) {
    if (libs && *libs) execl(rtld, rtld, "--library-path", libs, program, "--child", (char *)NULL);
    else execl(rtld, rtld, program, "--child", (char *)NULL);
  } else {
    execl(program, program, "--child", (char *)NULL);
  }
  perror("dlmspec driver: exec of the graph's program");
  _exit(4);
}

/* The program of a graph (exec_program): the request on stdin, the descriptors in place. */
static int program_main(void) {
  const char *broken = observe_init();
  if (broken) {
    fprintf(stderr, "dlmspec program: %s\n", broken);
    return 4;
  }
  struct run r = {0};
  int filled = -1;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    int state = parse_line(&r, &filled, line, len);
    if (state < 0) break;
    if (state == 1) {
      prepare_walk();
      run_child(&r, OUT_FD);
    }
  }
  fputs("dlmspec program: no complete run on its input\n", stderr);
  return 4;
}

/*
 * The zygote. Forked once, before the first request is read, it forks every
 * run's child. Nothing it does afterwards allocates or reads variable input
 * (fixed-size messages on a socket, descriptors passed with them), so every
 * child begins with the memory the zygote had at start-up, not the server's,
 * which grows with the requests it read. Together with one address-space
 * layout (layout.h) and poisoned freed memory (glibc.malloc.perturb), a
 * sequence runs alike in a long validation, in a replay of it and on any
 * server of a pool: a crash that depends on what memory holds shows in all
 * of them or in none.
 *
 * Messages: the server sends a fork request carrying the child's three
 * descriptors (request pipe, stderr pipe, output file); the zygote answers
 * {FORKED, pid}, and {ENDED, pid, wait status} when that child ends (it is
 * the child's parent, so it reaps it).
 */
enum { Z_FORKED = 1, Z_ENDED = 2 };
struct zmsg {
  int kind;
  pid_t pid;
  int status;
};
static int zygote = -1; /* the server's end of the socket */

static void zygote_child(int fds[3]) {
  int reqfd = fds[0], errfd = fds[1], outfd = fds[2];
  /* Nothing of the harness's stays open in the child, and it dies with the zygote (which dies with the server). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* High descriptors (OUT_FD, DLMSPEC_EVENT_FD, DLMSPEC_AUDIT_FD) need room under the limit. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <= DLMSPEC_AUDIT_FD && rl.rlim_max > DLMSPEC_AUDIT_FD) {
    rl.rlim_cur = DLMSPEC_AUDIT_FD + 1;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  int devnull = open("/dev/null", O_RDWR);
  dup2(devnull, 0);
  dup2(devnull, 1); /* whatever a loaded object prints stays out of the lines */
  dup2(outfd, OUT_FD);
  dup2(errfd, 2);
  close(outfd);
  close(errfd);
  child_main(reqfd);
}

static void zygote_main(int sock) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* The harness's pipes are the server's alone: the harness sees their end when the server ends. */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(devnull, 0);
  dup2(devnull, 1);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC);
  for (;;) {
    struct pollfd p[2] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) < 0 && errno == EINTR) {
      }
      int status;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct zmsg m = {Z_ENDED, pid, status};
        send(sock, &m, sizeof m, MSG_NOSIGNAL);
      }
    }
    if (p[0].revents) {
      char byte;
      char control[CMSG_SPACE(3 * sizeof(int))];
      struct iovec io = {&byte, 1};
      struct msghdr mh = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
      if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) <= 0) _exit(0); /* the server is gone */
      struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
      if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(3 * sizeof(int))) continue;
      int fds[3];
      memcpy(fds, CMSG_DATA(cm), sizeof fds);
      pid_t pid = fork();
      if (pid == 0) {
        close(sock);
        close(sfd);
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        zygote_child(fds);
      }
      for (int i = 0; i < 3; i++) close(fds[i]);
      struct zmsg m = {Z_FORKED, pid, 0};
      send(sock, &m, sizeof m, MSG_NOSIGNAL);
    }
  }
}

static void start_zygote(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    perror("dlmspec driver: socketpair");
    exit(1);
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    perror("dlmspec driver: fork");
    exit(1);
  }
  if (pid == 0) {
    close(sv[0]);
    if (getppid() != parent) _exit(1);
    zygote_main(sv[1]);
  }
  close(sv[1]);
  zygote = sv[0];
}

/* Wait statuses of children that ended before the server asked for them. */
static struct zmsg ended[8];
static int nended;

/* The zygote's next answer of `kind` (for `pid`, when not -1); an ENDED for another child is kept for later. */
static struct zmsg zygote_reply(int kind, pid_t pid) {
  for (int i = 0; i < nended; i++)
    if (kind == Z_ENDED && ended[i].pid == pid) {
      struct zmsg m = ended[i];
      ended[i] = ended[--nended];
      return m;
    }
  for (;;) {
    struct zmsg m;
    ssize_t k = recv(zygote, &m, sizeof m, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k != (ssize_t)sizeof m) {
      fputs("dlmspec driver: the zygote is gone\n", stderr);
      exit(1);
    }
    if (m.kind == kind && (pid < 0 || m.pid == pid)) return m;
    if (m.kind == Z_ENDED && nended < (int)(sizeof ended / sizeof ended[0])) ended[nended++] = m;
  }
}

static struct child spawn_child(void) {
  int errp[2], reqp[2];
  int outfd = memfd_create("dlmspec-out", MFD_CLOEXEC);
  if (outfd < 0 || pipe2(errp, O_CLOEXEC) != 0 || pipe2(reqp, O_CLOEXEC) != 0) {
    perror("dlmspec driver: memfd/pipe");
    exit(1);
  }
  int fds[3] = {reqp[0], errp[1], outfd};
  char byte = 'f';
  char control[CMSG_SPACE(sizeof fds)];
  memset(control, 0, sizeof control);
  struct iovec io = {&byte, 1};
  struct msghdr mh = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(cm), fds, sizeof fds);
  if (sendmsg(zygote, &mh, MSG_NOSIGNAL) != 1) {
    perror("dlmspec driver: zygote");
    exit(1);
  }
  /* The child has its copies: the server keeps the ends it reads and writes. */
  close(errp[1]);
  close(reqp[0]);
  pid_t pid = zygote_reply(Z_FORKED, -1).pid;
  if (pid < 0) {
    fputs("dlmspec driver: the zygote could not fork\n", stderr);
    exit(1);
  }
  return (struct child){pid, reqp[1], errp[0], outfd};
}

/* Hands the run to the waiting child and reports how it ended. */
static void serve_run(const struct run *r, const struct buf *request, struct child c) {
  pid_t pid = c.pid;
  /* A child that died before reading it: its end is reported below. */
  for (size_t done = 0; done < request->n;) {
    ssize_t k = write(c.request, request->p + done, request->n - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    done += (size_t)k;
  }
  close(c.request);
  int outfd = c.out;

  char tail[STDERR_TAIL];
  size_t tail_n = 0;
  int timed_out = await_child(pid, c.err, r->timeout_ms, tail, &tail_n, sizeof tail) != 0;
  if (timed_out) kill(pid, SIGKILL);
  int status = zygote_reply(Z_ENDED, pid).status; /* the zygote reaps its children */
  close(c.err);

  /* The child's complete lines; a torn last line (killed mid-write) is dropped. */
  struct buf b = {0};
  off_t size = lseek(outfd, 0, SEEK_END);
  reserve(&b, (size_t)size + STDERR_TAIL + 512);
  ssize_t got = size > 0 ? pread(outfd, b.p, (size_t)size, 0) : 0;
  close(outfd);
  b.n = got > 0 ? (size_t)got : 0;
  char *end = b.n ? memrchr(b.p, '\n', b.n) : NULL;
  b.n = end ? (size_t)(end - b.p) + 1 : 0;
  int observed = 0, refused = 0;
  for (char *s = b.p; s < b.p + b.n;) {
    if (strncmp(s, "{\"type\":\"observation\"", 21) == 0) observed++;
    else if (strncmp(s, "{\"type\":\"error\"", 15) == 0) refused = 1;
    s = (char *)memchr(s, '\n', (size_t)(b.p + b.n - s)) + 1;
  }
  if (refused) { /* the error line ends the run */
    write_all(1, b.p, b.n);
    free(b.p);
    return;
  }

  char detail[STDERR_TAIL + 256], sig[32];
  int n = 0;
  put(&b, "{\"type\":\"done\",\"id\":");
  put(&b, r->id);
  if (timed_out) {
    snprintf(detail, sizeof detail, "killed after %ld ms, %d of %d calls observed", r->timeout_ms, observed, r->ncalls);
    put(&b, ",\"status\":\"timeout\",\"detail\":");
    put_json(&b, detail, NULL);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && observed == r->ncalls) {
    put(&b, ",\"status\":\"ok\"");
  } else {
    if (WIFSIGNALED(status)) {
      n = snprintf(detail, sizeof detail, "killed by %s after %d of %d calls",
                   signal_name(WTERMSIG(status), sig, sizeof sig), observed, r->ncalls);
      putf(&b, ",\"status\":\"crash\",\"signal\":\"%s\",\"exitCode\":null", sig);
    } else {
      n = snprintf(detail, sizeof detail, "exited with status %d after %d of %d calls",
                   WEXITSTATUS(status), observed, r->ncalls);
      putf(&b, ",\"status\":\"crash\",\"signal\":null,\"exitCode\":%d", WEXITSTATUS(status));
    }
    if (tail_n > 0 && n > 0 && (size_t)n < sizeof detail)
      snprintf(detail + n, sizeof detail - (size_t)n, "; stderr: %.*s", (int)tail_n, tail);
    put(&b, ",\"detail\":");
    put_json(&b, detail, r->strip);
  }
  put(&b, "}");
  flush_line(&b, 1); /* every line of the run in one write */
  free(b.p);
}

/* ---------- request loop ---------- */

static void protocol_error(const char *msg, const char *line) {
  struct buf b = {0};
  char text[512];
  snprintf(text, sizeof text, "native driver: %s: %.300s", msg, line);
  put(&b, "{\"type\":\"error\",\"message\":");
  put_json(&b, text, NULL);
  put(&b, "}");
  flush_line(&b, 1);
  free(b.p);
}

static char *rest_after(char *line, int fields) {
  /* The text after `fields` space-separated fields (a path may hold spaces). */
  char *s = line;
  for (int i = 0; i < fields; i++) {
    s = strchr(s, ' ');
    if (!s) return NULL;
    s++;
  }
  return s;
}

/* One line of a run request (R to G) into `r`. `*filled` counts the calls
   read; -1 when no run is open. Returns 1 when the run is complete (G), 0 to
   go on, -1 for a bad line. */
static int parse_line(struct run *r, int *filled, char *line, ssize_t len) {
  if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
  char op = line[0];
  if (*filled < 0) {
    if (op != 'R' || sscanf(line, "R %ld %d", &r->timeout_ms, &r->ncalls) != 2 || r->ncalls < 0) return -1;
    r->calls = calloc((size_t)r->ncalls + 1, sizeof *r->calls);
    r->id = strdup("null");
    r->strip = strdup("");
    *filled = 0;
    return 0;
  }
  struct call *c = *filled < r->ncalls ? &r->calls[*filled] : NULL;
  char *rest;
  int ok = 1;
  switch (op) {
  case 'I': free(r->id); r->id = strdup(line + 2); break;
  case 'P': free(r->strip); r->strip = strdup(len > 2 ? line + 2 : ""); break;
  case 'o':
  case 'm':
    rest = rest_after(line, 3);
    ok = c && rest && sscanf(line + 2, "%ld %ld", &c->a, &c->b) == 2;
    if (ok) c->op = op, c->str = strdup(rest), ++*filled;
    break;
  case 'c':
    ok = c && sscanf(line + 2, "%ld %ld", &c->a, &c->b) == 2;
    if (ok) c->op = op, ++*filled;
    break;
  case 's':
    rest = rest_after(line, 2);
    ok = c && rest && sscanf(line + 2, "%ld", &c->a) == 1;
    if (ok) c->op = op, c->str = strdup(rest), ++*filled;
    break;
  case 'i':
    ok = c && sscanf(line + 2, "%ld", &c->a) == 1;
    if (ok) c->op = op, ++*filled;
    break;
  case 'f':
    rest = rest_after(line, 2);
    ok = c && rest && sscanf(line + 2, "%ld", &c->a) == 1;
    if (ok) c->op = op, c->str = strdup(rest), ++*filled;
    break;
  case 'S':
  case 'x':
    ok = c && len == 1;
    if (ok) c->op = op, ++*filled;
    break;
  case 'X':
    ok = len > 2 && !r->program;
    if (ok) r->program = strdup(line + 2);
    break;
  case 'G': return *filled == r->ncalls ? 1 : -1;
  default: ok = 0;
  }
  return ok ? 0 : -1;
}

static void free_run(struct run *r, int filled) {
  for (int i = 0; i < filled; i++) free(r->calls[i].str);
  free(r->calls);
  free(r->program);
  free(r->id);
  free(r->strip);
  memset(r, 0, sizeof *r);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--child") == 0) return program_main();
  dlmspec_fixed_layout(); /* before anything is read: it may execute this program again */
  const char *broken = observe_init();
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  struct run r = {0};
  struct buf request = {0}; /* the open run's lines, passed on to its child */
  int filled = -1;
  char *bad = NULL; /* the first bad line of the open run */
  struct child next = {-1, -1, -1, -1};
  signal(SIGPIPE, SIG_IGN); /* write errors are handled where they happen */
  start_zygote();

  while ((len = getline(&line, &cap, stdin)) > 0) {
    if (filled < 0 && line[0] == 'H') {
      if (broken) {
        protocol_error(broken, "");
        return 1;
      }
      struct buf b = {0};
      put_hello(&b);
      flush_line(&b, 1);
      free(b.p);
      continue;
    }
    if (filled < 0 && line[0] == 'Q') break;
    reserve(&request, (size_t)len);
    memcpy(request.p + request.n, line, (size_t)len);
    request.n += (size_t)len;
    int state = parse_line(&r, &filled, line, len);
    if (state == 0) continue;
    if (state < 0 && filled >= 0 && line[0] != 'G') { /* refuse the run at its end, as one reply */
      if (!bad) bad = strdup(line);
      continue;
    }
    if (state == 1 && !bad) {
      if (next.pid < 0) next = spawn_child();
      serve_run(&r, &request, next);
      next = spawn_child(); /* ready before the next request comes */
    } else if (filled < 0) {
      protocol_error("unexpected request", line);
    } else {
      protocol_error(bad ? "bad run line" : "run has fewer calls than announced", bad ? bad : line);
    }
    free(bad);
    bad = NULL;
    free_run(&r, filled > 0 ? filled : 0);
    filled = -1;
    request.n = 0;
  }
  if (next.pid >= 0) { /* end of input: the waiting child sees EOF and exits */
    close(next.request);
    zygote_reply(Z_ENDED, next.pid);
  }
  return 0;
}
