/**
 * Several servers of one implementation (`--jobs N`) behind the one
 * Implementation the validation loop runs sequentially. The loop tells the
 * pool which sequences it is about to run (`prefetch`, in order); the pool
 * runs them ahead on its servers, a bounded window at a time, and `run`
 * hands back the outcome of the very sequence asked for. A sequence asked
 * for that was not announced (fast-check shrinking) runs at once on the
 * first server, and prefetching pauses until the loop is back on the
 * announced order. So the loop sees the same outcomes in the same order as
 * with one server: each run is a fresh process on the same loader, and
 * nothing of one run reaches the next.
 */
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { Implementation, RunOutcome, SystemInfo } from './implementation.ts';

export interface Sequence {
  readonly graph: DsoGraph;
  readonly calls: readonly Call[];
}

/** The announced sequences `from` to `from + count - 1` (fewer at the end). */
export type SequenceSource = (from: number, count: number) => readonly Sequence[];

/** An Implementation that can be told what it will be asked to run: `total` sequences, in order. */
export interface Prefetching extends Implementation {
  prefetch(source: SequenceSource, total: number): void;
}

export function canPrefetch(impl: Implementation): impl is Prefetching {
  return typeof (impl as Partial<Prefetching>).prefetch === 'function';
}

const keyOf = (graph: DsoGraph, calls: readonly Call[]) => JSON.stringify([graph, calls]);

export class PooledImplementation implements Prefetching {
  readonly name: string;
  private readonly busy: number[];
  private source: SequenceSource = () => [];
  private total = 0;
  /** The announced sequences from `chunkStart` on, fetched from `source` a chunk at a time. */
  private chunk: readonly Sequence[] = [];
  private chunkStart = 0;
  /** Next announced sequence to start, and to be asked for. */
  private started = 0;
  private consumed = 0;
  private readonly ahead = new Map<number, { key: string; outcome: Promise<RunOutcome> }>();
  private paused = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<RunOutcome>>();

  /** `servers[0]` answers hello; each is an independent server of the same implementation. */
  constructor(
    private readonly servers: readonly Implementation[],
    private readonly window = servers.length * 4,
  ) {
    if (servers.length === 0) throw new TypeError('a pool needs at least one server');
    this.name = servers[0]!.name;
    this.busy = servers.map(() => 0);
  }

  get jobs(): number {
    return this.servers.length;
  }

  async hello(): Promise<SystemInfo> {
    const [info] = await Promise.all(this.servers.map((s) => s.hello()));
    return info!;
  }

  prefetch(source: SequenceSource, total: number): void {
    this.ahead.clear();
    this.source = source;
    this.total = total;
    this.chunk = [];
    this.chunkStart = 0;
    this.started = 0;
    this.consumed = 0;
    this.paused = false;
    this.fill();
  }

  /** Announced sequence `i`, or null past the end. */
  private announced(i: number): Sequence | null {
    if (i >= this.total) return null;
    if (i < this.chunkStart || i >= this.chunkStart + this.chunk.length) {
      // A chunk costs its own generation plus a skip over the earlier ones:
      // small at first, so that the servers start at once; larger later.
      const count = Math.min(10_000, Math.max(2 * this.window, i >> 4));
      this.chunk = this.source(i, Math.min(count, this.total - i));
      this.chunkStart = i;
      if (this.chunk.length === 0) this.total = i;
    }
    return this.chunk[i - this.chunkStart] ?? null;
  }

  /** The least busy server (the first of equals). */
  private pick(): number {
    let best = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i]! < this.busy[best]!) best = i;
    return best;
  }

  private on(server: number, graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome> {
    this.busy[server]!++;
    const p = this.servers[server]!.run(graph, calls);
    this.inFlight.add(p);
    const done = () => {
      this.busy[server]!--;
      this.inFlight.delete(p);
      this.fill();
    };
    p.then(done, done);
    return p;
  }

  /** Starts announced sequences while the window has room and a server is free. */
  private fill(): void {
    while (!this.closed && !this.paused && this.started - this.consumed < this.window) {
      const s = this.announced(this.started);
      if (s === null) break;
      const server = this.pick();
      const outcome = this.on(server, s.graph, s.calls);
      outcome.catch(() => undefined); // read when asked for; never unhandled
      this.ahead.set(this.started, { key: keyOf(s.graph, s.calls), outcome });
      this.started++;
    }
  }

  run(graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome> {
    const next = this.ahead.get(this.consumed);
    const announced = next || this.paused ? null : this.announced(this.consumed);
    const key = next || announced ? keyOf(graph, calls) : '';
    if (next && next.key === key) {
      this.ahead.delete(this.consumed++);
      this.fill();
      return next.outcome;
    }
    if (!next && announced && keyOf(announced.graph, announced.calls) === key) {
      this.consumed++;
      this.started = Math.max(this.started, this.consumed);
      return this.on(this.pick(), graph, calls);
    }
    // Not the announced order (shrinking): stop running ahead.
    this.paused = true;
    return this.on(this.pick(), graph, calls);
  }

  /** Lets the runs under way finish first (at most the window): a DSO build they started is published whole, not left half-written. */
  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.ahead.values()) a.outcome.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.servers.map((s) => s.close()));
  }
}
