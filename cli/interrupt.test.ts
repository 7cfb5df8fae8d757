/**
 * SIGINT / SIGTERM during `dlmspec validate` and `check`, through the real bin: the run
 * stops within seconds (also while shrinking, also on the native driver),
 * writes its results marked interrupted, keeps the counterexample written so
 * far, leaves no temporary file and no driver process, and exits 130 / 143.
 * And a DSO build killed outright leaves nothing in the cache that a later
 * run would take for a built file.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkCounterexample, type CounterexampleFile } from '../harness/counterexample-file.ts';
import type { ResultsFile } from '../harness/results.ts';
import { BIN, FAKE_IMPL, REPO, tempDir } from './test-helpers.ts';

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

interface Stopped {
  readonly code: number | null;
  /** From the signal to the end of the process. */
  readonly stopMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the bin, waits until `ready(stderr, dir)` holds, sends `signal`, and waits for the end. */
async function interrupt(args: readonly string[], signal: NodeJS.Signals, ready: (stderr: string) => boolean, env: NodeJS.ProcessEnv = {}): Promise<Stopped> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, DLMSPEC_PROGRESS_INTERVAL_MS: '200', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!ready(stderr) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  expect(child.exitCode, `ended before the signal: ${stderr}`).toBeNull();
  const sent = Date.now();
  child.kill(signal);
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await ended;
  clearTimeout(guard);
  return { code, stopMs: Date.now() - sent, stdout, stderr };
}

/** Progress lines on stderr mean the loop runs. */
const running = (stderr: string) => /\d+ runs?\b/.test(stderr);

function onlyResults(dir: string): ResultsFile {
  const names = readdirSync(dir);
  expect(names.filter((n) => n.includes('.tmp'))).toEqual([]);
  const results = names.filter((n) => n.endsWith('.results.json'));
  expect(results).toHaveLength(1);
  return read<ResultsFile>(join(dir, results[0]!));
}

