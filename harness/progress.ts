/**
 * Progress of a long run on stderr: one line rewritten in place (`\r`) on a
 * terminal, plain lines at an interval otherwise (logs, CI).
 */

export interface ProgressSink {
  /** Replaces the current status text. */
  update(text: string): void;
  /** Prints a line of its own (above the status line on a terminal). */
  log(line: string): void;
  /** Removes the status line; prints `final` if given. */
  done(final?: string): void;
}

export interface ProgressOptions {
  /** Defaults to whether the stream is a TTY. */
  readonly tty?: boolean;
  /** Interval of plain lines when not a TTY (default 10 s, `$DLMSPEC_PROGRESS_INTERVAL_MS`). */
  readonly intervalMs?: number;
  /** No status output and no log lines at all (`--quiet`). */
  readonly quiet?: boolean;
}

const TTY_REFRESH_MS = 100;

export function progressSink(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, opts: ProgressOptions = {}): ProgressSink {
  const tty = opts.tty ?? stream.isTTY === true;
  const envInterval = Number(process.env.DLMSPEC_PROGRESS_INTERVAL_MS);
  const interval = opts.intervalMs ?? (Number.isFinite(envInterval) && envInterval >= 0 ? envInterval : 10_000);
  let shown = false;
  let last = 0;
  /** The latest status text, shown or not yet. */
  let current: string | null = null;
  const clear = () => {
    if (tty && shown) stream.write('\r\x1b[K');
    shown = false;
  };
  const fit = (text: string) => {
    // A pseudo-terminal may report 0 columns.
    const width = stream.columns !== undefined && stream.columns >= 20 ? stream.columns : 120;
    return text.length >= width ? text.slice(0, Math.max(10, width - 2)) : text;
  };
  return {
    update(text) {
      if (opts.quiet) return;
      const now = Date.now();
      current = text;
      if (tty) {
        if (now - last < TTY_REFRESH_MS && shown) return;
        stream.write(`\r${fit(text)}\x1b[K`);
        shown = true;
      } else {
        if (last !== 0 && now - last < interval) return;
        if (last === 0 && interval > 0) {
          // The first plain line only after one interval: short runs stay quiet.
          last = now;
          return;
        }
        stream.write(`${text}\n`);
      }
      last = now;
    },
    log(line) {
      if (opts.quiet) return;
      clear();
      stream.write(`${line}\n`);
      if (tty && current !== null) {
        stream.write(`\r${fit(current)}\x1b[K`);
        shown = true;
      }
    },
    done(final) {
      clear();
      current = null;
      if (final !== undefined) stream.write(`${final}\n`);
    },
  };
}

/**
 * `native / rtld-shared: 120/300 runs, 0 failing, 45.2 runs/s, 3 s`, and once
 * a failure is found `native / rtld-shared: shrinking: 130 runs, 7 failing, ...`
 * (failing: runs that failed, the first one and the shrinking candidates that still fail).
 */
export function progressText(label: string, p: { runs: number; failures: number; shrinking: boolean; elapsedMs: number }, total: number): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? (p.runs / secs).toFixed(1) : '-';
  const phase = p.shrinking ? `shrinking: ${p.runs} runs` : `${Math.min(p.runs, total)}/${total} runs`;
  return `${label}: ${phase}, ${p.failures} failing, ${rate} runs/s, ${secs.toFixed(0)} s`;
}
