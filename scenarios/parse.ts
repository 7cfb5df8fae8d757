/**
 * The text form of a scenario (scenarios/FORMAT.md) to its parsed form.
 * Line-oriented and strict: every problem is a ScenarioError naming the
 * line (and the column, inside a call). Nothing of the text is executed.
 */
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { EntryView, LifecycleEvent } from '../model/observation.ts';
import { parseProfile, type Profile } from '../spec/profile.ts';
import { CallSyntaxError, parseCall } from './c-call.ts';
import type { NamespaceExpectation, ResultExpectation, Row, RowExpectation, Scenario } from './scenario.ts';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

const DSO_NAME = /^lib[a-z0-9_]{1,40}\.so$/;
const OBJECT_NAME = /^(<main>|[A-Za-z0-9_.+-]{1,80})$/;
const SYMBOL = /^[a-z_][a-z0-9_]{0,40}$/;
const DSO_WORDS = new Set(['needs', 'unique', 'nodelete', 'libc', 'defines', 'undefined', 'fn', 'calls']);
/** GLIBC_TUNABLES text: name=value pairs joined by `:`, nothing a shell or make would read as more. */
const TUNABLES = /^[a-z][a-z0-9_.]*=[A-Za-z0-9_.]+(:[a-z][a-z0-9_.]*=[A-Za-z0-9_.]+)*$/;

/** Text outside string literals up to a `#`. */
function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') inString = !inString;
    else if (line[i] === '#' && !inString) return line.slice(0, i);
  }
  return line;
}

interface Draft {
  name?: string;
  about?: string;
  source?: string;
  profile?: Profile;
  tunables?: string;
  program?: { needed: string[]; soname?: string };
  dsos: Map<string, Dso>;
  /** Names given in `needs` lists: declared with defaults unless a `dso` or `missing` line says otherwise. */
  named: Set<string>;
  missing: Set<string>;
  rows: { call: Call; line: number; label?: string; expect: { result?: ResultExpectation; namespaces?: NamespaceExpectation[]; events?: LifecycleEvent[]; trace?: LifecycleEvent[] } }[];
}

export function parseScenario(text: string): Scenario {
  const d: Draft = { dsos: new Map(), named: new Set(), missing: new Set(), rows: [] };
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = stripComment(raw.replace(/\r$/, '')).trimEnd();
    if (line.trim() === '') return;
    try {
      if (/^\s/.test(line)) expectation(d, line.trim());
      else header(d, line, n);
    } catch (e) {
      if (e instanceof CallSyntaxError) throw new ScenarioError(`line ${n}, column ${e.column}: ${e.message}`);
      if (e instanceof ScenarioError && !e.message.startsWith('line ')) throw new ScenarioError(`line ${n}: ${e.message}`);
      throw e;
    }
  });
  if (d.name === undefined) throw new ScenarioError('no `scenario NAME` line');
  if (d.profile === undefined) throw new ScenarioError('no `profile glibc` or `profile rtld-shared` line');
  if (d.rows.length === 0) throw new ScenarioError('no rows (a row is a call such as dlmopen(LM_ID_NEWLM, "liba.so", RTLD_NOW))');
  for (const name of d.named) if (!d.dsos.has(name) && !d.missing.has(name)) d.dsos.set(name, leaf(name));
  const rows: Row[] = d.rows.map((r) => {
    const expect: RowExpectation = {
      ...(r.expect.result ? { result: r.expect.result } : {}),
      ...(r.expect.namespaces ? { namespaces: r.expect.namespaces } : {}),
      ...(r.expect.events ? { events: r.expect.events } : {}),
      ...(r.expect.trace ? { trace: r.expect.trace } : {}),
    };
    return { call: r.call, line: r.line, ...(r.label !== undefined ? { label: r.label } : {}), ...(Object.keys(expect).length > 0 ? { expect } : {}) };
  });
  return {
    format: 'dlmspec-scenario',
    name: d.name,
    ...(d.about !== undefined ? { about: d.about } : {}),
    ...(d.source !== undefined ? { source: d.source } : {}),
    profile: d.profile,
    ...(d.tunables !== undefined ? { tunables: d.tunables } : {}),
    graph: { dsos: [...d.dsos.values()], ...(d.program !== undefined ? { program: d.program } : {}) },
    rows,
  };
}

