import fc from 'fast-check';
import { match } from 'ts-pattern';
import type { Call } from '../model/call.ts';
import { programNeeded, type DsoGraph } from '../model/graph.ts';
import {
  LM_ID_BASE,
  LM_ID_CALLER,
  LM_ID_NEWLM,
  RTLD_GLOBAL,
  RTLD_ISOLATE,
  RTLD_LAZY,
  RTLD_NODELETE,
  RTLD_NOLOAD,
  RTLD_NOW,
  RTLD_SHARED,
} from '../model/mode.ts';
import { handleEntry, realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from '../spec/context.ts';
import { specContext, type SpecRun, type SystemDescription } from '../spec/run.ts';
import { initialState, referenceSystem } from '../spec/initial.ts';
import type { Profile } from '../spec/profile.ts';
import { knownBug } from './known-bugs.ts';
import { step, type Step } from '../spec/step.ts';
import { searchList } from '../spec/sym.ts';
import { arbGraph, MISSING_DSO, sometimes, SYMBOLS, type GraphOptions } from './graph.ts';

/**
 * Calls are generated abstractly (a file, handle or symbol is a pick, not a
 * name) and made concrete by running the spec alongside: a handle pick
 * chooses among the handles whose entry is still loaded, so no sequence ever
 * uses an unloaded handle (SEMANTICS.md section 2: that is undefined
 * behaviour on a real loader). Shrinking works on the abstract picks.
 */
export type AbstractCall =
  | { readonly op: 'dlmopen'; readonly lmid: AbstractLmid; readonly file: number; readonly mode: number; readonly lookup: number | null }
  | { readonly op: 'dlopen'; readonly file: number; readonly mode: number; readonly caller: number | null; readonly lookup: number | null }
  | { readonly op: 'dlclose'; readonly handle: number; readonly caller: number | null; readonly reopen: number | null }
  | { readonly op: 'dlsym'; readonly handle: number; readonly symbol: number }
  | { readonly op: 'dlinfo'; readonly handle: number }
  | { readonly op: 'reopen'; readonly handle: number; readonly mode: number }
  | { readonly op: 'dependency'; readonly pick: number; readonly mode: number; readonly lookup: number | null }
  /** The process extension: a call of a traced function through a live handle (`symbol` picks one of the graph's), and exit. */
  | { readonly op: 'call'; readonly handle: number; readonly symbol: number }
  | { readonly op: 'exit' };

export interface Scenario {
  readonly graph: DsoGraph;
  readonly calls: readonly Call[];
}

/**
 * A generated scenario with the spec's run of it. Concretizing a sequence
 * runs the spec call by call, so that run is the one a check of the
 * sequence needs: the validation loop judges against it and runs the spec no
 * second time.
 */
export interface CheckedScenario {
  readonly scenario: Scenario;
  readonly run: SpecRun;
}

/**
 * Namespace arguments: mostly LM_ID_NEWLM or a namespace in use (`used: k`
 * picks the k-th non-empty secondary namespace), sometimes namespace 0, an
 * explicit id that may be empty or out of range, or the caller's.
 */
export type AbstractLmid = { readonly used: number } | { readonly raw: number };

export const arbLmid: fc.Arbitrary<AbstractLmid> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ raw: LM_ID_NEWLM }) },
  { weight: 4, arbitrary: fc.record({ used: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.constant({ raw: LM_ID_BASE }) },
  { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(1, 2, 15, 16, 99, -3, LM_ID_CALLER) }) },
);

/** A flag bit set with probability `percent`%. */
const bit = (flag: number, percent: number): fc.Arbitrary<number> =>
  fc.oneof({ weight: percent, arbitrary: fc.constant(flag) }, { weight: 100 - percent, arbitrary: fc.constant(0) });

/**
 * Modes: a binding (rarely none, to hit MODE1) plus any of the flag bits
 * SEMANTICS.md names. RTLD_ISOLATE is commoner under rtld-shared, where S9 and
 * S10 turn on it; under glibc it is an unknown bit that dlopen refuses (MODE6).
 */
