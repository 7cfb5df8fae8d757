/**
 * The expected output of a DSO-sorting test (what its program prints, the
 * script's "Strings Output by Generated Testcase Programs"): constructors
 * `a>` before `{`, the program's operations between `{` and `}`, each
 * followed by `;` (`+a[...]` or `:a[...]` for a dlopen with the events it
 * caused, `-a[...]` for a dlclose, `%` or `@` then the nested call output
 * `a(b()c())`), and destructors `<a` after `}`.
 */

export type OutputEvent = { readonly event: 'ctor' | 'dtor'; readonly obj: string };

/** A traced call: the function of `obj` and the calls it made, in order. */
export interface CallTree {
  readonly obj: string;
  readonly calls: readonly CallTree[];
}

export type OutputOp =
  | { readonly op: '+' | ':' | '-'; readonly obj: string; readonly events: readonly OutputEvent[] }
  | { readonly op: '%' | '@'; readonly call: CallTree };

export interface ParsedOutput {
  readonly startup: readonly OutputEvent[];
  readonly ops: readonly OutputOp[];
  readonly exit: readonly OutputEvent[];
}

export class OutputError extends Error {
  override readonly name = 'OutputError';
}

export function parseOutput(text: string): ParsedOutput {
  let at = 0;
  const fail = (what: string): never => {
    throw new OutputError(`expected output, at ${at}: expected ${what}, found ${JSON.stringify(text.slice(at, at + 20) || 'the end')}`);
  };
  const name = (): string => {
    const m = /^[0-9a-zA-Z]+/.exec(text.slice(at));
    if (!m) fail('an object name');
    at += m![0].length;
    return m![0];
  };
  const take = (ch: string): boolean => {
    if (text[at] !== ch) return false;
    at++;
    return true;
  };
  const expect = (ch: string) => {
    if (!take(ch)) fail(`'${ch}'`);
  };
  /** `a>` and `<a` until `stop`. */
  const events = (stop: string): OutputEvent[] => {
    const out: OutputEvent[] = [];
    while (at < text.length && text[at] !== stop) {
      if (take('<')) out.push({ event: 'dtor', obj: name() });
      else {
        const obj = name();
        expect('>');
        out.push({ event: 'ctor', obj });
      }
    }
    return out;
  };
  const call = (): CallTree => {
    const obj = name();
    expect('(');
    const calls: CallTree[] = [];
    while (!take(')')) calls.push(call());
    return { obj, calls };
  };
  const startup = events('{');
  expect('{');
  const ops: OutputOp[] = [];
  while (!take('}')) {
    const op = text[at];
    if (op === '+' || op === ':' || op === '-') {
      at++;
      const obj = name();
      expect('[');
      const evs = events(']');
      expect(']');
      ops.push({ op, obj, events: evs });
    } else if (op === '%' || op === '@') {
      at++;
      ops.push({ op, call: call() });
    } else fail("an operation (+, :, -, % or @) or '}'");
    expect(';');
  }
  const exit = events('\0');
  if (exit.some((e) => e.event === 'ctor')) fail('only destructors after the program');
  return { startup, ops, exit };
}
