/**
 * `--impl cmd:PROGRAM ARGS`: any program that speaks PROTOCOL.md on its
 * stdin/stdout. It is started at the first request and restarted after it
 * crashes, hangs or breaks the protocol; none of that ever throws out of run().
 */
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { Implementation, RunOutcome, SystemInfo } from './implementation.ts';
import { ProtocolClient } from './protocol-client.ts';
import { PROTOCOL_VERSION } from './wire.ts';

export interface ProcessOptions {
  /** A run must be done within this, else the program is killed (timeout). */
  readonly timeoutMs?: number;
  readonly helloTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Splits a command line into words: whitespace separates, single and double
 * quotes group, backslash escapes the next character (outside single quotes).
 */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new TypeError(`unterminated ${quote} in command: ${text}`);
  if (inWord) words.push(word);
  return words;
}

export class ProcessImplementation implements Implementation {
  readonly name: string;
  private readonly client: ProtocolClient;
  private readonly timeoutMs: number;
  private runs = 0;

  constructor(argv: readonly string[], options: ProcessOptions = {}) {
    if (argv.length === 0) throw new TypeError('cmd: needs a program');
    this.name = `cmd:${argv.join(' ')}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const [file, ...args] = argv as [string, ...string[]];
    this.client = new ProtocolClient(
      this.name,
      async () => ({ file, args, env: options.env, cwd: options.cwd }),
      {
        hello: () => JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }) + '\n',
        bye: () => JSON.stringify({ type: 'bye' }) + '\n',
      },
      // --timeout governs the handshake too.
      { helloTimeoutMs: options.helloTimeoutMs ?? this.timeoutMs },
    );
  }

  hello(): Promise<SystemInfo> {
    return this.client.hello();
  }

  run(graph: DsoGraph, calls: readonly Call[]): Promise<RunOutcome> {
    const id = `r${++this.runs}`;
    const request = JSON.stringify({ type: 'run', id, graph, calls }) + '\n';
    return this.client.exchange(id, request, calls.length, this.timeoutMs);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
