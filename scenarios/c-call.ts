/**
 * A strict parser for one call written as the C model/call.ts formatCall
 * prints: `void *h2 = dlmopen(LM_ID_NEWLM, "liba.so", RTLD_NOW | RTLD_SHARED);`,
 * `dlclose(h0); /* from code in h1 *\/`. Only that C: names, integers, string
 * literals without escapes, and the punctuation of the five calls. Nothing of
 * the text is ever evaluated or passed on to a compiler or a shell.
 */
import type { Call } from '../model/call.ts';
import { LM_ID_BASE, LM_ID_NEWLM, RTLD_DEEPBIND, RTLD_GLOBAL, RTLD_ISOLATE, RTLD_LAZY, RTLD_NODELETE, RTLD_NOLOAD, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';

export class CallSyntaxError extends Error {
  override readonly name = 'CallSyntaxError';
  constructor(
    message: string,
    /** 1-based column of the problem within the call text. */
    readonly column: number,
  ) {
    super(message);
  }
}

const MODE_NAMES: Readonly<Record<string, number>> = {
  RTLD_LAZY,
  RTLD_NOW,
  RTLD_NOLOAD,
  RTLD_DEEPBIND,
  RTLD_ISOLATE,
  RTLD_SHARED,
  RTLD_GLOBAL,
  RTLD_NODELETE,
};
const LMID_NAMES: Readonly<Record<string, number>> = { LM_ID_BASE, LM_ID_NEWLM };

type Token = { readonly kind: 'name' | 'number' | 'string' | 'punct' | 'comment'; readonly text: string; readonly col: number };

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(0[xX][0-9a-fA-F]+|\d+)|"([^"\\\n]*)"|(\/\*.*?\*\/)|([(),|;*=&-]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (m === null) {
      const col = at + (text.slice(at).length - text.slice(at).trimStart().length) + 1;
      const ch = text[col - 1];
      throw new CallSyntaxError(ch === '"' ? 'a string must be closed on the same line and hold no backslash' : `unexpected character ${JSON.stringify(ch)}`, col);
    }
    const col = m.index + (m[0].length - m[0].trimStart().length) + 1;
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1], col });
    else if (m[2] !== undefined) tokens.push({ kind: 'number', text: m[2], col });
    else if (m[3] !== undefined) tokens.push({ kind: 'string', text: m[3], col });
    else if (m[4] !== undefined) tokens.push({ kind: 'comment', text: m[4].slice(2, -2).trim(), col });
    else tokens.push({ kind: 'punct', text: m[5]!, col });
    at = TOKEN.lastIndex;
  }
  return tokens;
}

/** A cursor over the tokens with `expect` helpers that name what was wanted. */
class Cursor {
  private i = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly end: number,
  ) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(what: string): Token {
    const t = this.tokens[this.i];
    if (t === undefined) throw new CallSyntaxError(`expected ${what}, found the end of the line`, this.end);
    this.i++;
    return t;
  }
  punct(p: string, after: string): void {
    const t = this.next(`'${p}' ${after}`);
    if (t.kind !== 'punct' || t.text !== p) throw new CallSyntaxError(`expected '${p}' ${after}, found ${show(t)}`, t.col);
  }
  take(p: string): boolean {
    const t = this.peek();
    if (t?.kind === 'punct' && t.text === p) {
      this.i++;
      return true;
    }
    return false;
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
}

const show = (t: Token): string => (t.kind === 'string' ? `"${t.text}"` : t.kind === 'comment' ? 'a comment' : `'${t.text}'`);

/** `hK`, the handle returned by call K. */
function handle(c: Cursor, what: string): number {
  const t = c.next(`${what} (a handle like h0)`);
  const m = t.kind === 'name' ? /^h(0|[1-9]\d{0,5})$/.exec(t.text) : null;
  if (m === null) throw new CallSyntaxError(`expected ${what} (a handle like h0), found ${show(t)}`, t.col);
  return Number(m[1]);
}

function fileName(c: Cursor): string {
  const t = c.next('the file name as a string, like "liba.so"');
  if (t.kind !== 'string') throw new CallSyntaxError(`expected the file name as a string, like "liba.so", found ${show(t)}`, t.col);
  return t.text;
}

