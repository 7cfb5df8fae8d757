/**
 * A child program that is talked to in lines: requests on its stdin, replies
 * read from its stdout one line at a time. Its end (exit code or signal) is
 * an event in the same stream, after the last line it wrote, so a reader sees
 * every line a program wrote before it died. Its stderr is kept (the tail)
 * for reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type LineEvent =
  | { readonly kind: 'line'; readonly line: string }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'timeout' };

const STDERR_TAIL = 4096;

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

  constructor(readonly command: Command) {
    this.child = spawn(command.file, [...command.args], {
      env: command.env ?? process.env,
      cwd: command.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      for (const p of parts) this.lines.push(p);
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
      this.notify();
    });
    this.child.on('error', (e) => {
      this.stderr += `\n${e.message}`;
      this.exit ??= { code: null, signal: null };
      this.notify();
    });
  }

  /** The program's process id (for diagnostics such as CPU accounting). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exit !== undefined;
  }

  /** Last bytes the program wrote to stderr. */
  stderrTail(): string {
    return this.stderr.trim();
  }

  send(text: string): void {
    if (!this.exit && this.child.stdin!.writable) this.child.stdin!.write(text);
  }

  /** The next line, else the program's end, else a timeout after `ms`. */
  async next(ms: number): Promise<LineEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
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

  kill(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }
}
