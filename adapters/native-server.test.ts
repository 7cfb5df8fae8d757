/**
 * PROTOCOL.md demonstrated: the native implementation run as a standalone
 * program (adapters/native-server.ts) and reached through `cmd:` reports
 * exactly what `--impl native` reports in-process.
 */
import { afterAll, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import { LM_ID_NEWLM, RTLD_LAZY, RTLD_NOW } from '../model/mode.ts';
import { NativeImplementation } from './native.ts';
import { ProcessImplementation } from './process.ts';

const server = fileURLToPath(new URL('./native-server.ts', import.meta.url));
const viaProtocol = new ProcessImplementation([process.execPath, '--import', 'tsx', server], { helloTimeoutMs: 60_000 });
const inProcess = new NativeImplementation();
afterAll(() => Promise.all([viaProtocol.close(), inProcess.close()]));

const dso = (name: string, extra: Partial<Dso> = {}): Dso => ({ name, needed: [], unique: false, nodelete: false, libc: false, symbols: ['f'], ...extra });
const graph = { dsos: [dso('liba.so', { needed: ['libb.so'], libc: true }), dso('libb.so', { undefinedSymbol: 'gone' })] };
const calls: Call[] = [
  { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW },
  { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_LAZY },
  { op: 'dlsym', handle: 1, symbol: 'f' },
  { op: 'dlopen', file: 'libb.so', mode: RTLD_LAZY, caller: 1 },
  { op: 'dlinfo', handle: 3 },
  { op: 'dlclose', handle: 1 },
];

test('hello and a run through the protocol equal the in-process adapter', async () => {
  expect(await viaProtocol.hello()).toEqual(await inProcess.hello());
  const [remote, local] = await Promise.all([viaProtocol.run(graph, calls), inProcess.run(graph, calls)]);
  expect(local.status).toBe('ok');
  expect(remote).toEqual(local);
  expect(local.observations[0]!.result).toEqual({ kind: 'null', error: 'libb.so: undefined symbol: gone' });
});

test('a refused run comes back as an error line, then the server goes on', async () => {
  const out = await viaProtocol.run(graph, [{ op: 'dlclose', handle: 0 }]);
  expect(out).toMatchObject({ status: 'protocol-error', detail: expect.stringMatching(/call 0 uses h0, which no earlier call returned/) });
  expect((await viaProtocol.run(graph, calls.slice(0, 2))).status).toBe('ok');
});
