/**
 * `cmd:` implementations that misbehave: every kind of misbehaviour becomes a
 * RunOutcome (never an exception), with the observations made before it, and
 * the program is restarted for the next run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import { ProcessImplementation, splitCommand } from './process.ts';

/** A fake implementation: answers correctly except on run "r1", where it does what argv[2] says. */
const FAKE = `
import { createInterface } from 'node:readline';
const mode = process.argv[2];
const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
const obs = (id, index) => ({ type: 'observation', id, index, result: { kind: 'ok' }, events: [], namespaces: [] });
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line);
  if (msg.type === 'hello') {
    if (mode === 'no-hello') process.exit(3);
    out({ type: 'hello', protocol: 1, implementation: 'fake', system: [{ name: '<main>', needed: [], unique: false, rtld: false }],
          initial: [{ ns: 0, entries: [{ object: '<main>', proxy: false }] }] });
    continue;
  }
  if (msg.type === 'bye') process.exit(0);
  const { id, calls } = msg;
  if (id !== 'r1' || mode === 'ok') {
    calls.forEach((_, i) => out(obs(id, i)));
    out({ type: 'done', id, status: 'ok' });
    continue;
  }
  switch (mode) {
    case 'segv': out(obs(id, 0)); process.kill(process.pid, 'SIGSEGV'); break;
    case 'exit': out(obs(id, 0)); process.stderr.write('bailing out\\n'); process.exit(5);
    case 'hang': out(obs(id, 0)); break;
    case 'garbage': process.stdout.write('this is not json\\n'); break;
    case 'bad-index': out(obs(id, 1)); break;
    case 'bad-result': out({ ...obs(id, 0), result: { kind: 'weird' } }); break;
    case 'other-id': out(obs('r7', 0)); break;
    case 'refuse': out({ type: 'error', id, message: 'cannot do that' }); break;
    case 'early-done': out({ type: 'done', id, status: 'ok' }); break;
    case 'endless-line': { const chunk = 'x'.repeat(1 << 16); const more = () => process.stdout.write(chunk, more); more(); break; }
    case 'flood': { const line = JSON.stringify(obs('r9', 0)) + '\\n'; const more = () => process.stdout.write(line.repeat(1000), more); more(); break; }
    case 'orphans': {
      const { spawn } = await import('node:child_process');
      const pids = [1, 2, 3].map(() => spawn('sleep', ['59.125'], { stdio: 'ignore' }).pid);
      process.stderr.write('children ' + pids.join(' ') + '\\n');
      break;
    }
    case 'self-crash': out(obs(id, 0)); out({ type: 'done', id, status: 'crash', signal: 'SIGBUS', exitCode: null, detail: 'child died' }); break;
  }
}
`;

const graph: DsoGraph = { dsos: [] };
const calls: Call[] = [
  { op: 'dlopen', file: 'liba.so', mode: 2 },
  { op: 'dlinfo', handle: 0 },
];

let dir: string;
let fake: string;
const opened: ProcessImplementation[] = [];

function impl(mode: string, timeoutMs = 5000): ProcessImplementation {
  const p = new ProcessImplementation([process.execPath, fake, mode], { timeoutMs, helloTimeoutMs: 5000 });
  opened.push(p);
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlmspec-process-test-'));
  fake = join(dir, 'fake.mjs');
  await writeFile(fake, FAKE);
});

