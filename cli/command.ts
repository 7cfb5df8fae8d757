/** What every subcommand provides to cli/main.ts. */
export interface Io {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface Command {
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /** The exit status: 0 conforms / done, 1 diverges, 2 bad input (thrown as InputError). */
  run(args: readonly string[], io: Io): Promise<number>;
}

export const EXIT = { ok: 0, diverges: 1, usage: 2, internal: 3 } as const;

export function println(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
