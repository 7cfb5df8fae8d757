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
  /** The exit status (EXIT_HELP): bad input is thrown as InputError, an unusable environment as EnvironmentError. */
  run(args: readonly string[], io: Io): Promise<number>;
}

export const EXIT = { ok: 0, diverges: 1, usage: 2, internal: 3 } as const;

/** The one exit status table, in every command's --help. */
export const EXIT_HELP =
  'Exit status: 0 conforms (or done), 1 diverges, 2 bad input, 3 environment or internal error\n' +
  '(the implementation or this machine cannot be used), 130/143 interrupted (SIGINT/SIGTERM).';

export function println(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