function integer(t: Token): number {
  const n = t.text.toLowerCase().startsWith('0x') ? parseInt(t.text.slice(2), 16) : Number(t.text);
  if (!Number.isSafeInteger(n) || n > 0x7fffffff) throw new CallSyntaxError(`${t.text} is too large`, t.col);
  return n;
}

/** `RTLD_NOW | RTLD_SHARED | 0x200`: names of <dlfcn.h> and integers, joined by `|`. */
function mode(c: Cursor): number {
  let m = 0;
  do {
    const t = c.next('a mode (RTLD_NOW, RTLD_LAZY, ... or a number)');
    if (t.kind === 'number') m |= integer(t);
    else if (t.kind === 'name' && MODE_NAMES[t.text] !== undefined) m |= MODE_NAMES[t.text]!;
    else throw new CallSyntaxError(`expected a mode (RTLD_NOW, RTLD_LAZY, RTLD_NOLOAD, RTLD_GLOBAL, RTLD_NODELETE, RTLD_DEEPBIND, RTLD_SHARED, RTLD_ISOLATE or a number), found ${show(t)}`, t.col);
  } while (c.take('|'));
  return m;
}

function lmid(c: Cursor): number {
  const negative = c.take('-');
  const t = c.next('a namespace (LM_ID_BASE, LM_ID_NEWLM or a number)');
  if (!negative && t.kind === 'name' && LMID_NAMES[t.text] !== undefined) return LMID_NAMES[t.text]!;
  if (t.kind === 'number') return negative ? -integer(t) : integer(t);
  throw new CallSyntaxError(`expected a namespace (LM_ID_BASE, LM_ID_NEWLM or a number), found ${show(t)}`, t.col);
}

/**
 * Parse the call of row `index`. Its handle, when it assigns one, must be
 * `h<index>`: handles are named after the call that returned them.
 */
export function parseCall(text: string, index: number): Call {
  const tokens = tokenize(text);
  const c = new Cursor(tokens, text.length + 1);
  if (c.peek()?.kind === 'punct' && c.peek()?.text === '(') return finish(c, functionCall(c));
  if (c.peek()?.kind === 'name' && (c.peek()?.text === 'start' || c.peek()?.text === 'exit')) return finish(c, processCall(c));
  let assigned: Token | undefined;
  if (c.peek()?.kind === 'name' && c.peek()?.text === 'void') {
    c.next('void');
    c.punct('*', "after 'void'");
    const t = c.peek();
    const k = handle(c, 'the handle this call returns');
    if (k !== index) throw new CallSyntaxError(`row ${index} returns h${index}, not h${k} (a handle is named after the row that returned it)`, t!.col);
    c.punct('=', 'after the handle');
    assigned = t;
  }
  const fn = c.next('a call: dlopen, dlmopen, dlclose, dlsym or dlinfo');
  if (fn.kind !== 'name') throw new CallSyntaxError(`expected a call: dlopen, dlmopen, dlclose, dlsym or dlinfo, found ${show(fn)}`, fn.col);
  c.punct('(', `after ${fn.text}`);
  let call: Call;
  switch (fn.text) {
    case 'dlopen': {
      const file = fileName(c);
      c.punct(',', 'after the file name');
      call = { op: 'dlopen', file, mode: mode(c) };
      break;
    }
    case 'dlmopen': {
      const ns = lmid(c);
      c.punct(',', 'after the namespace');
      const file = fileName(c);
      c.punct(',', 'after the file name');
      call = { op: 'dlmopen', lmid: ns, file, mode: mode(c) };
      break;
    }
    case 'dlclose':
      call = { op: 'dlclose', handle: handle(c, 'the handle to close') };
      break;
    case 'dlsym': {
      const h = handle(c, 'the handle to look in');
      c.punct(',', 'after the handle');
      const t = c.next('the symbol name as a string');
      if (t.kind !== 'string') throw new CallSyntaxError(`expected the symbol name as a string, found ${show(t)}`, t.col);
      call = { op: 'dlsym', handle: h, symbol: t.text };
      break;
    }
    case 'dlinfo': {
      const h = handle(c, 'the handle to ask');
      for (const [want, after] of [[',', 'after the handle'], ['RTLD_DI_LMID', 'as the request (the only one modelled)'], [',', 'after RTLD_DI_LMID'], ['&', 'before lmid'], ['lmid', 'as the result variable']] as const) {
        if (want === ',' || want === '&') c.punct(want, after);
        else {
          const t = c.next(want);
          if (t.text !== want) throw new CallSyntaxError(`expected ${want} ${after}, found ${show(t)}`, t.col);
        }
      }
      call = { op: 'dlinfo', handle: h };
      break;
    }
    default:
      throw new CallSyntaxError(`unknown call ${JSON.stringify(fn.text)} (expected dlopen, dlmopen, dlclose, dlsym or dlinfo)`, fn.col);
  }
  c.punct(')', 'to close the call');
  c.take(';');
  if (assigned !== undefined && call.op !== 'dlopen' && call.op !== 'dlmopen') {
    throw new CallSyntaxError(`${call.op} returns no handle to assign`, assigned.col);
  }
  const comment = c.peek();
  if (comment?.kind === 'comment') {
    c.next('a comment');
    const m = /^from code in h(0|[1-9]\d{0,5})$/.exec(comment.text);
    if (m === null) throw new CallSyntaxError('the only comment a call takes is /* from code in hK */', comment.col);
    if (call.op !== 'dlopen' && call.op !== 'dlclose') throw new CallSyntaxError(`${call.op} cannot be made from code in a DSO`, comment.col);
    call = { ...call, caller: Number(m[1]) };
  }
  return finish(c, call);
}

