/**
 * Scenario rows in the style of glibc's own RTLD_SHARED test tables: the
 * state before (a set-up call list), one call, and what must hold after it.
 * A row is checked against `runSpec` under each profile it names; on failure
 * the whole row is printed as a small C program with its expectation.
 *
 * Notation of a row's `after` (the namespace lists after the call):
 * - `{0: ['liba.so'], 1: ['+liba.so p']}`: namespace 0 is written WITHOUT its
 *   start-up objects (<main>, vdso, libc, ld.so; they must still be first);
 *   every other non-empty namespace is written in full, in list order;
 *   namespaces not written must be empty.
 * - ` p` marks a proxy; a leading `+` marks an entry this call created (every
 *   new entry must carry it, and no old one may).
 * - `'unchanged'` (the default): every namespace list is as before (same
 *   entries; open counts may change, see `count`). A failed call must moreover
 *   leave the whole state as it was (LOAD4), which every row checks.
 *
 * Events are written `ctor libb.so@0` (constructor of the copy in namespace
 * 0), in an order a conforming loader may run them; `precedes` pairs must be
 * order constraints the spec imposes.
 */
import { expect, test } from 'vitest';
import { formatCall, formatSequence, type Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import { validateGraph, type DsoGraph } from '../model/graph.ts';
import { LM_ID_NEWLM } from '../model/mode.ts';
import type { LifecycleEvent } from '../model/observation.ts';
import { handleEntry } from '../model/state.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec, type SpecRun, type SystemDescription } from '../spec/run.ts';
import type { Step } from '../spec/step.ts';

export * from '../model/mode.ts';
export const NEWLM = LM_ID_NEWLM;

// ---------------------------------------------------------------- graph DSL

/** A test DSO: `-nostdlib`, no flags, no symbols unless given. */
export function dso(name: string, opts: Partial<Omit<Dso, 'name'>> = {}): Dso {
  return { name, needed: [], unique: false, nodelete: false, libc: false, symbols: [], ...opts };
}

/** A graph the native driver could build (validated: names, no toolchain library names, ...). */
export function graph(...dsos: Dso[]): DsoGraph {
  const g = { dsos };
  validateGraph(g);
  return g;
}

// ---------------------------------------------------------------- call DSL

export const dlmopen = (lmid: number, file: string, mode: number): Call => ({ op: 'dlmopen', lmid, file, mode });
export const dlopen = (file: string, mode: number, caller?: number): Call =>
  caller === undefined ? { op: 'dlopen', file, mode } : { op: 'dlopen', file, mode, caller };
export const dlclose = (handle: number, caller?: number): Call =>
  caller === undefined ? { op: 'dlclose', handle } : { op: 'dlclose', handle, caller };
export const dlsym = (handle: number, symbol: string): Call => ({ op: 'dlsym', handle, symbol });
export const dlinfo = (handle: number): Call => ({ op: 'dlinfo', handle });

/** `n` copies of a call, e.g. to fill namespaces. */
export const times = (n: number, call: Call): Call[] => Array.from({ length: n }, () => call);

// ---------------------------------------------------------------- rows

/** Namespace id -> its entries in row notation. */
export type Layout = Readonly<Record<number, readonly string[]>>;

/** What must hold after a row's call, under one profile. */
export interface Expect {
  /** Namespace lists after the call (see the module comment); default 'unchanged'. */
  readonly after?: Layout | 'unchanged';
  /** The call returned a handle in this namespace: `'1'`, or `'1p'` for a proxy (the object is the file opened). */
  readonly handle?: string;
  /** The handle returned equals `h<same>` (default: a new handle, named after this call). */
  readonly same?: number;
  /** The call failed with this dlerror() text (null: NULL with no message). */
  readonly error?: string | null;
  /** dlsym found the symbol in this real entry, `libb.so@0`. */
  readonly symbol?: string;
  /** dlinfo(RTLD_DI_LMID) answer. */
  readonly lmid?: number;
  /** Direct open count, after the call, of the entry returned (open) or closed (dlclose). */
  readonly count?: number | 'unloaded';
  /** Constructor/destructor events, in an order a conforming loader may run them (default none). */
  readonly events?: readonly string[];
  /** Pairs of events the spec must order: the first before the second. */
  readonly precedes?: ReadonlyArray<readonly [string, string]>;
}

export interface Row {
  /** Test name; cites the rules it checks as `[ID]` (see CONFORMANCE.md). */
  readonly name: string;
  readonly graph: DsoGraph;
  readonly before?: readonly Call[];
  readonly call: Call;
  /** Expectation under the profile(s): `both`, or per profile. */
  readonly both?: Expect;
  readonly glibc?: Expect;
  readonly shared?: Expect;
  /** System description (default: the profile's reference system). */
  readonly system?: (profile: Profile) => SystemDescription;
  /**
   * The row states what the real loader does and the spec does not (yet): it
   * runs as `test.fails`, so it turns red the day the spec is fixed and the
   * marker must go. Text: where the difference was seen.
   */
  readonly knownSpecBug?: string;
}

/** Register one vitest test per profile the row names. */
export function row(r: Row): void {
  const cases: Array<[Profile, Expect]> = [];
  if (r.both !== undefined) cases.push(['glibc', r.both], ['rtld-shared', r.both]);
  if (r.glibc !== undefined) cases.push(['glibc', r.glibc]);
  if (r.shared !== undefined) cases.push(['rtld-shared', r.shared]);
  if (cases.length === 0) throw new Error(`row "${r.name}" names no profile`);
  for (const [profile, want] of cases) {
    if (r.knownSpecBug !== undefined) test.fails(`${r.name} (${profile}) KNOWN SPEC BUG: ${r.knownSpecBug}`, () => checkRow(r, profile, want));
    else test(`${r.name} (${profile})`, () => checkRow(r, profile, want));
  }
}

/** Check a row under one profile; throws (through expect) with the row printed. */
export function checkRow(r: Row, profile: Profile, want: Expect): void {
  const calls = [...(r.before ?? []), r.call];
  const run = runSpec(profile, r.graph, calls, r.system?.(profile));
  const last = run.steps[run.steps.length - 1] as Step;
  const shown = showStep(run, last, want);
  const wanted = normalise(want, last);
  const message = formatRow(r, profile, want, shown);
  expect(shown, message).toEqual(wanted);
  if ('error' in shown) expect(last.after, `${message}\na failed call changed the state`).toEqual(last.before);
  // Event order: the row's listed order must be one the spec allows, and each
  // `precedes` pair must be a constraint the spec imposes.
  const events = last.expected.events.map(eventKey);
  const closure = orderClosure(last.expected.events.length, last.expected.order);
  const listed = want.events ?? [];
  for (const [a, b] of closureEdges(closure)) {
    const before = listed.indexOf(events[a] as string);
    const after = listed.indexOf(events[b] as string);
    expect(before < after, `${message}\nthe row lists ${events[b]} before ${events[a]}, which the spec forbids`).toBe(true);
  }
  for (const [a, b] of want.precedes ?? []) {
    const ia = events.indexOf(a);
    const ib = events.indexOf(b);
    expect(ia >= 0 && ib >= 0 && closure[ia]![ib] === true, `${message}\nthe spec does not require ${a} before ${b}`).toBe(true);
  }
}

const eventKey = (e: LifecycleEvent) => `${e.event} ${e.object}@${e.ns}`;

/** Transitive closure of order constraints: closure[a][b] when a must precede b. */
function orderClosure(n: number, order: ReadonlyArray<readonly [number, number]>): boolean[][] {
  const c = Array.from({ length: n }, () => Array.from({ length: n }, () => false));
  for (const [a, b] of order) c[a]![b] = true;
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (c[i]![k] && c[k]![j]) c[i]![j] = true;
  return c;
}

function closureEdges(c: boolean[][]): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  c.forEach((row, i) => row.forEach((v, j) => v && edges.push([i, j])));
  return edges;
}

