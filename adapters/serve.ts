/**
 * The implementation side of PROTOCOL.md for any Implementation: reads
 * requests from `input`, answers on `output`. `native-server.ts` uses it to
 * make the native driver a standalone protocol-speaking program.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { DsoGraph } from '../model/graph.ts';
import type { Implementation } from './implementation.ts';
import { call, parseMessage, PROTOCOL_VERSION, WireError } from './wire.ts';

export async function serve(impl: Implementation, input: Readable, output: Writable): Promise<void> {
  const send = (msg: object) => output.write(JSON.stringify(msg) + '\n');
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let msg: ReturnType<typeof parseMessage>;
      try {
        msg = parseMessage(line, 'request');
      } catch (e) {
        send({ type: 'error', message: (e as Error).message });
        continue;
      }
      if (msg.type === 'bye') break;
      if (msg.type === 'hello') {
        if (msg.protocol !== PROTOCOL_VERSION) {
          send({ type: 'error', message: `unsupported protocol ${JSON.stringify(msg.protocol)}; this is ${PROTOCOL_VERSION}` });
          continue;
        }
        try {
          const info = await impl.hello();
          send({ type: 'hello', protocol: PROTOCOL_VERSION, ...info });
        } catch (e) {
          send({ type: 'error', message: `hello failed: ${(e as Error).message}` });
        }
        continue;
      }
      if (msg.type !== 'run') {
        send({ type: 'error', message: `unknown request type ${JSON.stringify(msg.type)}` });
        continue;
      }
      const id = msg.id;
      if (typeof id !== 'string') {
        send({ type: 'error', message: 'run: "id" must be a string' });
        continue;
      }
      try {
        if (!Array.isArray(msg.calls)) throw new WireError('run.calls: expected an array');
        const calls = msg.calls.map((c, i) => call(c, `run.calls[${i}]`));
        const outcome = await impl.run(msg.graph as DsoGraph, calls);
        outcome.observations.forEach((o, index) => send({ type: 'observation', id, index, ...o }));
        switch (outcome.status) {
          case 'ok':
            send({ type: 'done', id, status: 'ok' });
            break;
          case 'crash':
            send({ type: 'done', id, status: 'crash', signal: outcome.signal, exitCode: outcome.exitCode, detail: outcome.detail });
            break;
          case 'timeout':
            send({ type: 'done', id, status: 'timeout', detail: outcome.detail });
            break;
          case 'protocol-error':
            send({ type: 'error', id, message: outcome.detail });
            break;
        }
      } catch (e) {
        // A request this implementation cannot run (invalid graph, a DSO that does not build).
        send({ type: 'error', id, message: (e as Error).message });
      }
    }
  } finally {
    await impl.close();
  }
}
