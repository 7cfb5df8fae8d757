/**
 * A child program that is talked to in lines: requests on its stdin, replies
 * read from its stdout one line at a time. Its end (exit code or signal) is
 * an event in the same stream, after the last line it wrote, so a reader sees
 * every line a program wrote before it died. Its stderr is kept (the tail)
 * for reports.
 *
 * The program runs in a process group of its own: a kill (timeout, end of
 * the run, an interrupt of dlmspec) reaches every process it started, and a
 * Ctrl-C at the terminal reaches dlmspec only, which then ends the group.
 * A line longer than MAX_LINE or more than MAX_OUTPUT bytes since the last
 * request is an `overflow` event and the program is killed: memory stays
 * bounded whatever it writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type LineEvent =
  | { readonly kind: 'line'; readonly line: string }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'overflow'; readonly detail: string };

const STDERR_TAIL = 4096;
export const MAX_LINE = 1 << 20;
export const MAX_OUTPUT = 64 << 20;

/** Every program group still running, so that an exit of dlmspec can end them. */
const LIVE = new Set<LineProcess>();

/** Kills every program group this process started and has not yet seen end (for signal handlers). */
export function killAllGroups(): void {
  for (const p of LIVE) p.kill();
}

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export class LineProcess {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private partial = '';
  private exit: { code: number | null; signal: string | null } | undefined;
  private wake: (() => void) | undefined;
  private stderr = '';
  private overflow: string | undefined;
  /** Bytes read since the last request. */
  private output = 0;

  constructor(readonly command: Command) {
    this.child = spawn(command.file, [...command.args], {
      env: command.env ?? process.env,
      cwd: command.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    LIVE.add(this);
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      if (this.overflow !== undefined) return;
      this.output += chunk.length;
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      for (const p of parts) this.lines.push(p);
      if (this.partial.length > MAX_LINE || parts.some((p) => p.length > MAX_LINE)) this.overflowed(`wrote a line longer than ${MAX_LINE} bytes`);
      else if (this.output > MAX_OUTPUT) this.overflowed(`wrote more than ${MAX_OUTPUT} bytes for one request`);
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    // EPIPE when the program has died: its exit is reported as an event.
    this.child.stdin!.on('error', () => {});
    // 'close' comes after stdout has been read to its end.
    this.child.on('close', (code, signal) => {
      this.exit = { code, signal };
      // Whatever it started and left behind goes with it.
      this.killGroup();
      LIVE.delete(this);
      this.notify();
    });
    this.child.on('error', (e) => {
      this.stderr += `\n${e.message}`;
      this.startError ??= (e as NodeJS.ErrnoException).code ?? e.message;
      this.exit ??= { code: null, signal: null };
      LIVE.delete(this);
      this.notify();
    });
  }

  /** The program's process id (for diagnostics such as CPU accounting). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the program could not be started at all (spawn's error code), if so. */
  startError: string | undefined;

  private overflowed(detail: string): void {
    this.overflow = detail;
    this.lines.length = 0;
    this.partial = '';
    this.kill();
  }

  get exited(): boolean {
    return this.exit !== undefined;
  }

  /** Last bytes the program wrote to stderr. */
  stderrTail(): string {
    return this.stderr.trim();
  }

  send(text: string): void {
    this.output = 0;
    if (!this.exit && this.child.stdin!.writable) this.child.stdin!.write(text);
  }

  /** The next line, else the program's end, else a timeout after `ms`. */
  async next(ms: number): Promise<LineEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.overflow !== undefined) return { kind: 'overflow', detail: this.overflow };
      const line = this.lines.shift();
      if (line !== undefined) return { kind: 'line', line };
      if (this.exit) return { kind: 'exit', ...this.exit };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private notify(): void {
    this.wake?.();
  }

  /** Closes stdin and waits up to `graceMs` for the program to end, then kills it. */
  async stop(graceMs = 1000): Promise<void> {
    this.child.stdin!.end();
    if (!this.exit) {
      const ended = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
      const timer = setTimeout(() => this.kill(), graceMs);
      await ended;
      clearTimeout(timer);
    }
  }

  /** Kills the program and every process of its group. */
  kill(): void {
    this.killGroup();
    if (!this.exit) this.child.kill('SIGKILL');
  }

  private groupKilled = false;

  private killGroup(): void {
    const pid = this.child.pid;
    // Once: after the group is gone its id may name another one.
    if (pid === undefined || this.groupKilled) return;
    this.groupKilled = this.exit !== undefined;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
}