/** A DSO as written with no options: `-nostdlib`, no flags, no symbols. */
export const leaf = (name: string): Dso => ({ name, needed: [], unique: false, nodelete: false, libc: false, symbols: [] });

function header(d: Draft, line: string, n: number): void {
  const [word, ...rest] = line.split(/\s+/);
  const value = line.slice(word!.length).trim();
  const once = (key: 'name' | 'about' | 'source' | 'profile' | 'tunables' | 'program') => {
    if (d[key] !== undefined) throw new ScenarioError(`a second \`${word}\` line`);
    if (d.rows.length > 0) throw new ScenarioError(`\`${word}\` must come before the first row`);
  };
  switch (word) {
    case 'scenario':
      once('name');
      if (!/^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,80}$/.test(value)) throw new ScenarioError(`scenario name ${JSON.stringify(value)}: letters, digits and _ . : + - only`);
      d.name = value;
      return;
    case 'about':
    case 'source':
      once(word);
      d[word] = value;
      return;
    case 'profile':
      once('profile');
      try {
        d.profile = parseProfile(value);
      } catch (e) {
        throw new ScenarioError((e as Error).message);
      }
      return;
    case 'dso':
      if (d.rows.length > 0) throw new ScenarioError('`dso` must come before the first row');
      dsoLine(d, rest);
      return;
    case 'tunables':
      once('tunables');
      if (!TUNABLES.test(value)) throw new ScenarioError(`tunables ${JSON.stringify(value)}: expected name=value pairs joined by ':' (glibc.rtld.dynamic_sort=1)`);
      d.tunables = value;
      return;
    case 'program':
      once('program');
      d.program = programLine(d, rest);
      return;
    case 'missing':
      if (d.rows.length > 0) throw new ScenarioError('`missing` must come before the first row');
      for (const name of rest) {
        if (!DSO_NAME.test(name)) throw new ScenarioError(`missing ${JSON.stringify(name)}: not a DSO file name like "libx.so"`);
        if (d.dsos.has(name)) throw new ScenarioError(`${name} is declared by a \`dso\` line and cannot also be missing`);
        d.missing.add(name);
      }
      return;
    default: {
      const call = parseCall(line, d.rows.length);
      d.rows.push({ call, line: n, expect: {} });
    }
  }
}

/** `program needs liba.so libb.so soname libd.so`: the program's own DT_NEEDED test DSOs, and its DT_SONAME. */
function programLine(d: Draft, words: string[]): { needed: string[]; soname?: string } {
  const needed: string[] = [];
  let soname: string | undefined;
  let list: 'needs' | null = null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'needs') list = 'needs';
    else if (w === 'soname') {
      const s = words[++i];
      if (s === undefined || !DSO_NAME.test(s)) throw new ScenarioError('program: `soname` needs a DSO file name after it');
      soname = s;
      d.named.add(s);
      list = null;
    } else if (list === 'needs') {
      if (!DSO_NAME.test(w)) throw new ScenarioError(`program needs ${JSON.stringify(w)}: not a DSO file name like "liba.so"`);
      needed.push(w);
      d.named.add(w);
    } else throw new ScenarioError(`program: unknown word ${JSON.stringify(w)} (expected needs or soname)`);
  }
  return soname === undefined ? { needed } : { needed, soname };
}