/** Nothing may follow a call. */
function finish(c: Cursor, call: Call): Call {
  if (!c.done()) {
    const t = c.next('');
    throw new CallSyntaxError(`unexpected ${show(t)} after the call`, t.col);
  }
  return call;
}

/** `start();` (the program's start-up) and `exit(0);`: the process extension. */
function processCall(c: Cursor): Call {
  const t = c.next('start or exit');
  c.punct('(', `after ${t.text}`);
  if (t.text === 'exit') {
    const status = c.next('the exit status 0');
    if (status.kind !== 'number' || status.text !== '0') throw new CallSyntaxError(`expected the exit status 0, found ${show(status)}`, status.col);
  }
  c.punct(')', `to close ${t.text}`);
  c.take(';');
  return t.text === 'exit' ? { op: 'exit' } : { op: 'start' };
}

/** `((void (*)(void))dlsym(h1, "fn_a"))();`: a call of the function dlsym finds through the handle. */
function functionCall(c: Cursor): Call {
  const word = (w: string, after: string) => {
    const t = c.next(w);
    if (t.kind !== 'name' || t.text !== w) throw new CallSyntaxError(`expected ${w} ${after}, found ${show(t)}`, t.col);
  };
  c.punct('(', 'to open the call');
  c.punct('(', 'to open the cast');
  word('void', 'in the cast (void (*)(void))');
  c.punct('(', 'in the cast (void (*)(void))');
  c.punct('*', 'in the cast (void (*)(void))');
  c.punct(')', 'in the cast (void (*)(void))');
  c.punct('(', 'in the cast (void (*)(void))');
  word('void', 'in the cast (void (*)(void))');
  c.punct(')', 'in the cast (void (*)(void))');
  c.punct(')', 'to close the cast');
  word('dlsym', 'after the cast');
  c.punct('(', 'after dlsym');
  const h = handle(c, 'the handle to look in');
  c.punct(',', 'after the handle');
  const t = c.next('the function name as a string');
  if (t.kind !== 'string') throw new CallSyntaxError(`expected the function name as a string, found ${show(t)}`, t.col);
  c.punct(')', 'to close dlsym');
  c.punct(')', 'to close the function pointer');
  c.punct('(', 'to call it');
  c.punct(')', 'to call it');
  c.take(';');
  return { op: 'call', handle: h, symbol: t.text };
}
