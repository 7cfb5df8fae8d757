/**
 * The harness side of PROTOCOL.md, for any program that answers in its lines:
 * handshake, one run at a time, and every way a program can misbehave turned
 * into a RunOutcome (crash, timeout, protocol-error) instead of an exception.
 * A program that died, hung or spoke out of turn is replaced by a fresh one
 * for the next run.
 *
 * Requests are written by an encoder, so the same client serves external
 * programs (JSON requests) and the native driver (its own request lines).
 */
import type { RunOutcome, SystemInfo } from './implementation.ts';
import { LineProcess, type Command } from './line-process.ts';
import { helloReply, observation, parseMessage, WireError } from './wire.ts';
import type { Observation } from '../model/observation.ts';

export interface RequestEncoder {
  /** The hello request, newline-terminated. */
  hello(): string;
  /** The goodbye request, newline-terminated. */
  bye(): string;
}

export interface ClientOptions {
  /** How long the hello handshake may take. */
  readonly helloTimeoutMs: number;
}

export class ProtocolClient {
  private proc: LineProcess | undefined;
  private info: SystemInfo | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    /** How reports name the program, e.g. `cmd:./my-loader`. */
    private readonly label: string,
    private readonly command: () => Promise<Command>,
    private readonly encoder: RequestEncoder,
    private readonly options: ClientOptions,
  ) {}

  /** The running program's process id, if one is running (diagnostics). */
  get pid(): number | undefined {
    return this.proc && !this.proc.exited ? this.proc.pid : undefined;
  }

  /** Runs `work` after every earlier request: one exchange at a time. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => {});
    return result;
  }

  /** The program's hello (from its first start; a restart must not change it). */
  hello(): Promise<SystemInfo> {
    return this.serial(async () => {
      await this.ensureStarted();
      return this.info!;
    });
  }

  /** Starts the program if none is running and completes the handshake; throws if it cannot. */
  private async ensureStarted(): Promise<LineProcess> {
    if (this.proc && !this.proc.exited) return this.proc;
    const proc = new LineProcess(await this.command());
    this.proc = proc;
    proc.send(this.encoder.hello());
    for (;;) {
      const ev = await proc.next(this.options.helloTimeoutMs);
      if (ev.kind === 'line' && ev.line.trim() === '') continue;
      if (ev.kind === 'line') {
        try {
          const info = helloReply(parseMessage(ev.line, 'hello'));
          this.info ??= info;
          return proc;
        } catch (e) {
          this.discard();
          throw new Error(`${this.label}: bad hello reply: ${(e as Error).message}`);
        }
      }
      this.discard();
      const why =
        ev.kind === 'timeout'
          ? `no hello reply within ${this.options.helloTimeoutMs} ms`
          : ev.kind === 'overflow'
            ? ev.detail
            : proc.startError !== undefined
              ? `cannot be started (${proc.startError})`
              : `exited (${exitText(ev)})`;
      throw new Error(`${this.label}: ${why}${stderrText(proc)}`);
    }
  }

  private discard(): void {
    this.proc?.kill();
    this.proc = undefined;
  }

  /**
   * Sends one run request and collects its replies until `done` or `error`.
   * `guardMs` bounds the whole exchange; past it the program is killed.
   */
  exchange(id: string, request: string, ncalls: number, guardMs: number): Promise<RunOutcome> {
    return this.serial(async () => {
      const observations: Observation[] = [];
      const progress = () => `after ${observations.length} of ${ncalls} calls`;
      const protocolError = (detail: string, restart: boolean): RunOutcome => {
        if (restart) this.discard();
        return { status: 'protocol-error', observations, detail: `${this.label}: ${detail}` };
      };
      let proc: LineProcess;
      try {
        proc = await this.ensureStarted();
      } catch (e) {
        return { status: 'crash', observations, signal: null, exitCode: null, detail: (e as Error).message };
      }
      proc.send(request);
      const deadline = Date.now() + guardMs;
      for (;;) {
        const ev = await proc.next(deadline - Date.now());
        if (ev.kind === 'timeout') {
          this.discard();
          return { status: 'timeout', observations, detail: `${this.label}: no reply within ${guardMs} ms ${progress()}` };
        }
        if (ev.kind === 'overflow') return protocolError(`${ev.detail} ${progress()}`, true);
        if (ev.kind === 'exit') {
          this.proc = undefined;
          return {
            status: 'crash',
            observations,
            signal: ev.signal,
            exitCode: ev.code,
            detail: `${this.label} exited (${exitText(ev)}) ${progress()}${stderrText(proc)}`,
          };
        }
        if (ev.line.trim() === '') continue;
        try {
          const msg = parseMessage(ev.line, 'reply');
          if (msg.type === 'error') {
            // The program refused the request: it is still in step with us.
            if (msg.id !== undefined && msg.id !== id) return protocolError(`error for another run: ${ev.line}`, true);
            const where = typeof msg.index === 'number' ? ` (call ${msg.index})` : '';
            return protocolError(`refused the run${where}: ${String(msg.message)}`, false);
          }
          if (msg.id !== id) return protocolError(`reply for run ${JSON.stringify(msg.id)} during run "${id}": ${ev.line.slice(0, 200)}`, true);
          if (msg.type === 'observation') {
            if (msg.index !== observations.length || observations.length >= ncalls) {
              return protocolError(`observation index ${JSON.stringify(msg.index)} where ${observations.length} was due`, true);
            }
            observations.push(observation(msg, `observation ${observations.length}`, this.info?.extensions?.audit === 1));
            continue;
          }
          if (msg.type === 'done') return this.done(msg, observations, ncalls, protocolError);
          return protocolError(`unexpected reply type ${JSON.stringify(msg.type)}`, true);
        } catch (e) {
          if (e instanceof WireError) return protocolError(e.message, true);
          throw e;
        }
      }
    });
  }

  private done(
    msg: Record<string, unknown>,
    observations: Observation[],
    ncalls: number,
    protocolError: (detail: string, restart: boolean) => RunOutcome,
  ): RunOutcome {
    const detail = typeof msg.detail === 'string' ? msg.detail : '';
    switch (msg.status) {
      case 'ok':
        if (observations.length !== ncalls) return protocolError(`done ok after ${observations.length} of ${ncalls} observations`, true);
        return { status: 'ok', observations };
      case 'crash': {
        const signal = typeof msg.signal === 'string' ? msg.signal : null;
        const exitCode = typeof msg.exitCode === 'number' ? msg.exitCode : null;
        return { status: 'crash', observations, signal, exitCode, detail };
      }
      case 'timeout':
        return { status: 'timeout', observations, detail };
      default:
        return protocolError(`unknown done status ${JSON.stringify(msg.status)}`, true);
    }
  }

  /** Says goodbye and waits briefly for the program to end. */
  close(): Promise<void> {
    return this.serial(async () => {
      const proc = this.proc;
      this.proc = undefined;
      if (!proc || proc.exited) return;
      proc.send(this.encoder.bye());
      await proc.stop(1000);
    });
  }
}

function exitText(ev: { code: number | null; signal: string | null }): string {
  return ev.signal ? `signal ${ev.signal}` : `exit code ${ev.code}`;
}

function stderrText(proc: LineProcess): string {
  const tail = proc.stderrTail();
  return tail ? `; stderr: ${tail.slice(-1000)}` : '';
}