/** The spec's step in row notation, with exactly the keys `want` has (plus any surprise). */
function showStep(run: SpecRun, s: Step, want: Expect): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  const r = s.expected.result;
  const file = s.call.op === 'dlopen' || s.call.op === 'dlmopen' ? s.call.file : undefined;
  switch (r.kind) {
    case 'handle':
      shown.handle = `${r.ns}${r.proxy ? 'p' : ''}`;
      if (r.handle !== s.index) shown.same = r.handle;
      if (r.object !== file) shown.object = r.object;
      break;
    case 'null':
    case 'fail':
      shown.error = r.error;
      break;
    case 'symbol':
      shown.symbol = `${r.object}@${r.ns}`;
      break;
    case 'lmid':
      shown.lmid = r.lmid;
      break;
    case 'ok':
      break;
  }
  shown.after = JSON.stringify(s.before.namespaces) === JSON.stringify(s.after.namespaces) ? 'unchanged' : layout(run, s);
  shown.events = s.expected.events.map(eventKey).sort();
  if (want.count !== undefined) shown.count = countOf(s);
  return shown;
}

function normalise(want: Expect, s: Step): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (want.handle !== undefined) out.handle = want.handle;
  if (want.same !== undefined && want.same !== s.index) out.same = want.same;
  if (want.error !== undefined) out.error = want.error;
  if (want.symbol !== undefined) out.symbol = want.symbol;
  if (want.lmid !== undefined) out.lmid = want.lmid;
  out.after = want.after === undefined || want.after === 'unchanged' ? 'unchanged' : canonicalLayout(want.after);
  out.events = [...(want.events ?? [])].sort();
  if (want.count !== undefined) out.count = want.count;
  return out;
}