export const arbMode = (profile: Profile): fc.Arbitrary<number> =>
  fc
    .tuple(
      fc.oneof(
        { weight: 8, arbitrary: fc.constant(RTLD_NOW) },
        { weight: 3, arbitrary: fc.constant(RTLD_LAZY) },
        { weight: 1, arbitrary: fc.constantFrom(RTLD_LAZY | RTLD_NOW, 0) },
      ),
      bit(RTLD_SHARED, 35),
      bit(RTLD_ISOLATE, profile === 'rtld-shared' ? 25 : 10),
      bit(RTLD_NOLOAD, 12),
      bit(RTLD_NODELETE, 8),
      bit(RTLD_GLOBAL, 5),
    )
    .map((bits) => bits.reduce((m, b) => m | b, 0));

/** 0 with probability `percent`%, else any of 0..max: favours the first of an ordered choice. */
const favourFirst = (max: number, percent: number): fc.Arbitrary<number> =>
  fc.oneof({ weight: percent, arbitrary: fc.constant(0) }, { weight: 100 - percent, arbitrary: fc.nat(max) });

/** File picks: 0..FILE_PICKS-2 name graph DSOs, then the missing file, then libc. */
const FILE_PICKS = 15;

/**
 * Abstract calls under `profile`.
 * - Opens name DSO 0, the root of every shape, a quarter of the time, and 40%
 *   of them are followed by a lookup through the handle they return.
 * - A dlsym favours the live handle with the longest search list, and the
 *   shadowed symbol (graph.ts), so that search order shows (SYM1).
 * - `reopen` opens a live handle's object again in that handle's own
 *   namespace, favouring the newest handle: the same entry again (LOAD1, S3)
 *   or a refusal (S4, S10). Its mode is often plain RTLD_NOW, the usual
 *   second open after a first one with flags.
 * - A dlclose that gives a kept dependency a search list of its own (CLOSE5)
 *   is followed, four times in five, by an open of that entry and a lookup of a
 *   symbol only its deeper dependencies define, where there is one.
 * - `dependency` opens, in its own namespace, an entry loaded only as a
 *   dependency (no call returned it), mostly followed by a lookup: whether
 *   it gets a search list now or has one the close worker gave it (CLOSE5),
 *   and the lookups made again for it (S10); through an entry the close
 *   worker gave its list, the lookup is of a symbol that list misses.
 */
export const abstractCalls = (profile: Profile, process = true): fc.Arbitrary<AbstractCall> => {
  const mode = arbMode(profile);
  const file = favourFirst(FILE_PICKS, 25);
  const symbol = favourFirst(SYMBOLS.length, 50);
  const lookup = sometimes(symbol, 40);
  const reopenMode = fc.oneof({ weight: 2, arbitrary: fc.constant(RTLD_NOW) }, { weight: 3, arbitrary: mode });
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('dlmopen' as const), lmid: arbLmid, file, mode, lookup }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('dlopen' as const), file, mode, caller: sometimes(fc.nat(7), 40), lookup }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('dlclose' as const), handle: fc.nat(7), caller: sometimes(fc.nat(7), 15), reopen: sometimes(reopenMode, 80) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('dlsym' as const), handle: favourFirst(7, 50), symbol }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('dlinfo' as const), handle: fc.nat(7) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('reopen' as const), handle: favourFirst(7, 50), mode: reopenMode }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('dependency' as const), pick: favourFirst(7, 60), mode: reopenMode, lookup: sometimes(symbol, 70) }) },
    // The process extension: a call of a traced function (none where the graph has none).
    { weight: process ? 4 : 0, arbitrary: fc.record({ op: fc.constant('call' as const), handle: favourFirst(7, 50), symbol: fc.nat(7) }) },
  );
};

/** The glibc mix, for callers that concretize one abstract sequence under either profile. */
export const arbAbstractCall: fc.Arbitrary<AbstractCall> = abstractCalls('glibc');

export interface ScenarioOptions extends GraphOptions {
  readonly profile: Profile;
  readonly maxCalls?: number;
  readonly system?: SystemDescription;
  /** Leave out calls that hit a known loader bug (generators/known-bugs.ts). */
  readonly avoidKnownBugs?: boolean;
}

/** Graph and concrete call sequence, valid on a real loader under the spec of `profile`. */
export function arbScenario(opts: ScenarioOptions): fc.Arbitrary<Scenario> {
  return arbCheckedScenario(opts).map((c) => c.scenario);
}