/** `dso liba.so needs libb.so libc.so unique nodelete libc defines f0 f1 undefined g fn fn_a calls fn_b`. */
function dsoLine(d: Draft, words: string[]): void {
  const [name, ...opts] = words;
  if (name === undefined || !DSO_NAME.test(name)) throw new ScenarioError(`dso ${JSON.stringify(name ?? '')}: not a DSO file name like "liba.so"`);
  if (d.dsos.has(name)) throw new ScenarioError(`dso ${name} is declared twice`);
  if (d.missing.has(name)) throw new ScenarioError(`${name} is declared missing and cannot also be a dso`);
  let dso: { -readonly [K in keyof Dso]: Dso[K] } = { ...leaf(name), needed: [], symbols: [] };
  const needed: string[] = [];
  const symbols: string[] = [];
  const calls: string[] = [];
  let list: 'needs' | 'defines' | 'calls' | null = null;
  for (let i = 0; i < opts.length; i++) {
    const w = opts[i]!;
    if (DSO_WORDS.has(w)) {
      list = null;
      if (w === 'needs' || w === 'defines' || w === 'calls') list = w;
      else if (w === 'undefined' || w === 'fn') {
        const sym = opts[++i];
        if (sym === undefined || !SYMBOL.test(sym)) throw new ScenarioError(`dso ${name}: \`${w}\` needs a C identifier after it`);
        if (w === 'fn') dso.fn = sym;
        else dso.undefinedSymbol = sym;
      } else dso[w as 'unique' | 'nodelete' | 'libc'] = true;
      continue;
    }
    if (list === 'calls') {
      if (!SYMBOL.test(w)) throw new ScenarioError(`dso ${name} calls ${JSON.stringify(w)}: not a C identifier`);
      calls.push(w);
      continue;
    }
    if (list === 'needs') {
      if (!DSO_NAME.test(w)) throw new ScenarioError(`dso ${name} needs ${JSON.stringify(w)}: not a DSO file name like "libb.so" (libc is the word \`libc\`)`);
      needed.push(w);
      d.named.add(w);
    } else if (list === 'defines') {
      if (!SYMBOL.test(w)) throw new ScenarioError(`dso ${name} defines ${JSON.stringify(w)}: not a C identifier`);
      symbols.push(w);
    } else throw new ScenarioError(`dso ${name}: unknown word ${JSON.stringify(w)} (expected needs, defines, unique, nodelete, libc, undefined, fn or calls)`);
  }
  if (calls.length > 0 && dso.fn === undefined) throw new ScenarioError(`dso ${name}: \`calls\` needs \`fn\` (the function that makes the calls)`);
  dso = { ...dso, needed, symbols, ...(calls.length > 0 ? { calls } : {}) };
  d.dsos.set(name, dso);
}

function expectation(d: Draft, line: string): void {
  const row = d.rows[d.rows.length - 1];
  if (row === undefined) throw new ScenarioError(`an indented line belongs to a row, and no row came before it`);
  const set = <K extends 'result' | 'namespaces' | 'events' | 'trace'>(key: K, value: NonNullable<(typeof row)['expect'][K]>) => {
    if (key !== 'namespaces' && row.expect[key] !== undefined) throw new ScenarioError(`row ${d.rows.length - 1} has a second ${key === 'result' ? '`=>`' : `\`${key}:\``} line`);
    row.expect[key] = value;
  };
  if (line.startsWith('=>')) return set('result', resultExpectation(line.slice(2).trim()));
  if (line.startsWith('label ')) {
    if (row.label !== undefined) throw new ScenarioError('a second `label` line');
    row.label = line.slice(6).trim();
    return;
  }
  if (line.startsWith('events:')) return set('events', events(line.slice(7).trim()));
  if (line.startsWith('trace:')) return set('trace', events(line.slice(6).trim()));
  const ns = /^ns\s+(\d{1,2})(\s+all)?\s*:(.*)$/.exec(line);
  if (ns !== null) {
    const id = Number(ns[1]);
    if (id > 15) throw new ScenarioError(`ns ${id}: namespaces are 0..15`);
    const list = row.expect.namespaces ?? [];
    if (list.some((x) => x.ns === id)) throw new ScenarioError(`row ${d.rows.length - 1} lists ns ${id} twice`);
    row.expect.namespaces = [...list, { ns: id, all: ns[2] !== undefined, entries: entries(ns[3]!.trim()) }];
    return;
  }
  throw new ScenarioError(`unknown expectation ${JSON.stringify(line.split(/\s+/)[0])} (expected \`=> RESULT\`, \`ns N: ...\`, \`ns N all: ...\`, \`events: ...\`, \`trace: ...\` or \`label TEXT\`)`);
}

/** `liba.so libb.so(proxy)`, or `-` for none. */
function entries(text: string): EntryView[] {
  if (text === '-') return [];
  if (text === '') throw new ScenarioError('a namespace list needs entries, or `-` for none');
  return text.split(/\s+/).map((w) => {
    const proxy = w.endsWith('(proxy)');
    const object = proxy ? w.slice(0, -7) : w;
    if (!OBJECT_NAME.test(object)) throw new ScenarioError(`${JSON.stringify(w)} is not an object name (a proxy is written liba.so(proxy))`);
    return { object, proxy };
  });
}

/** `ctor libb.so@ns0, dtor liba.so@ns1, enter libd.so@ns0, leave libd.so@ns0`, or `none`. */
function events(text: string): LifecycleEvent[] {
  if (text === 'none') return [];
  return text.split(',').map((part) => {
    const m = /^(ctor|dtor|enter|leave)\s+(lib[a-z0-9_]{1,40}\.so)@ns(\d{1,2})$/.exec(part.trim());
    if (m === null) throw new ScenarioError(`event ${JSON.stringify(part.trim())}: expected e.g. \`ctor liba.so@ns0\` (or \`none\`)`);
    return { event: m[1] as LifecycleEvent['event'], object: m[2]!, ns: Number(m[3]) };
  });
}

/** Error text after NULL / -1: `"text"` (contained in dlerror), `no error`, or nothing (any). */
function errorPart(rest: string, what: string): { error?: string | null } {
  if (rest === '') return {};
  if (rest === 'no error') return { error: null };
  const m = /^"([^"\\]+)"$/.exec(rest);
  if (m === null) throw new ScenarioError(`after ${what}: expected "dlerror text", \`no error\` or nothing`);
  return { error: m[1]! };
}