function canonicalLayout(l: Layout): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [ns, list] of Object.entries(l)) if (list.length > 0 || ns === '0') out[ns] = [...list];
  if (out['0'] === undefined) out['0'] = [];
  return out;
}

/** The namespaces after a step in row notation. */
function layout(run: SpecRun, s: Step): Record<string, string[]> {
  const startup = run.initial.namespaces[0] ?? [];
  const out: Record<string, string[]> = { 0: [] };
  s.after.namespaces.forEach((ids, ns) => {
    let list = [...ids];
    if (ns === 0) {
      const prefix = list.slice(0, startup.length);
      if (prefix.join() !== startup.join()) out['0 (start-up objects disturbed)'] = prefix.map(String);
      list = list.slice(startup.length);
    }
    if (list.length === 0) return;
    out[ns] = list.map((id) => {
      const e = s.after.entries[id]!;
      return `${s.before.entries[id] === undefined ? '+' : ''}${e.object}${e.kind === 'proxy' ? ' p' : ''}`;
    });
  });
  return out;
}

function countOf(s: Step): number | 'unloaded' {
  const c = s.call;
  const r = s.expected.result;
  const handle = c.op === 'dlclose' ? c.handle : r.kind === 'handle' ? r.handle : undefined;
  if (handle === undefined) return 'unloaded';
  return handleEntry(s.after, handle)?.openCount ?? 'unloaded';
}


/** The row as a maintainer reads it: the program, then expected and shown. */
export function formatRow(r: Row, profile: Profile, want: Expect, shown?: Record<string, unknown>): string {
  const before = r.before ?? [];
  const lines = [
    `row ${r.name} (${profile})`,
    `graph: ${JSON.stringify(r.graph)}`,
    'before:',
    ...(before.length === 0 ? ['  (nothing)'] : formatSequence(before).split('\n').map((l) => `  ${l}`)),
    'call:',
    `  ${formatCall(r.call, before.length)}`,
    `expected: ${JSON.stringify(want)}`,
  ];
  if (shown !== undefined) lines.push(`spec:     ${JSON.stringify(shown)} (events sorted)`);
  return lines.join('\n');
}