/** Generated scenarios with the spec's run of each (see CheckedScenario). */
export function arbCheckedScenario(opts: ScenarioOptions): fc.Arbitrary<CheckedScenario> {
  const process = opts.process !== false;
  // Under the process extension every sequence ends with the process's exit (its destructors judged too, PROC3).
  const calls = fc.array(abstractCalls(opts.profile, process), { minLength: 1, maxLength: opts.maxCalls ?? 12 }).map((a): AbstractCall[] => (process ? [...a, { op: 'exit' }] : a));
  // Sometimes fill most namespaces first, so that exhaustion (NS2) and reuse
  // (NS1) are reached. Lengths are uniform up to 20 (size 'max'), and the
  // prefix can shrink away entirely when a failure does not need it.
  const newlm = fc.record({
    op: fc.constant('dlmopen' as const),
    lmid: fc.constant({ raw: LM_ID_NEWLM }),
    file: fc.nat(FILE_PICKS - 2),
    mode: fc.constant(RTLD_NOW),
    lookup: fc.constant(null),
  });
  const crowd = fc.array(newlm, { minLength: 0, maxLength: 20, size: 'max' });
  const abstract = fc.oneof({ weight: 19, arbitrary: calls }, { weight: 1, arbitrary: fc.tuple(crowd, calls).map(([a, b]): AbstractCall[] => [...a, ...b]) });
  const concrete = (graph: DsoGraph, a: readonly AbstractCall[]): SpecRun => concretizeRun(opts.profile, graph, a, opts.system, opts.avoidKnownBugs ?? false);
  return fc.tuple(arbGraph({ ...opts, traced: opts.traced ?? opts.profile === 'glibc' }), abstract).map(([graph, a]) => {
    const run = concrete(graph, a);
    return { scenario: { graph, calls: run.steps.map((s) => s.call) }, run };
  });
}

/** Files a sequence may name: the graph's DSOs, a missing file, and libc. */
export function fileChoices(graph: DsoGraph): string[] {
  return [...graph.dsos.map((d) => d.name), MISSING_DSO, 'libc.so.6'];
}

/** Turn abstract picks into calls on live handles, dropping calls that have none to use. */
export function concretize(profile: Profile, graph: DsoGraph, abstract: readonly AbstractCall[], sys?: SystemDescription, avoidKnownBugs = false): Call[] {
  return concretizeRun(profile, graph, abstract, sys, avoidKnownBugs).steps.map((s) => s.call);
}

