/** Running the real `dlmspec` bin in tests. */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
export const BIN = join(REPO, 'bin', 'dlmspec.mjs');
export const FAKE_IMPL = join(REPO, 'cli', 'fixtures', 'fake-impl.sh');

export interface BinResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runBin(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function tempDir(prefix = 'dlmspec-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** `main` in this process, its output captured: for the many small cases where a process each would be slow. */
export async function runMain(args: readonly string[]): Promise<BinResult> {
  const { Writable } = await import('node:stream');
  const { main } = await import('./main.ts');
  const sink = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const out = sink();
  const err = sink();
  const code = await main(args, { out: out.stream, err: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}
