/**
 * The driver as a fork server: a run whose child crashes, exits or hangs is
 * reported as such, with the observations made before, and the server keeps
 * serving. Driven with its own request lines and hand-made objects whose
 * constructors misbehave (no graph DSO can).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LineProcess } from '../adapters/line-process.ts';
import { driverEnv } from '../adapters/native.ts';
import { buildProgram } from './build-programs.ts';
import { cc } from './toolchain.ts';

const CTORS: Record<string, string> = {
  'libok.so': '',
  'libsegv.so': '*(volatile int *)0 = 1;',
  'libhang.so': 'for (;;) {}',
  'libexit.so': 'fputs("dying on purpose\\n", stderr); _exit(7);',
  'libnoise.so': 'puts("{\\"type\\":\\"done\\"}"); fflush(stdout);',
  // Exits with bits of where malloc puts a block and of the stack, and whether address randomisation is off.
  'libheap.so': 'void *p = malloc(100); int s; _exit((int)((((uintptr_t)p >> 4) ^ ((uintptr_t)&s >> 8)) & 0x3f) | ((personality(0xffffffff) & ADDR_NO_RANDOMIZE) ? 0x40 : 0));',
};

let dir: string;
let driver: LineProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlmspec-driver-test-'));
  await Promise.all(
    Object.entries(CTORS).map(async ([name, body]) => {
      const src = join(dir, `${name}.c`);
      await writeFile(src, `#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <sys/personality.h>\n#include <unistd.h>\n__attribute__((constructor)) static void c(void) { ${body} }\nint f(void) { return 0; }\n`);
      await cc(['-shared', '-fPIC', '-o', join(dir, name), src]);
    }),
  );
  driver = new LineProcess({ file: await buildProgram('driver'), args: [], env: driverEnv({}) });
});

afterAll(async () => {
  await driver?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Sends a run of dlopen(NOW) calls; returns the reply lines up to done/error. */
async function runDlopens(id: string, timeoutMs: number, files: string[]): Promise<Record<string, unknown>[]> {
  const lines = [`R ${timeoutMs} ${files.length}`, `I ${JSON.stringify(id)}`, `P ${dir}/`, ...files.map((f) => `o -1 2 ${join(dir, f)}`), 'G', ''];
  driver.send(lines.join('\n'));
  const replies: Record<string, unknown>[] = [];
  for (;;) {
    const ev = await driver.next(10_000);
    if (ev.kind !== 'line') throw new Error(`driver: ${JSON.stringify(ev)}; ${driver.stderrTail()}`);
    const msg = JSON.parse(ev.line) as Record<string, unknown>;
    replies.push(msg);
    if (msg.type === 'done' || msg.type === 'error') return replies;
  }
}

test('a child killed by a signal: the calls before, then crash with the signal', async () => {
  const replies = await runDlopens('segv', 5000, ['libok.so', 'libsegv.so', 'libok.so']);
  expect(replies.map((r) => r.type)).toEqual(['observation', 'done']);
  expect(replies[0]).toMatchObject({ id: 'segv', index: 0, result: { kind: 'handle', handle: 0, ns: 0, object: 'libok.so' } });
  expect(replies[1]).toMatchObject({ id: 'segv', status: 'crash', signal: 'SIGSEGV', exitCode: null });
  expect(replies[1]!.detail).toMatch(/killed by SIGSEGV after 1 of 3 calls/);
});

test('a child that exits: crash with its exit status and its stderr', async () => {
  const [done] = await runDlopens('exit', 5000, ['libexit.so']);
  expect(done).toMatchObject({ type: 'done', status: 'crash', signal: null, exitCode: 7 });
  expect(done!.detail).toMatch(/exited with status 7 after 0 of 1 calls; stderr: dying on purpose/);
});

test('a child that hangs is killed after the timeout, and the server serves the next run', async () => {
  const started = Date.now();
  const replies = await runDlopens('hang', 300, ['libok.so', 'libhang.so']);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(replies.map((r) => r.type)).toEqual(['observation', 'done']);
  expect(replies[1]).toMatchObject({ status: 'timeout', detail: 'killed after 300 ms, 1 of 2 calls observed' });
  const next = await runDlopens('after', 5000, ['libok.so']);
  expect(next.map((r) => [r.type, r.status])).toEqual([
    ['observation', undefined],
    ['done', 'ok'],
  ]);
});

test("what a loaded object prints on stdout stays out of the driver's output", async () => {
  const replies = await runDlopens('noise', 5000, ['libnoise.so', 'libok.so']);
  expect(replies.map((r) => [r.type, r.index ?? r.status])).toEqual([
    ['observation', 0],
    ['observation', 1],
    ['done', 'ok'],
  ]);
});

test('bad request lines get an error line, and the server goes on', async () => {
  driver.send('X nonsense\n');
  const bad = await driver.next(5000);
  expect(bad.kind === 'line' && JSON.parse(bad.line)).toMatchObject({ type: 'error', message: expect.stringMatching(/unexpected request/) });
  driver.send(`R 1000 2\nI "short"\no -1 2 ${join(dir, 'libok.so')}\nG\n`);
  const short = await driver.next(5000);
  expect(short.kind === 'line' && JSON.parse(short.line)).toMatchObject({ type: 'error', message: expect.stringMatching(/fewer calls/) });
  const next = await runDlopens('fine', 5000, ['libok.so']);
  expect(next.at(-1)).toMatchObject({ type: 'done', status: 'ok' });
});

test('every run starts from the same memory, whatever ran before on the server, with address randomisation off', async () => {
  const status = async (id: string) => {
    const [done] = await runDlopens(id, 5000, ['libheap.so']);
    expect(done).toMatchObject({ type: 'done', status: 'crash', signal: null });
    return done!.exitCode as number;
  };
  const first = await status('heap-1');
  expect(first & 0x40, 'ADDR_NO_RANDOMIZE').toBe(0x40);
  // Runs that make the server read and keep more: long request lines, many calls.
  for (let i = 0; i < 5; i++) await runDlopens(`grow-${i}`, 5000, Array.from({ length: 40 }, () => 'libok.so'));
  expect(await status('heap-2')).toBe(first);
  // A fresh server (the zygote of another process) starts the same.
  const other = new LineProcess({ file: await buildProgram('driver'), args: [], env: driverEnv({}) });
  try {
    other.send(['R 5000 1', 'I "fresh"', `P ${dir}/`, `o -1 2 ${join(dir, 'libheap.so')}`, 'G', ''].join('\n'));
    const ev = await other.next(10_000);
    expect(ev.kind === 'line' && (JSON.parse(ev.line) as { exitCode: number }).exitCode).toBe(first);
  } finally {
    await other.stop();
  }
});
