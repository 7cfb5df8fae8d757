/**
 * `--impl native`: the real loader of this machine (or another ld.so), driven
 * by native/driver.c. Graphs are materialised as real DSOs with the machine's
 * compiler; each run is a fresh process forked by the driver.
 */
import { join, resolve } from 'node:path';
import { placementProblem, type Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import { ownProgram, validateGraph } from '../model/graph.ts';
import { materialize } from '../native/build-dsos.ts';
import { buildGraphProgram, buildProgram } from '../native/build-programs.ts';
import type { Implementation, RunOutcome, SystemInfo } from './implementation.ts';
import type { Command } from './line-process.ts';
import { ProtocolClient } from './protocol-client.ts';

export interface NativeOptions {
  /** An ld.so to run the driver under: `RTLD --library-path DIRS driver`. */
  readonly rtld?: string;
  /** Directories searched first for system objects (libc.so.6, ...). */
  readonly libraryPath?: string | readonly string[];
  /** Extra environment; a key set to undefined removes it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A run's calls must complete within this, else the run is killed (timeout). */
  readonly timeoutMs?: number;
  /** Run under dlmspec's audit module (native/audit.c) with LD_AUDIT: observations carry audit events. */
  readonly audit?: boolean;
  /** GLIBC_TUNABLES to add to dlmspec's own (a scenario's `tunables`: glibc.rtld.dynamic_sort=1 picks the sorter). */
  readonly tunables?: string;
}

/**
 * Freed memory poisoned, the way glibc's own test suite can run
 * (`MALLOC_PERTURB_`, the tunable `glibc.malloc.perturb`): free fills a
 * block with this byte (0xa5) and malloc hands out blocks filled with its
 * complement. A loader that follows a pointer in a link map it has freed
 * then reads 0xa5a5... and crashes on every run, instead of only when the freed memory
 * happens to have been reused (a crash seen in 2 of 3 runs and 0 of 15
 * replays without it). The driver, `replay` and the C reproducer all run so.
 */
export const MALLOC_PERTURB = 'glibc.malloc.perturb=165';
/**
 * Without nns=16, stock glibc 2.36 has static TLS for 11 secondary libc
 * copies: the 12th fails with `cannot allocate memory in static TLS block`.
 * 16 makes room for all 15 secondary namespaces.
 */
export const DEFAULT_TUNABLES = `glibc.rtld.nns=16:${MALLOC_PERTURB}`;
/** An audit module's namespace counts against the 16 (`Failed loading 1 audit modules, 0 are supported` with 16). */
export const AUDIT_TUNABLES = `glibc.rtld.nns=15:${MALLOC_PERTURB}`;

/** The driver's environment: ours without LD_* variables (they change what the loader does), plus the options. */
export function driverEnv(options: NativeOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LD_')) env[k] = v;
  env.GLIBC_TUNABLES = DEFAULT_TUNABLES;
  const dirs = typeof options.libraryPath === 'string' ? [options.libraryPath] : (options.libraryPath ?? []);
  if (dirs.length > 0 && options.rtld === undefined) env.LD_LIBRARY_PATH = dirs.map((d) => resolve(d)).join(':');
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The request lines of native/driver.c (see its header). */
export function encodeRun(id: string, dir: string, graph: DsoGraph, system: ReadonlySet<string>, calls: readonly Call[], timeoutMs: number, program?: string): string {
  const inGraph = new Set(graph.dsos.map((d) => d.name));
  // Test DSOs (and names of no object: a missing file) by absolute path in the
  // graph's directory; the loader's own objects by plain name.
  const path = (file: string) => (system.has(file) && !inGraph.has(file) ? file : join(dir, file));
  const lines = [`R ${timeoutMs} ${calls.length}`, `I ${JSON.stringify(id)}`, `P ${dir}/`];
  if (program !== undefined) lines.push(`X ${program}`);
  const safe = (s: string, what: string) => {
    if (/[\n\r]/.test(s) || s === '') throw new TypeError(`${what} ${JSON.stringify(s)} cannot be sent to the driver`);
    return s;
  };
  const int = (n: number | undefined, what: string) => {
    if (n === undefined) return -1;
    if (!Number.isSafeInteger(n)) throw new TypeError(`${what} ${n} is not an integer`);
    return n;
  };
  calls.forEach((c, i) => {
    const at = `call ${i}:`;
    switch (c.op) {
      case 'dlopen':
        lines.push(`o ${int(c.caller, `${at} caller`)} ${int(c.mode, `${at} mode`)} ${safe(path(c.file), `${at} file`)}`);
        break;
      case 'dlmopen':
        lines.push(`m ${int(c.lmid, `${at} lmid`)} ${int(c.mode, `${at} mode`)} ${safe(path(c.file), `${at} file`)}`);
        break;
      case 'dlclose':
        lines.push(`c ${int(c.handle, `${at} handle`)} ${int(c.caller, `${at} caller`)}`);
        break;
      case 'dlsym':
        lines.push(`s ${int(c.handle, `${at} handle`)} ${safe(c.symbol, `${at} symbol`)}`);
        break;
      case 'dlinfo':
        lines.push(`i ${int(c.handle, `${at} handle`)}`);
        break;
      case 'start':
        lines.push('S');
        break;
      case 'call':
        lines.push(`f ${int(c.handle, `${at} handle`)} ${safe(c.symbol, `${at} symbol`)}`);
        break;
      case 'exit':
        lines.push('x');
        break;
    }
  });
  lines.push('G', '');
  return lines.join('\n');
}

export class NativeImplementation implements Implementation {
  readonly name: string;
  private readonly client: ProtocolClient;
  private readonly timeoutMs: number;
  private systemNames: ReadonlySet<string> | undefined;
  private runs = 0;

  constructor(private readonly options: NativeOptions = {}) {
    this.name = (options.rtld ? `native:${options.rtld}` : 'native') + (options.audit ? '+audit' : '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isSafeInteger(this.timeoutMs) || this.timeoutMs <= 0) throw new TypeError(`timeoutMs ${options.timeoutMs}: expected a positive integer`);
    this.client = new ProtocolClient(this.name, () => this.command(), { hello: () => 'H\n', bye: () => 'Q\n' }, { helloTimeoutMs: this.timeoutMs });
  }

  private async command(): Promise<Command> {
    const driver = await buildProgram('driver');
    const env = driverEnv(this.options);
    if (this.options.audit) {
      env.LD_AUDIT = await buildProgram('audit');
      env.GLIBC_TUNABLES = AUDIT_TUNABLES;
    }
    if (this.options.tunables !== undefined && this.options.tunables !== '') env.GLIBC_TUNABLES = `${env.GLIBC_TUNABLES}:${this.options.tunables}`;
    const { rtld, libraryPath } = this.options;
    if (rtld === undefined) return { file: driver, args: [], env };
    // Absolute, so the loader's names of system objects are too: the driver
    // leaves only absolute directory prefixes out of messages.
    const dirs = (typeof libraryPath === 'string' ? [libraryPath] : (libraryPath ?? [])).map((d) => resolve(d));
    // A graph's program (start-up objects) is run through the same loader, the same way (native/driver.c exec_program).
    env.DLMSPEC_RTLD = resolve(rtld);
    if (dirs.length) env.DLMSPEC_LIBRARY_PATH = dirs.join(':');
    return { file: resolve(rtld), args: [...(dirs.length ? ['--library-path', dirs.join(':')] : []), driver], env };
  }

  /** The driver's process id while it runs (benchmarks read its CPU time). */
  get driverPid(): number | undefined {
    return this.client.pid;
  }

  async hello(): Promise<SystemInfo> {
    const info = await this.client.hello();
    this.systemNames ??= new Set(info.system.map((s) => s.name));
    return info;
  }

  /** Throws only for harness errors (invalid graph or calls, a DSO that does not build). */
  async run(graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome> {
    if (!this.systemNames) await this.hello();
    validateGraph(graph, [...this.systemNames!]);
    const placement = placementProblem(calls);
    if (placement !== null) throw new TypeError(placement);
    const dir = await materialize(graph);
    // The program itself needs test DSOs at start-up: the calls run in a build of the driver linked with them.
    const program = ownProgram(graph) ? await buildGraphProgram(graph, dir) : undefined;
    const id = `r${++this.runs}`;
    const request = encodeRun(id, dir, graph, this.systemNames!, calls, this.timeoutMs, program);
    // The driver enforces the timeout itself and says so; the guard is for a
    // driver that stops answering altogether.
    return this.client.exchange(id, request, calls.length, this.timeoutMs + 5_000);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