/** Processes whose command line names `needle` (the test's cache directory: the driver and its forks). */
function processesNaming(needle: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const exe = (() => {
        try {
          return readlinkSync(`/proc/${pid}/exe`);
        } catch {
          return '';
        }
      })();
      if (cmdline.includes(needle) || exe.includes(needle)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const SPEC_RUN = ['validate', '--impl', 'spec:rtld-shared', '--profile', 'rtld-shared', '--runs', '10000000', '--seed', '3'];

describe('an interrupted validate', () => {
  for (const [signal, exit] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} on the spec (answers without I/O): exit ${exit} at once, results marked interrupted, nothing temporary left`, async () => {
      const dir = await tempDir();
      const r = await interrupt([...SPEC_RUN, '--out', dir], signal, running);
      expect(r.code, r.stderr).toBe(exit);
      expect(r.stopMs).toBeLessThan(3_000);
      expect(r.stderr).toContain(`${signal}: stopping`);
      expect(r.stdout).toMatch(/^INTERRUPTED spec:rtld-shared under rtld-shared: \d+ sequences conform \(of 10000000, seed 3/m);
      const results = onlyResults(dir);
      expect(results.interrupted).toBe(true);
      expect(results.completed).toBeGreaterThan(0);
      expect(results.completed).toBeLessThan(10_000_000);
      expect(results.findings).toEqual([]);
    });
  }

  test('SIGINT while shrinking: shrinking stops, the counterexample saved so far stays valid (not shrunk), results list it', async () => {
    const dir = await tempDir();
    // Every run of this program takes 300 ms and fails at once: shrinking would take minutes.
    const args = ['validate', '--impl', `cmd:${FAKE_IMPL} slow-wrong`, '--profile', 'glibc', '--runs', '20', '--seed', '3', '--out', dir];
    const r = await interrupt(args, 'SIGINT', (stderr) => /shrinking\.\.\./.test(stderr) && existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.counterexample.json')));
    expect(r.code, r.stderr).toBe(130);
    expect(r.stopMs).toBeLessThan(5_000);
    expect(r.stderr).toMatch(/interrupted while shrinking/);
    const results = onlyResults(dir);
    expect(results.interrupted).toBe(true);
    expect(results.completed).toBeGreaterThan(0);
    expect(results.findings).toHaveLength(1);
    const ce = readdirSync(dir).filter((n) => n.endsWith('.counterexample.json'));
    expect(ce).toHaveLength(1);
    const c = read<CounterexampleFile>(join(dir, ce[0]!));
    expect(checkCounterexample(c)).toBeNull();
    expect(c.shrunk).toBe(false);
    expect(r.stdout).toMatch(/^FAIL .*INTERRUPTED after \d+ of 20 sequences/m);
  });
});

describe('a run killed outright', () => {
  test('the half-written file of a killed run in --out is removed by the next run; a live one is kept', async () => {
    const dir = await tempDir();
    const stale = '.spec-rtld-shared--rtld-shared--seed3.results.json.tmp-999999999-0123abcd';
    const live = `.other.results.json.tmp-${process.pid}-0123abcd`;
    await writeFile(join(dir, stale), '{"half');
    await writeFile(join(dir, live), '{"being written');
    const r = await interrupt([...SPEC_RUN, '--out', dir], 'SIGINT', running);
    expect(r.code, r.stderr).toBe(130);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([live]);
  });
});

describe('an interrupted check', () => {
  test("SIGINT while checking the spec's invariants: exit 130 at once, the implementation not run, nothing written", async () => {
    const dir = join(await tempDir(), 'out');
    const args = ['check', '--impl', 'spec:rtld-shared', '--spec-runs', '10000000', '--runs', '10', '--seed', '3', '--out', dir];
    const r = await interrupt(args, 'SIGINT', (stderr) => /spec invariants \/ glibc: \d+\/10000000 runs/.test(stderr));
    expect(r.code, r.stderr).toBe(130);
    expect(r.stopMs).toBeLessThan(3_000);
    expect(r.stdout).toMatch(/^INTERRUPTED spec invariants under glibc: \d+ sequences of 10000000/m);
    expect(r.stdout).toMatch(/^verdict: INTERRUPTED \(SIGINT\) while checking the spec's invariants; spec:rtld-shared was not run$/m);
    expect(existsSync(dir)).toBe(false);
  });

  test('SIGTERM while running the implementation: exit 143 at once, results marked interrupted, the verdict says so', async () => {
    const dir = await tempDir();
    const args = ['check', '--impl', 'spec:rtld-shared', '--spec-runs', '1', '--runs', '10000000', '--seed', '3', '--out', dir];
    const r = await interrupt(args, 'SIGTERM', (stderr) => /spec:rtld-shared \/ rtld-shared: \d+\/10000000 runs/.test(stderr));
    expect(r.code, r.stderr).toBe(143);
    expect(r.stopMs).toBeLessThan(3_000);
    expect(r.stdout).toMatch(/^verdict: INTERRUPTED \(SIGTERM\): .* in the sequences that ran$/m);
    const results = onlyResults(dir);
    expect(results.interrupted).toBe(true);
    expect(results.completed).toBeGreaterThan(0);
  });
});

describe('native: interrupts and killed builds', () => {
  test('SIGINT with --impl native: exit 130, results written, no driver process left; a build killed with SIGKILL leaves no partial file, and the next run cleans its temporary names and conforms', async () => {
    const cache = await tempDir('dlmspec-cache-test-');
    const env = { DLMSPEC_CACHE_DIR: cache };

    // 1. Killed outright in the middle of building (a temporary name in the cache shows a build under way).
    const building = (dir: string): boolean => {
      if (!existsSync(dir)) return false;
      for (const n of readdirSync(dir, { recursive: true }) as string[]) if (n.includes('.tmp-')) return true;
      return false;
    };
    const killedOut = await tempDir();
    const killed = await interrupt(['validate', '--impl', 'native', '--runs', '50', '--seed', '5', '--out', killedOut], 'SIGKILL', () => building(cache), env);
    expect(killed.code).toBeNull();
    // Plant one more stale temporary name of a dead process, as a killed build of another run leaves it.
    await mkdir(join(cache, 'dsos'), { recursive: true });
    await writeFile(join(cache, 'dsos', '0123456789abcdef.so.tmp-999999999-abcdef012345'), 'half a DSO');
    expect(building(cache)).toBe(true);

    // 2. The next run: temporary names gone at start, every DSO it uses built whole (the run conforms), then SIGINT.
    const out = await tempDir();
    const r = await interrupt(['validate', '--impl', 'native', '--runs', '10000000', '--seed', '5', '--out', out], 'SIGINT', running, env);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stopMs).toBeLessThan(5_000);
    const results = onlyResults(out);
    expect(results.interrupted).toBe(true);
    expect(results.completed).toBeGreaterThan(0);
    expect(results.findings).toEqual([]);
    expect(building(cache)).toBe(false);
    // The driver ran from the cache and in its own process group: nothing of it is left.
    await new Promise((r) => setTimeout(r, 300));
    expect(processesNaming(cache)).toEqual([]);
  }, 240_000);
});