export function resultExpectation(text: string): ResultExpectation {
  if (text === '0') return { kind: 'ok' };
  if (text === 'started' || text === 'called' || text === 'exited') return { kind: text };
  if (text.startsWith('fatal')) {
    const e = errorPart(text.slice(5).trim(), 'fatal');
    return typeof e.error === 'string' ? { kind: 'fatal', error: e.error } : { kind: 'fatal' };
  }
  if (text.startsWith('NULL')) return { kind: 'null', ...errorPart(text.slice(4).trim(), 'NULL') };
  if (text.startsWith('-1')) return { kind: 'fail', ...errorPart(text.slice(2).trim(), '-1') };
  const words = text.split(/\s+/);
  const first = words[0]!;
  if (first === 'lmid') {
    if (words.length !== 2 || !/^\d{1,2}$/.test(words[1]!)) throw new ScenarioError('expected `=> lmid N`');
    return { kind: 'lmid', lmid: Number(words[1]) };
  }
  const h = /^h(0|[1-9]\d{0,5})$/.exec(first);
  if (h === null && first !== 'handle' && first !== 'symbol') {
    throw new ScenarioError(`unknown result ${JSON.stringify(first)} (expected hK, handle, NULL, 0, -1, symbol or lmid)`);
  }
  const out: { handle?: number; ns?: number; proxy?: boolean; object?: string } = h ? { handle: Number(h[1]) } : {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'ns') {
      const v = words[++i];
      if (v === undefined || !/^\d{1,2}$/.test(v)) throw new ScenarioError('`ns` needs a namespace number after it');
      out.ns = Number(v);
    } else if ((w === 'proxy' || w === 'real') && first !== 'symbol') {
      if (out.proxy !== undefined) throw new ScenarioError('say proxy or real once');
      out.proxy = w === 'proxy';
    } else if (OBJECT_NAME.test(w) && w.includes('.so') && out.object === undefined) out.object = w;
    else throw new ScenarioError(`unexpected ${JSON.stringify(w)} in the result (expected ns N, ${first === 'symbol' ? '' : 'proxy, real, '}or an object name)`);
  }
  if (first === 'symbol') {
    const { ns, object } = out;
    return { kind: 'symbol', ...(ns !== undefined ? { ns } : {}), ...(object !== undefined ? { object } : {}) };
  }
  return { kind: 'handle', ...out };
}