/** `concretize`, with the spec's run of the calls it makes: exactly what `runSpec` of them gives (generators/calls.test.ts). */
export function concretizeRun(profile: Profile, graph: DsoGraph, abstract: readonly AbstractCall[], sys?: SystemDescription, avoidKnownBugs = false): SpecRun {
  const described = sys ?? referenceSystem(profile === 'rtld-shared');
  // Avoiding known bugs is judging the release as it is (its modelled bugs followed); not avoiding them is --strict.
  const ctx: SpecContext = specContext(profile, graph, described, { strict: !avoidKnownBugs });
  const start = initialState(described.system, described.initial);
  let state = start;
  const steps: Step[] = [];
  const files = fileChoices(graph);
  // Files are mostly the graph's own DSOs; the missing file and libc are rarer picks.
  const file = (k: number) =>
    files[k < FILE_PICKS - 1 ? k % graph.dsos.length : k === FILE_PICKS - 1 ? files.length - 2 : files.length - 1] as string;
  const fns = graph.dsos.flatMap((d) => (d.fn !== undefined ? [d.fn] : []));
  // The process ended (a binding the loader could not make): nothing runs after it.
  const ended = () => steps.length > 0 && steps[steps.length - 1]!.expected.result.kind === 'fatal';
  /** Append `call` and advance the spec, unless it hits a known loader bug. */
  const push = (call: Call): void => {
    // The steps so far are the past calls a trigger reads (each its call and the state before it).
    if (avoidKnownBugs && knownBug(ctx, state, call, steps) !== undefined) return;
    let s = step(ctx, state, call, steps.length);
    // Code that unloads its own object returns into unmapped memory: a dlclose
    // whose caller does not survive it is made from the main program instead.
    if (call.op === 'dlclose' && call.caller !== undefined && !survives(state, s.after, call.caller)) {
      call = { op: 'dlclose', handle: call.handle };
      s = step(ctx, state, call, steps.length);
    }
    steps.push(s);
    state = s.after;
  };
  // PROC1: the program's start-up comes first when it needs test DSOs.
  if (programNeeded(graph).length > 0) push({ op: 'start' });
  for (const a of abstract) {
    if (ended()) break;
    const live = liveHandles(state);
    const callers = live.filter((h) => canCall(ctx, state, h));
    const pick = (xs: readonly number[], k: number) => xs[k % xs.length];
    const call: Call | undefined = match(a)
      .with({ op: 'dlmopen' }, (c): Call => ({ op: 'dlmopen', lmid: lmid(state, c.lmid), file: file(c.file), mode: c.mode }))
      .with({ op: 'dlopen' }, (c): Call => {
        const caller = c.caller === null ? undefined : pick(callers, c.caller);
        return caller === undefined ? { op: 'dlopen', file: file(c.file), mode: c.mode } : { op: 'dlopen', file: file(c.file), mode: c.mode, caller };
      })
      .with({ op: 'dlclose' }, (c): Call | undefined => {
        const handle = pick(live, c.handle);
        if (handle === undefined) return undefined;
        const caller = c.caller === null ? undefined : pick(callers, c.caller);
        return caller === undefined ? { op: 'dlclose', handle } : { op: 'dlclose', handle, caller };
      })
      .with({ op: 'dlsym' }, (c): Call | undefined => {
        const handle = pick(bySearchList(state, live), c.handle);
        return handle === undefined ? undefined : { op: 'dlsym', handle, symbol: symbolName(c.symbol) };
      })
      .with({ op: 'dlinfo' }, (c): Call | undefined => {
        const handle = pick(live, c.handle);
        return handle === undefined ? undefined : { op: 'dlinfo', handle };
      })
      .with({ op: 'reopen' }, (c): Call | undefined => {
        const handle = pick([...live].reverse(), c.handle);
        const e = handle === undefined ? undefined : handleEntry(state, handle);
        return e === undefined ? undefined : { op: 'dlmopen', lmid: e.ns, file: e.object, mode: c.mode };
      })
      .with({ op: 'dependency' }, (c): Call | undefined => {
        const deps = dependencyOnly(ctx, state);
        const e = deps[c.pick % Math.max(deps.length, 1)];
        return e === undefined ? undefined : { op: 'dlmopen', lmid: e.ns, file: e.object, mode: c.mode };
      })
      .with({ op: 'call' }, (c): Call | undefined => {
        // A handle whose search list holds a traced function, and mostly one of those functions.
        const traced = new Map(live.map((h) => [h, searchList(state, realEntry(state, handleEntry(state, h)!)).flatMap((e) => objectInfo(ctx, e.object)?.fn ?? [])]));
        const withFns = live.filter((h) => traced.get(h)!.length > 0);
        const handle = pick(withFns.length > 0 ? withFns : live, c.handle);
        if (handle === undefined || fns.length === 0) return undefined;
        const own = traced.get(handle)!;
        const symbol = c.symbol < 6 && own.length > 0 ? own[c.symbol % own.length] : fns[c.symbol % fns.length];
        return symbol === undefined ? undefined : { op: 'call', handle, symbol };
      })
      .with({ op: 'exit' }, (): Call => ({ op: 'exit' }))
      .exhaustive();
    if (call === undefined) continue;
    const index = steps.length;
    const before = state;
    push(call);
    const reopen = a.op === 'dlclose' ? a.reopen : null;
    const given = reopen === null ? undefined : givenSearchList(ctx, before, state);
    if (reopen !== null && given !== undefined) {
      const at = steps.length;
      push({ op: 'dlmopen', lmid: given.entry.ns, file: given.entry.object, mode: reopen });
      if (given.symbol !== undefined && handleEntry(state, at) !== undefined) push({ op: 'dlsym', handle: at, symbol: given.symbol });
    }
    // A lookup follows only an open that returned a handle; through an entry the close worker gave its list, one it misses if there is one.
    const opened = handleEntry(state, index);
    if ('lookup' in a && a.lookup !== null && opened !== undefined) {
      const missed = a.op === 'dependency' && opened.searchList === 'direct' ? deeperSymbol(ctx, state, opened) : undefined;
      push({ op: 'dlsym', handle: index, symbol: missed ?? symbolName(a.lookup) });
    }
  }
  return { ctx, initial: start, steps, final: state };
}