afterAll(async () => {
  await Promise.all(opened.map((p) => p.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('a well-behaved program', () => {
  test('hello and runs', async () => {
    const p = impl('ok');
    expect((await p.hello()).implementation).toBe('fake');
    const out = await p.run(graph, calls);
    expect(out).toEqual({ status: 'ok', observations: [0, 1].map(() => ({ result: { kind: 'ok' }, events: [], namespaces: [] })) });
  });

  test('its own crash report is passed on', async () => {
    const out = await impl('self-crash').run(graph, calls);
    expect(out).toMatchObject({ status: 'crash', signal: 'SIGBUS', exitCode: null, detail: 'child died' });
    expect(out.observations).toHaveLength(1);
  });
});

describe('misbehaviour becomes an outcome, and the next run gets a fresh program', () => {
  const cases: Array<[string, Record<string, unknown>, number]> = [
    ['segv', { status: 'crash', signal: 'SIGSEGV', exitCode: null }, 1],
    ['exit', { status: 'crash', signal: null, exitCode: 5, detail: expect.stringMatching(/exited \(exit code 5\) after 1 of 2 calls; stderr: bailing out/) }, 1],
    ['hang', { status: 'timeout', detail: expect.stringMatching(/no reply within 300 ms after 1 of 2 calls/) }, 1],
    ['garbage', { status: 'protocol-error', detail: expect.stringMatching(/not JSON: this is not json/) }, 0],
    ['bad-index', { status: 'protocol-error', detail: expect.stringMatching(/observation index 1 where 0 was due/) }, 0],
    ['bad-result', { status: 'protocol-error', detail: expect.stringMatching(/result\.kind: unknown result kind "weird"/) }, 0],
    ['other-id', { status: 'protocol-error', detail: expect.stringMatching(/reply for run "r7"/) }, 0],
    ['refuse', { status: 'protocol-error', detail: expect.stringMatching(/refused the run: cannot do that/) }, 0],
    ['early-done', { status: 'protocol-error', detail: expect.stringMatching(/done ok after 0 of 2 observations/) }, 0],
  ];
  test.concurrent.for(cases)('%s', async ([mode, expected, observed], { expect }) => {
    const p = impl(mode, 300);
    const out = await p.run(graph, calls);
    expect(out).toMatchObject(expected);
    expect(out.observations).toHaveLength(observed);
    expect((await p.run(graph, calls)).status).toBe('ok');
  });

  test('an endless line: a protocol error naming the cap, memory bounded, the program killed', async () => {
    const p = impl('endless-line', 20_000);
    const out = await p.run(graph, calls);
    expect(out).toMatchObject({ status: 'protocol-error', detail: expect.stringMatching(/wrote a line longer than 1048576 bytes/) });
    expect((await p.run(graph, calls)).status).toBe('ok');
  });

  test('endless output in short lines: a protocol error (a reply for another run stops it first, or the output cap)', async () => {
    const out = await impl('flood', 20_000).run(graph, calls);
    expect(out.status).toBe('protocol-error');
  });

  test('a timeout kills the whole process group: no child the program started is left running', async () => {
    const p = impl('orphans', 500);
    const out = await p.run(graph, calls);
    expect(out.status).toBe('timeout');
    await new Promise((r) => setTimeout(r, 200));
    const { execFileSync } = await import('node:child_process');
    const left = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => /sleep 59\.125$/.test(l.trim()));
    expect(left).toEqual([]);
  });

  test('a program that never says hello: hello() rejects, run() reports a crash', async () => {
    const p = impl('no-hello');
    await expect(p.hello()).rejects.toThrow(/exited \(exit code 3\)/);
    const out = await p.run(graph, calls);
    expect(out).toMatchObject({ status: 'crash', observations: [] });
  });

  test('a program that does not exist', async () => {
    const p = new ProcessImplementation([join(dir, 'no-such-program')], { helloTimeoutMs: 2000 });
    opened.push(p);
    await expect(p.hello()).rejects.toThrow(/ENOENT/);
    expect((await p.run(graph, calls)).status).toBe('crash');
  });
});

test('splitCommand: words, quotes, escapes', () => {
  expect(splitCommand('node --import tsx adapters/native-server.ts')).toEqual(['node', '--import', 'tsx', 'adapters/native-server.ts']);
  expect(splitCommand(`a "b c" 'd "e"' f\\ g ""`)).toEqual(['a', 'b c', 'd "e"', 'f g', '']);
  expect(() => splitCommand('a "b')).toThrow(/unterminated/);
});