/** A concrete namespace argument: a `used` pick falls back to LM_ID_NEWLM when no secondary namespace is in use. */
function lmid(state: LoaderState, a: AbstractLmid): number {
  if ('raw' in a) return a.raw;
  const used = state.namespaces.flatMap((list, ns) => (ns > 0 && list.length > 0 ? [ns] : []));
  return used.length === 0 ? LM_ID_NEWLM : (used[a.used % used.length] as number);
}

/** Call indices whose handle's entry is still loaded, one per entry (the lowest). */
export function liveHandles(state: LoaderState): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const k of Object.keys(state.handles).map(Number).sort((a, b) => a - b)) {
    const e = handleEntry(state, k);
    if (e !== undefined && !seen.has(e.id)) {
      seen.add(e.id);
      out.push(k);
    }
  }
  return out;
}

/**
 * An entry a close gave a search list of its own (CLOSE5), if any, with a
 * symbol only its deeper dependencies define: the first that has one, else
 * the first.
 */
function givenSearchList(ctx: SpecContext, before: LoaderState, after: LoaderState): { entry: Entry; symbol: string | undefined } | undefined {
  const given = Object.values(after.entries)
    .filter((e) => e.searchList === 'direct' && before.entries[e.id]?.searchList === 'none')
    .map((entry) => ({ entry, symbol: deeperSymbol(ctx, after, entry) }));
  return given.find((g) => g.symbol !== undefined) ?? given[0];
}

/** A symbol that `entry`'s whole dependency tree defines but its search list does not reach. */
function deeperSymbol(ctx: SpecContext, state: LoaderState, entry: Entry): string | undefined {
  const defines = (e: Entry, sym: string) => objectInfo(ctx, realEntry(state, e).object)?.symbols.includes(sym) === true;
  const reached = searchList(state, entry);
  const whole = searchList(state, { ...entry, searchList: 'breadth-first' });
  return SYMBOLS.find((sym) => !reached.some((e) => defines(e, sym)) && whole.some((e) => defines(e, sym)));
}

/**
 * Real entries of the graph's DSOs that no call returned (loaded only as
 * dependencies): first those the close worker gave a search list (CLOSE5),
 * then the others, each in id order.
 */
function dependencyOnly(ctx: SpecContext, state: LoaderState): Entry[] {
  const returned = new Set(Object.values(state.handles));
  const deps = Object.values(state.entries).filter((e) => e.kind === 'real' && !e.startup && !returned.has(e.id) && ctx.world.graph.dsos.some((d) => d.name === e.object));
  return [...deps.filter((e) => e.searchList === 'direct'), ...deps.filter((e) => e.searchList !== 'direct')];
}

/** A symbol pick: one of SYMBOLS, or a name nothing defines. */
const symbolName = (k: number): string => SYMBOLS[k] ?? 'nosuchsym';

/** Handles ordered by the length of their search list, longest first (stable). */
function bySearchList(state: LoaderState, handles: readonly number[]): number[] {
  const length = new Map(handles.map((h) => [h, searchList(state, realEntry(state, handleEntry(state, h)!)).length]));
  return [...handles].sort((a, b) => length.get(b)! - length.get(a)!);
}

/** Whether the real entry behind handle `h` is still loaded after a step. */
function survives(before: LoaderState, after: LoaderState, h: number): boolean {
  const e = handleEntry(before, h);
  return e !== undefined && after.entries[realEntry(before, e).id] !== undefined;
}

/** A handle can make calls when its real object is a libc-linked test DSO (it has the entry points). */
function canCall(ctx: SpecContext, state: LoaderState, h: number): boolean {
  const e = handleEntry(state, h);
  if (e === undefined) return false;
  const dso = ctx.world.graph.dsos.find((d) => d.name === realEntry(state, e).object);
  return dso?.libc === true && objectInfo(ctx, dso.name)?.test === true;
}
