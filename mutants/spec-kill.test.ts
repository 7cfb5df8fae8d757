import { test as prop } from '@fast-check/vitest';
import { castDraft, type Draft } from 'immer';
import { describe, expect, test } from 'vitest';
import { arbScenario } from '../generators/calls.ts';
import { formatSequence, type Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import { LM_ID_BASE, LM_ID_NEWLM, RTLD_GLOBAL, RTLD_ISOLATE, RTLD_LAZY, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';
import type { ExpectedObservation, LifecycleEvent, Observation } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { compareObservation, formatNamespaces } from '../harness/compare.ts';
import { libcName, objectInfo, rtldName } from '../spec/context.ts';
import { produce } from 'immer';
import { appendEntry, draftEntry, newProxy } from './draft.ts';
import { initialState, referenceSystem } from '../spec/initial.ts';
import { checkInvariants, INVARIANTS } from '../spec/invariants.ts';
import { KNOWN_BUGS, knownBug } from '../generators/known-bugs.ts';
import { affects, loadersOf } from '../spec/loader-bugs.ts';
import { linearize } from '../adapters/linearize.ts';
import { parseProfile, PROFILES, type Profile } from '../spec/profile.ts';
import { runSpec, type SpecRun } from '../spec/run.ts';
import type { Step } from '../spec/step.ts';
import { searchList } from '../spec/sym.ts';
import { MODEL_MUTANTS } from './models.ts';
import { mutantOps, traceModel } from './mutant.ts';
import { dso, witnessDivergence } from './witness.ts';

/**
 * Spec-level tests that StrykerJS runs against each mutation of spec/
 * (stryker.vitest.config.ts): fast, fixed-seed, and aimed at what the rule
 * tables of properties/ leave open.
 */

describe('every model mutant is observably different from the spec on its witness', () => {
  test.each(MODEL_MUTANTS.map((m) => [m.name, m] as const))('%s', (_name, m) => {
    expect(witnessDivergence(m), `${m.name} behaves as the spec on\n${formatSequence(m.witness.calls)}`).not.toBeNull();
  });
});

/**
 * The invariant checker on each mutant's own trace of its witness: the
 * invariants it breaks are pinned (a checker that lets one through has lost
 * an invariant; one that flags more has grown a false alarm). An empty list
 * is a mutant whose deviation shows only in observations (results, events,
 * list order, error texts), which the differential judge checks.
 */
const FLAGGED_BY_INVARIANTS: Readonly<Record<string, readonly string[]>> = {
  // Audit mutants change what an auditor hears, no state.
  'audit-objclose-missing': [],
  'audit-delete-missing': [],
  'audit-proxy-objopen': [],
  'audit-proxy-in-ns0': [],
  'noload-loads': [],
  'reopen-not-counted': ['INV-COUNT'],
  'dtor-order-reversed': [],
  'ctor-order-reversed': [],
  'cycles-not-collected': ['INV-NO-GARBAGE'],
  'sorter-original': [],
  'force-first-dropped': [],
  'reldeps-ignored': [],
  'exit-order-reversed': [],
  'rollback-leaks-deps': ['INV-CTOR-ONCE', 'INV-NO-GARBAGE', 'LOAD4'],
  'global-accepted-ns': [],
  'newlm-highest-free': ['NS1'],
  'newlm-no-reuse': ['NS1'],
  'close-keeps-no-search-list': [],
  'dlsym-depth-first': [],
  'dso-nodelete-ignored': [],
  'rtld-nodelete-ignored': [],
  'empty-lmid-accepted': [],
  'missing-binding-accepted': [],
  'caller-ns-ignored': [],
  'close-unopened-ok': ['INV-COUNT'],
  'dlsym-handle-only': [],
  'lazy-as-now': [],
  'proxy-in-ns0': ['INV-ONE-ENTRY', 'S13'],
  'master-not-pinned': ['INV-MASTER-PINNED', 'INV-NO-GARBAGE', 'INV-SINGLE-MASTER', 'S13'],
  'last-proxy-unloads-master': ['INV-NODELETE-STAYS'],
  'unique-dep-not-proxied': [],
  'isolate-ignored': [],
  'shared-beats-isolate': [],
  'proxy-ctor': ['INV-CTOR-ONCE'],
  'dlsym-proxy-private': [],
  'demote-returns-real': [],
  'isolated-unique-reopened': [],
  'proxy-not-reused': ['INV-ONE-ENTRY'],
  'noload-shared-no-proxy': [],
  'global-accepted-shared': [],
  'dlinfo-proxy-master-ns': [],
  'unique-direct-not-proxied': [],
  'proxy-brings-deps': [],
};

describe('the invariant checker flags the mutants that break a state invariant', () => {
  test('every model mutant is in the table', () => expect(Object.keys(FLAGGED_BY_INVARIANTS).sort()).toEqual(MODEL_MUTANTS.map((m) => m.name).sort()));
  test.each(Object.entries(FLAGGED_BY_INVARIANTS))('%s', (name, rules) => {
    const m = MODEL_MUTANTS.find((x) => x.name === name)!;
    const { ctx, steps } = traceModel(m.profile, mutantOps(m), { dsos: m.witness.dsos }, m.witness.calls);
    const flagged = [...new Set(checkInvariants(ctx, steps).map((v) => v.rule))].sort();
    expect(flagged).toEqual([...rules].sort());
  });
});

// ------------------------------------------------------------------------
// Survivors of `npm run mutation` (StrykerJS over spec/), killed one by one.
// ------------------------------------------------------------------------

const A = dso('a');
const run = (profile: Profile, dsos: readonly Dso[], calls: readonly Call[]) => runSpec(profile, { dsos }, calls).steps;
const results = (profile: Profile, dsos: readonly Dso[], calls: readonly Call[]) => run(profile, dsos, calls).map((s) => s.expected.result);
const mopen = (lmid: number, file: string, mode: number = RTLD_NOW): Call => ({ op: 'dlmopen', lmid, file, mode });
const open = (file: string, mode: number = RTLD_NOW): Call => ({ op: 'dlopen', file, mode });
const close = (handle: number, caller?: number): Call => (caller === undefined ? { op: 'dlclose', handle } : { op: 'dlclose', handle, caller });

describe('error texts are glibc\'s own (spec/messages.ts)', () => {
  const err = (profile: Profile, dsos: readonly Dso[], calls: readonly Call[]) => {
    const r = results(profile, dsos, calls).at(-1)!;
    return r.kind === 'null' || r.kind === 'fail' ? r.error : `no error: ${JSON.stringify(r)}`;
  };
  test.each<[string, Profile, readonly Dso[], readonly Call[], string]>([
    ['RTLD_GLOBAL outside namespace 0', 'glibc', [A], [mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_GLOBAL)], 'invalid mode: Invalid argument'],
    ['no binding mode', 'glibc', [A], [open('liba.so', 0)], 'liba.so: invalid mode for dlopen(): Invalid argument'],
    ['a bit dlopen refuses', 'glibc', [A], [open('liba.so', RTLD_NOW | RTLD_SHARED)], 'invalid mode parameter'],
    ['an empty namespace', 'glibc', [A], [mopen(3, 'liba.so')], 'liba.so: invalid target namespace in dlmopen(): Invalid argument'],
    ['no such file', 'glibc', [A], [open('libnothere.so')], 'libnothere.so: cannot open shared object file: No such file or directory'],
    ['an undefined function under RTLD_NOW', 'glibc', [dso('a', { undefinedSymbol: 'nowhere' })], [open('liba.so')], 'liba.so: undefined symbol: nowhere'],
    ['dlsym of a name nobody defines', 'glibc', [A], [open('liba.so'), { op: 'dlsym', handle: 0, symbol: 'nosuch' }], 'liba.so: undefined symbol: nosuch'],
    ['closing an entry whose count is 0', 'glibc', [], [open('libc.so.6'), close(0), close(0)], 'libc.so.6: shared object not open'],
    ['demoting a real entry', 'rtld-shared', [A], [mopen(LM_ID_NEWLM, 'liba.so'), mopen(1, 'liba.so', RTLD_NOW | RTLD_SHARED)], 'liba.so: object cannot be demoted to a proxy: File exists'],
    ['a stale handle (spec only)', 'glibc', [A], [open('liba.so'), close(0), { op: 'dlsym', handle: 0, symbol: 'f0' }], 'dlmspec: h0 refers to an unloaded object (undefined behaviour on a real loader)'],
  ])('%s', (_what, profile, dsos, calls, text) => {
    expect(err(profile, dsos, calls)).toBe(text);
  });

  test('no more namespaces', () => {
    const calls = Array.from({ length: 16 }, () => mopen(LM_ID_NEWLM, 'liba.so'));
    expect(results('glibc', [A], calls).at(-1)).toEqual({ kind: 'null', error: 'liba.so: no more namespaces available for dlmopen(): Invalid argument' });
  });
});

describe('namespace arguments (NS3)', () => {
  test.each([-3, 16, 99, 1, 15])('dlmopen(%i, ...) into a namespace that is out of range or empty is refused', (lmid) => {
    expect(results('glibc', [A], [mopen(lmid, 'liba.so')])[0]).toEqual({ kind: 'null', error: 'liba.so: invalid target namespace in dlmopen(): Invalid argument' });
  });
  test('an explicit id of a namespace in use, and LM_ID_BASE, load there', () => {
    const r = results('glibc', [A, dso('b')], [mopen(LM_ID_NEWLM, 'liba.so'), mopen(1, 'libb.so'), mopen(LM_ID_BASE, 'libb.so')]);
    expect(r.map((x) => (x.kind === 'handle' ? x.ns : x))).toEqual([1, 1, 0]);
  });
});

describe('spec-only: calls on a stale handle change nothing (spec/step.ts)', () => {
  const stale = (h: number) => `dlmspec: h${h} refers to an unloaded object (undefined behaviour on a real loader)`;
  const setup: Call[] = [mopen(LM_ID_NEWLM, 'liba.so'), close(0)];
  test.each<[string, Call, object]>([
    ['dlclose', close(0), { kind: 'fail', error: stale(0) }],
    ['dlsym', { op: 'dlsym', handle: 0, symbol: 'f0' }, { kind: 'null', error: stale(0) }],
    ['dlinfo', { op: 'dlinfo', handle: 0 }, { kind: 'fail', error: stale(0) }],
    ['dlopen from its code', { op: 'dlopen', file: 'liba.so', mode: RTLD_NOW, caller: 0 }, { kind: 'null', error: stale(0) }],
    ['dlclose from its code', close(2, 0), { kind: 'fail', error: stale(0) }],
  ])('%s', (_op, call, want) => {
    const calls = call.op === 'dlclose' && 'caller' in call ? [...setup, open('liba.so'), call] : [...setup, call];
    const steps = run('glibc', [dso('a', { libc: true })], calls);
    const last = steps.at(-1)!;
    expect(last.expected.result).toEqual(want);
    expect(last.after).toBe(last.before);
  });
  test('a live handle is not stale: dlinfo says its namespace, dlopen from its code loads into that namespace', () => {
    const r = results('glibc', [dso('a', { libc: true }), dso('b')], [mopen(LM_ID_NEWLM, 'liba.so'), { op: 'dlinfo', handle: 0 }, { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW, caller: 0 }]);
    expect(r[1]).toEqual({ kind: 'lmid', lmid: 1 });
    expect(r[2]).toMatchObject({ kind: 'handle', ns: 1, object: 'libb.so' });
  });
});

describe('what an observation lists (spec/view.ts) and how one is judged (harness/compare.ts)', () => {
  test('every non-empty namespace, with its proxies marked; an emptied namespace is not listed', () => {
    const steps = run('rtld-shared', [A], [mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_SHARED), close(0)]);
    const startup = referenceSystem(true).initial[0]!.entries;
    expect(steps[0]!.expected.namespaces).toEqual([
      { ns: 0, entries: [...startup, { object: 'liba.so', proxy: false }] },
      { ns: 1, entries: [{ object: 'liba.so', proxy: true }] },
    ]);
    expect(steps[1]!.expected.namespaces).toEqual([{ ns: 0, entries: [...startup, { object: 'liba.so', proxy: false }] }]);
    expect(steps[1]!.expected.result).toEqual({ kind: 'ok' });
  });

  const ev = (event: 'ctor' | 'dtor', object: string, ns = 0): LifecycleEvent => ({ event, object, ns });
  const expected: ExpectedObservation = {
    result: { kind: 'handle', handle: 0, ns: 0, object: 'liba.so', proxy: false },
    events: [ev('ctor', 'libb.so'), ev('ctor', 'liba.so'), ev('ctor', 'libc.so')],
    order: [[0, 1]],
    namespaces: [{ ns: 0, entries: [{ object: 'liba.so', proxy: false }, { object: 'libb.so', proxy: true }] }],
  };
  const observed: Observation = { result: expected.result, events: expected.events, namespaces: expected.namespaces };

  test('the same observation conforms, whatever the key order of its result and the order of unconstrained events', () => {
    expect(compareObservation(expected, observed)).toBeNull();
    const reordered = { proxy: false, object: 'liba.so', ns: 0, handle: 0, kind: 'handle' } as const;
    expect(compareObservation(expected, { ...observed, result: reordered, events: [ev('ctor', 'libc.so'), ev('ctor', 'libb.so'), ev('ctor', 'liba.so')] })).toBeNull();
  });
  test('a different result', () => {
    expect(compareObservation(expected, { ...observed, result: { kind: 'null', error: null } })).toEqual({
      aspect: 'result',
      message: 'expected {"kind":"handle","handle":0,"ns":0,"object":"liba.so","proxy":false}, observed {"kind":"null","error":null}',
    });
  });
  test('different namespace lists', () => {
    expect(compareObservation(expected, { ...observed, namespaces: [{ ns: 0, entries: [{ object: 'liba.so', proxy: false }] }] })).toEqual({
      aspect: 'namespaces',
      message: 'expected ns0=[liba.so, libb.so(proxy)]; observed ns0=[liba.so]',
    });
    expect(formatNamespaces([{ ns: 3, entries: [] }])).toBe('ns3=[]');
  });
  test('different events', () => {
    expect(compareObservation(expected, { ...observed, events: [ev('ctor', 'libb.so'), ev('ctor', 'liba.so'), ev('dtor', 'libc.so', 2)] })).toEqual({
      aspect: 'events',
      message: 'expected {ctor liba.so@ns0, ctor libb.so@ns0, ctor libc.so@ns0}, observed {ctor liba.so@ns0, ctor libb.so@ns0, dtor libc.so@ns2}',
    });
  });
  test('events in an order the constraints forbid', () => {
    expect(compareObservation(expected, { ...observed, events: [ev('ctor', 'liba.so'), ev('ctor', 'libc.so'), ev('ctor', 'libb.so')] })).toEqual({
      aspect: 'event order',
      message: 'ctor libb.so@ns0 must run before ctor liba.so@ns0; observed ctor liba.so@ns0, ctor libc.so@ns0, ctor libb.so@ns0',
    });
  });
});

describe('the start-up state (spec/initial.ts) and the objects (spec/context.ts)', () => {
  test('the reference system of glibc 2.36 x86_64, with libc and ld.so UNIQUE under the RTLD_SHARED series', () => {
    for (const unique of [false, true]) {
      expect(referenceSystem(unique).system).toEqual([
        { name: '<main>', needed: ['libc.so.6'], unique: false, rtld: false },
        { name: 'linux-vdso.so.1', needed: [], unique: false, rtld: false },
        { name: 'libc.so.6', needed: ['ld-linux-x86-64.so.2'], unique, rtld: false },
        { name: 'ld-linux-x86-64.so.2', needed: [], unique, rtld: true },
      ]);
    }
  });
  test("start-up entries are namespace 0's real, never-unloaded entries, their DT_NEEDED resolved among themselves", () => {
    const { system, initial } = referenceSystem(false);
    const s = initialState(system, initial);
    const byName = (n: string) => Object.values(s.entries).find((e) => e.object === n)!;
    expect(Object.values(s.entries).every((e) => e.ns === 0 && e.kind === 'real' && e.startup && e.openCount === 0 && !e.nodelete && e.master === null)).toBe(true);
    expect(byName('<main>').deps).toEqual([byName('libc.so.6').id]);
    expect(byName('libc.so.6').deps).toEqual([byName('ld-linux-x86-64.so.2').id]);
    expect(byName('linux-vdso.so.1').deps).toEqual([]);
    expect(s.namespaces.length).toBe(16);
    expect(s.nextId).toBe(4);
    // An object the loader lists but describes nowhere needs nothing.
    expect(initialState(system, [{ ns: 0, entries: [{ object: 'libextra.so', proxy: false }] }]).entries[0]!.deps).toEqual([]);
    expect(() => initialState(system, [{ ns: 0, entries: [{ object: 'libc.so.6', proxy: true }] }])).toThrow('initial state: libc.so.6 in namespace 0 is a proxy');
  });
  test('a start-up proxy (a hello may list one) stands for a real entry of namespace 0, and only in another namespace', () => {
    const { system } = referenceSystem(true);
    const libc = { object: 'libc.so.6', proxy: false };
    const s = initialState(system, [{ ns: 0, entries: [libc] }, { ns: 1, entries: [{ object: 'libc.so.6', proxy: true }] }]);
    expect(s.entries[1]).toMatchObject({ ns: 1, kind: 'proxy', master: 0, deps: [], startup: true });
    // Even beside a real entry of the same name, namespace 0 holds no proxy (S1).
    expect(() => initialState(system, [{ ns: 0, entries: [libc, { object: 'libc.so.6', proxy: true }] }])).toThrow('initial state: libc.so.6 in namespace 0 is a proxy');
    // Nor does a proxy of an object namespace 0 does not hold stand for anything.
    expect(() => initialState(system, [{ ns: 0, entries: [libc] }, { ns: 1, entries: [{ object: 'libextra.so', proxy: true }] }])).toThrow(
      'initial state: libextra.so in namespace 1 is a proxy of nothing in namespace 0',
    );
  });
  test('the main program and the vdso are no files to open; a system object has no test symbols', () => {
    const ctx = { profile: 'glibc' as const, world: { graph: { dsos: [] }, system: referenceSystem(false).system } };
    expect(objectInfo(ctx, '<main>')).toBeUndefined();
    expect(objectInfo(ctx, 'linux-vdso.so.1')).toBeUndefined();
    expect(objectInfo(ctx, 'libc.so.6')).toEqual({ name: 'libc.so.6', needed: ['ld-linux-x86-64.so.2'], unique: false, nodelete: false, rtld: false, test: false, symbols: [], undefinedSymbol: undefined, fn: undefined, calls: [] });
    expect(libcName([{ name: 'notlibc.so.1', needed: [], unique: false, rtld: false }, { name: 'libc.so.6', needed: [], unique: false, rtld: false }])).toBe('libc.so.6');
    expect(libcName([])).toBe('libc.so.6');
    expect(rtldName(referenceSystem(false).system)).toBe('ld-linux-x86-64.so.2');
    expect(rtldName([])).toBeUndefined();
  });
  test("a run without a system description runs on its profile's reference system: libc UNIQUE only under rtld-shared", () => {
    expect(runSpec('glibc', { dsos: [] }, []).ctx.world.system).toEqual(referenceSystem(false).system);
    expect(runSpec('rtld-shared', { dsos: [] }, []).ctx.world.system).toEqual(referenceSystem(true).system);
  });
  test("a step's rules are those its implementing sites recorded", () => {
    const { steps } = runSpec('rtld-shared', { dsos: [A] }, [mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_SHARED), close(0)]);
    expect(steps[0]!.rules).toEqual(['LOAD2', 'LOAD3', 'NS1', 'S13', 'S2', 'S5']);
    expect(steps[1]!.rules).toEqual(['CLOSE1', 'S6']);
  });
  test('profiles', () => {
    expect(PROFILES).toEqual(['glibc', 'rtld-shared']);
    expect(parseProfile('glibc')).toBe('glibc');
    expect(parseProfile('rtld-shared')).toBe('rtld-shared');
    expect(() => parseProfile('musl')).toThrow('unknown profile "musl" (expected glibc or rtld-shared)');
  });
});

describe('loading and unloading details', () => {
  test('dlclose of a nodelete entry succeeds and changes nothing (CLOSE2)', () => {
    const s = run('glibc', [dso('a', { nodelete: true })], [open('liba.so'), close(0)]).at(-1)!;
    expect(s.expected.result).toEqual({ kind: 'ok' });
    expect(s.after).toBe(s.before);
  });
  test('with two undefined functions, the one of the object relocated first (the dependency) is reported (LOAD5)', () => {
    const r = results('glibc', [dso('a', { needed: ['b'], undefinedSymbol: 'ua' }), dso('b', { undefinedSymbol: 'ub' })], [open('liba.so')]);
    expect(r[0]).toEqual({ kind: 'null', error: 'libb.so: undefined symbol: ub' });
  });
  test('a proxy is never relocated: RTLD_NOW through a proxy of a lazily loaded master succeeds (S2, LOAD5)', () => {
    const r = results('rtld-shared', [dso('a', { undefinedSymbol: 'nowhere' })], [open('liba.so', RTLD_LAZY), mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_SHARED)]);
    expect(r[1]).toMatchObject({ kind: 'handle', ns: 1, proxy: true });
  });
  test('NS5 is libc itself getting a private copy, not any object whose name holds libc.so', () => {
    const [own] = run('glibc', [dso('xlibc')], [mopen(LM_ID_NEWLM, 'libxlibc.so', RTLD_NOW)]);
    expect(own!.expected.result).toMatchObject({ kind: 'handle', ns: 1 });
    expect(own!.rules).not.toContain('NS5');
    const [linked] = run('glibc', [dso('a', { libc: true })], [mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW)]);
    expect(linked!.rules).toContain('NS5');
  });
  test('constructors in the sorter\'s exact order, a dependency cycle included: one chain, the opened object last (LOAD3)', () => {
    const s = run('glibc', [dso('a', { needed: ['b'] }), dso('b', { needed: ['a', 'c'] }), dso('c', { needed: ['d'] }), dso('d')], [open('liba.so')])[0]!;
    expect(s.expected.events.map((e) => e.object)).toEqual(['libd.so', 'libc.so', 'libb.so', 'liba.so']);
    expect(s.expected.order).toEqual([[0, 1], [1, 2], [2, 3]]);
  });
});

describe('known loader bugs (generators/known-bugs.ts)', () => {
  const G = { dsos: [dso('a', { libc: true }), dso('b')] };
  test.each<[string, Call, string[]]>([
    ['refused mode bit, from code in ns 1', { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW | RTLD_SHARED, caller: 0 }, ['GLIBC-NS-DLOPEN-MODE']],
    ['RTLD_GLOBAL, from code in ns 1', { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW | RTLD_GLOBAL, caller: 0 }, ['GLIBC-NS-DLOPEN-GLOBAL']],
    ['refused mode bit, from code in ns 0', { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW | RTLD_SHARED, caller: 1 }, []],
    ['RTLD_GLOBAL, from code in ns 0', { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW | RTLD_GLOBAL, caller: 1 }, []],
    ['RTLD_GLOBAL, from the main program', open('libb.so', RTLD_NOW | RTLD_GLOBAL), []],
    ['a good mode, from code in ns 1', { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW, caller: 0 }, []],
    ['dlmopen', mopen(1, 'libb.so', RTLD_NOW | RTLD_GLOBAL), []],
    ['from a stale caller', { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW | RTLD_GLOBAL, caller: 7 }, []],
  ])('%s', (_what, call, want) => {
    // glibc 2.36 has both bugs (the refused mode bit's crash was fixed in 2.37).
    const ctx = runSpec('glibc', G, [], { ...referenceSystem(false), release: '2.36' }).ctx;
    const inNs1 = runSpec('glibc', G, [mopen(LM_ID_NEWLM, 'liba.so'), open('liba.so')]).final; // h0 in ns 1, h1 in ns 0
    expect(KNOWN_BUGS.filter((b) => affects(b, 'glibc', ctx.release ?? null) && b.triggers(ctx, inNs1, call, [])).map((b) => b.id)).toEqual(want);
    expect(knownBug(ctx, inNs1, call)?.id).toBe(want[0]);
  });
  test('each bug names its loader and says what happens', () => {
    for (const b of KNOWN_BUGS) {
      expect(loadersOf(b)).toMatch(/glibc|RTLD_SHARED/);
      expect(b.summary).toMatch(/crashes|diverges/);
    }
  });
});

describe('the invariant checker reports precisely', () => {
  test('what it says of each mutant, message by message', () => {
    const said = Object.fromEntries(
      MODEL_MUTANTS.map((m) => {
        const { ctx, steps } = traceModel(m.profile, mutantOps(m), { dsos: m.witness.dsos }, m.witness.calls);
        return [m.name, checkInvariants(ctx, steps).map((v) => `${v.step} ${v.rule}: ${v.message}`)];
      }),
    );
    expect(said).toMatchSnapshot();
  });
  test('an event that names no entry its call created or unloaded is flagged (INV-CTOR-ONCE)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('liba.so'), { op: 'dlsym', handle: 0, symbol: 'f0' }]);
    for (const event of ['ctor', 'dtor'] as const) {
      const broken = steps.map((s, i) => (i === 1 ? { ...s, expected: { ...s.expected, events: [{ event, object: 'libz.so', ns: 0 }] } } : s));
      expect(checkInvariants(ctx, broken).map((v) => v.message)).toContain('an event names no entry created or unloaded by its call');
    }
  });
  test('a failed dlopen that changed the state is flagged, a failed dlsym is not looked at (LOAD4)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('libnothere.so'), { op: 'dlsym', handle: 0, symbol: 'f0' }]);
    const changed = (s: Step): Step => ({ ...s, after: { ...s.after, nextId: s.after.nextId + 1 } });
    expect(checkInvariants(ctx, [changed(steps[0]!)]).map((v) => v.rule)).toEqual(['LOAD4']);
    expect(checkInvariants(ctx, [steps[0]!]).map((v) => v.rule)).toEqual([]);
  });

  const said = (ctx: SpecRun['ctx'], steps: readonly Step[]) => checkInvariants(ctx, steps).map((v) => `${v.step} ${v.rule}: ${v.message}`);
  const withAfter = (s: Step, recipe: (d: Draft<LoaderState>) => void): Step => ({ ...s, after: produce(s.after, recipe) });
  const idOf = (state: LoaderState, ns: number, object: string) => state.namespaces[ns]!.find((id) => state.entries[id]!.object === object)!;

  test('garbage is found in every namespace, the first secondary one included (INV-NO-GARBAGE)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [mopen(LM_ID_NEWLM, 'liba.so')]);
    const broken = withAfter(steps[0]!, (d) => void (d.entries[idOf(d, 1, 'liba.so')]!.openCount = 0));
    expect(said(ctx, [broken])).toContain('0 INV-NO-GARBAGE: liba.so@ns1 is unreachable but still loaded');
  });
  test('a dependency naming no entry is a missing dependency, not a crash (INV-CLOSURE)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [dso('a', { needed: ['b'] }), dso('b')] }, [open('liba.so')]);
    const broken = withAfter(steps[0]!, (d) => void (d.entries[idOf(d, 0, 'liba.so')]!.deps = [999]));
    expect(said(ctx, [broken])).toEqual(expect.arrayContaining(['0 INV-CLOSURE: liba.so@ns0 is missing a dependency of libb.so', '0 INV-NO-GARBAGE: libb.so@ns0 is unreachable but still loaded']));
  });
  test('a namespace holding an object twice is flagged, however long its list (INV-ONE-ENTRY)', () => {
    const deps = 'bdefhijklnopqrstuvw'.split('');
    const { ctx, steps } = runSpec('glibc', { dsos: [dso('a', { needed: deps }), ...deps.map((x) => dso(x))] }, [open('liba.so')]);
    expect(steps[0]!.after.namespaces[0]!.length).toBeGreaterThan(20);
    expect(said(ctx, steps)).toEqual([]);
    const broken = withAfter(steps[0]!, (d) => void d.namespaces[0]!.push(idOf(d, 0, 'libv.so')));
    expect(said(ctx, [broken])).toContain('0 INV-ONE-ENTRY: namespace 0 holds libv.so twice');
  });
  test('every constructor of a large load is accounted for, each to its own entry (INV-CTOR-ONCE)', () => {
    const deps = 'bdefhijklnop'.split('');
    const { ctx, steps } = runSpec('glibc', { dsos: [dso('a', { needed: deps }), ...deps.map((x) => dso(x))] }, [open('liba.so')]);
    expect(steps[0]!.expected.events.length).toBe(13);
    expect(said(ctx, steps)).toEqual([]);
    const s = steps[0]!;
    const dropped = { ...s, expected: { ...s.expected, events: s.expected.events.filter((e) => e.object !== 'libn.so'), order: [] } };
    expect(said(ctx, [dropped])).toEqual(['0 INV-CTOR-ONCE: libn.so@ns0 constructed 0 times']);
    const twice = { ...s, expected: { ...s.expected, events: [...s.expected.events, { event: 'ctor' as const, object: 'libl.so', ns: 0 }] } };
    expect(said(ctx, [twice])).toEqual(['0 INV-CTOR-ONCE: libl.so@ns0 constructed 2 times']);
  });
  test('an unload needs its destructor, and a destructed entry must stay unloaded (INV-CTOR-ONCE)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('liba.so'), close(0)]);
    const s = steps[1]!;
    expect(said(ctx, [steps[0]!, { ...s, expected: { ...s.expected, events: [] } }])).toEqual(['1 INV-CTOR-ONCE: liba.so@ns0 unloaded with 0 destructor runs']);
    const back: Step = { ...s, index: 2, before: s.after, after: steps[0]!.after, expected: { ...s.expected, events: [] } };
    expect(said(ctx, [...steps, back])).toContain('2 INV-CTOR-ONCE: liba.so@ns0 destructed while still loaded');
  });
  test('an unloaded start-up object is flagged, one the loader has no file for included (INV-NODELETE-STAYS)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('liba.so'), close(0)]);
    const vdso = idOf(steps[1]!.after, 0, 'linux-vdso.so.1');
    const broken = withAfter(steps[1]!, (d) => {
      delete d.entries[vdso];
      d.namespaces[0] = d.namespaces[0]!.filter((id) => id !== vdso);
    });
    expect(said(ctx, [steps[0]!, broken])).toEqual(['1 INV-NODELETE-STAYS: linux-vdso.so.1@ns0 was unloaded']);
  });
  test('proxies whose master is wrong: each invariant says what it sees (INV-SINGLE-MASTER, INV-MASTER-PINNED, S13)', () => {
    const { ctx, steps } = runSpec('rtld-shared', { dsos: [A, dso('b')] }, [mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_SHARED), mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_ISOLATE), open('libb.so')]); // ns2: a real copy of liba.so
    const last = steps[2]!;
    expect(said(ctx, steps)).toEqual([]);
    const proxy = idOf(last.after, 1, 'liba.so');
    const masterIs = (id: number, pin = false) =>
      said(ctx, [
        steps[0]!,
        steps[1]!,
        withAfter(last, (d) => {
          d.entries[proxy]!.master = id;
          if (pin && d.entries[id] !== undefined) d.entries[id]!.nodelete = true;
        }),
      ]);
    const single = '2 INV-SINGLE-MASTER: liba.so@ns1(proxy) does not point at the single namespace-0 copy';
    expect(masterIs(idOf(last.after, 2, 'liba.so'), true)).toEqual([single, '2 INV-MASTER-PINNED: master liba.so@ns2 of liba.so@ns1(proxy) is not pinned in namespace 0']);
    expect(masterIs(idOf(last.after, 0, 'libb.so'))).toEqual([
      single,
      '2 INV-MASTER-PINNED: master libb.so@ns0 of liba.so@ns1(proxy) is not pinned in namespace 0',
      '2 S13: liba.so@ns1(proxy) does not point at a real entry of its object',
    ]);
    expect(masterIs(proxy)).toEqual([single, '2 INV-MASTER-PINNED: master liba.so@ns1(proxy) of liba.so@ns1(proxy) is not pinned in namespace 0', '2 S13: liba.so@ns1(proxy) does not point at a real entry of its object']);
    expect(masterIs(999)).toEqual([single, '2 INV-MASTER-PINNED: liba.so@ns1(proxy) outlived its master', '2 S13: liba.so@ns1(proxy) does not point at a real entry of its object']);
    const noMasterCopy = withAfter(last, (d) => {
      const m = idOf(d, 0, 'liba.so');
      d.namespaces[0] = d.namespaces[0]!.filter((id) => id !== m);
    });
    expect(said(ctx, [steps[0]!, steps[1]!, noMasterCopy]).filter((m) => m.includes('INV-SINGLE-MASTER'))).toEqual([single]);
  });
  test('dependencies: in the namespace, of the object needed, in link order; the message lists what is needed (INV-CLOSURE)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [dso('a', { needed: ['b', 'd'] }), dso('b'), dso('d')] }, [open('liba.so'), mopen(LM_ID_NEWLM, 'liba.so')]);
    const s = steps[1]!;
    const depsAre = (deps: (d: Draft<LoaderState>) => number[]) => said(ctx, [steps[0]!, withAfter(s, (d) => void (d.entries[idOf(d, 1, 'liba.so')]!.deps = deps(d)))]).filter((m) => m.includes('INV-CLOSURE'));
    const missing = ['1 INV-CLOSURE: liba.so@ns1 is missing a dependency of libb.so, libd.so'];
    expect(depsAre((d) => [idOf(d, 1, 'libb.so'), idOf(d, 1, 'libd.so')])).toEqual([]);
    expect(depsAre((d) => [idOf(d, 0, 'libb.so'), idOf(d, 1, 'libd.so')])).toEqual(missing);
    expect(depsAre((d) => [idOf(d, 1, 'libd.so'), idOf(d, 1, 'libd.so')])).toEqual(missing);
    expect(depsAre((d) => [idOf(d, 1, 'libd.so'), idOf(d, 1, 'libb.so')])).toEqual(missing);
  });
  test('an entry of an object no file provides is checked, not a crash: it needs nothing and constructs nothing', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('liba.so')]);
    const ghost = withAfter(steps[0]!, (d) => {
      const id = d.nextId++;
      d.entries[id] = { ...d.entries[idOf(d, 0, 'liba.so')]!, id, object: 'libghost.so', openCount: 0, nodelete: true };
      d.namespaces[3]!.push(id);
    });
    expect(said(ctx, [ghost])).toEqual([]);
  });
  test('LOAD4 concerns dlopen and dlmopen: a failed one that changed the state is flagged, a failed dlsym is another matter', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [mopen(3, 'liba.so'), open('libnothere.so'), open('liba.so'), { op: 'dlsym', handle: 2, symbol: 'nosuch' }]);
    const changed = (s: Step): Step => ({ ...s, after: { ...s.after, nextId: s.after.nextId + 1 } });
    expect(steps.map((s) => s.expected.result.kind)).toEqual(['null', 'null', 'handle', 'null']);
    expect(said(ctx, [changed(steps[0]!)])).toEqual(['0 LOAD4: a failed open changed the state']);
    expect(said(ctx, [changed(steps[1]!)])).toEqual(['1 LOAD4: a failed open changed the state']);
    expect(said(ctx, [steps[0]!, steps[1]!, steps[2]!, changed(steps[3]!)])).toEqual([]);
  });
  test('a reordered namespace list is flagged with its number (LOAD2)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [mopen(LM_ID_NEWLM, 'liba.so'), open('liba.so')]);
    expect(said(ctx, [steps[0]!, withAfter(steps[1]!, (d) => void d.namespaces[0]!.reverse())])).toEqual(['1 LOAD2: namespace 0 was reordered']);
  });
  test('a constructor reported for a reopened entry names no entry its call created (INV-CTOR-ONCE)', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('liba.so'), open('liba.so')]);
    const s = steps[1]!;
    const ctor = { ...s, expected: { ...s.expected, events: [{ event: 'ctor' as const, object: 'liba.so', ns: 0 }] } };
    expect(said(ctx, [steps[0]!, ctor])).toEqual(['1 INV-CTOR-ONCE: an event names no entry created or unloaded by its call']);
  });
  test('entry ids at or past the state\'s nextId are counted like any other', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('liba.so'), { op: 'dlsym', handle: 0, symbol: 'f0' }]);
    const lagging = steps.map((s) => ({ ...s, before: { ...s.before, nextId: 4 }, after: { ...s.after, nextId: 4 } }));
    expect(lagging[0]!.after.entries[4]!.object).toBe('liba.so');
    expect(said(ctx, lagging)).toEqual([]);
  });
  test('a load that makes a master and its proxy, with many dependencies: every constructor counts for its own entry (S2, INV-CTOR-ONCE)', () => {
    const deps = 'bdefhijkl'.split('');
    const { ctx, steps } = runSpec('rtld-shared', { dsos: [dso('a', { needed: deps }), ...deps.map((x) => dso(x))] }, [mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_SHARED)]);
    const s = steps[0]!;
    expect(s.expected.namespaces.map((v) => v.entries.length)).toEqual([14, 1]);
    expect(said(ctx, steps)).toEqual([]);
    const bogus = { ...s, expected: { ...s.expected, events: [...s.expected.events, { event: 'ctor' as const, object: 'libz.so', ns: 0 }] } };
    expect(said(ctx, [bogus])).toEqual(['0 INV-CTOR-ONCE: an event names no entry created or unloaded by its call']);
  });
  test("each entry is read as its own object's, even under an id another object had before", () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [dso('a', { needed: ['b'] }), dso('b'), dso('d')] }, [open('liba.so'), { op: 'dlsym', handle: 0, symbol: 'f0' }]);
    const renamed = withAfter(steps[1]!, (d) => void (d.entries[idOf(d, 0, 'liba.so')]!.object = 'libd.so'));
    expect(said(ctx, [steps[0]!, { ...renamed, before: steps[0]!.after }]).filter((m) => m.includes('INV-CLOSURE'))).toEqual(['1 INV-CLOSURE: libd.so@ns0 is missing a dependency of ']);
  });
  test('a broken state is reported at every step that keeps it', () => {
    const { ctx, steps } = runSpec('glibc', { dsos: [A] }, [open('liba.so'), { op: 'dlsym', handle: 0, symbol: 'f0' }, { op: 'dlinfo', handle: 0 }]);
    const broken = withAfter(steps[0]!, (d) => void d.namespaces[0]!.push(idOf(d, 0, 'liba.so')));
    const kept = steps.slice(1).map((s) => ({ ...s, before: broken.after, after: broken.after }));
    expect(said(ctx, [broken, ...kept]).filter((m) => m.includes('INV-ONE-ENTRY'))).toEqual([0, 1, 2].map((i) => `${i} INV-ONE-ENTRY: namespace 0 holds liba.so twice`));
  });
});

describe('spec helpers other code builds on, and the rules they state', () => {
  const sys = referenceSystem(false);
  const start = () => initialState(sys.system, sys.initial);
  const entry = (id: number, object: string, ns: number, kind: 'real' | 'proxy' = 'real', deps: number[] = []): Entry => ({ id, object, ns, kind, master: null, deps, openCount: 1, nodelete: false, startup: false, searchList: 'none', scope: [], initfini: null, reldeps: [], bound: {} });

  test('a search list holds each entry once, the start included, even on a cycle back to it (SYM1)', () => {
    const a = entry(10, 'liba.so', 1, 'real', [11]);
    const b = entry(11, 'libb.so', 1, 'real', [10, 12]);
    const c = entry(12, 'libc.so.6', 1, 'real', [11]);
    const state = { ...start(), entries: { 10: a, 11: b, 12: c } };
    expect(searchList(state, a).map((e) => e.object)).toEqual(['liba.so', 'libb.so', 'libc.so.6']);
  });

  test("start-up DT_NEEDED: the first system object of a name gives them; a name nobody loaded resolves to nothing", () => {
    const system = [
      { name: '<main>', needed: ['libc.so.6', 'libgone.so.1'], unique: false, rtld: false },
      { name: 'libc.so.6', needed: [], unique: false, rtld: false },
      { name: '<main>', needed: [], unique: false, rtld: false },
    ];
    const s = initialState(system, [{ ns: 0, entries: [{ object: '<main>', proxy: false }, { object: 'libc.so.6', proxy: false }] }]);
    expect(s.entries[0]!.deps).toEqual([1]);
  });

  test('what a name opens: a test DSO before a system object of that name, and the first of each name', () => {
    const system = [
      { name: 'liba.so', needed: [], unique: false, rtld: true },
      { name: 'libsys.so.1', needed: ['libc.so.6'], unique: false, rtld: false },
      { name: 'libsys.so.1', needed: [], unique: true, rtld: false },
    ];
    const ctx = { profile: 'glibc' as const, world: { graph: { dsos: [dso('a', { symbols: ['f0'] }), dso('a')] }, system } };
    expect(objectInfo(ctx, 'liba.so')).toMatchObject({ test: true, rtld: false, symbols: ['f0'] });
    expect(objectInfo(ctx, 'libsys.so.1')).toMatchObject({ test: false, needed: ['libc.so.6'], unique: false });
  });

  test("libc is found by its name, whatever its version; a libc-linked DSO needs that name", () => {
    const libc7 = { name: 'libc.so.7', needed: [], unique: false, rtld: false };
    expect(libcName([libc7])).toBe('libc.so.7');
    const ctx = { profile: 'glibc' as const, world: { graph: { dsos: [dso('a', { libc: true })] }, system: [libc7] } };
    expect(objectInfo(ctx, 'liba.so')?.needed).toEqual(['libc.so.7']);
  });

  test('two namespaces print one after the other', () => {
    expect(formatNamespaces([{ ns: 0, entries: [{ object: 'liba.so', proxy: false }] }, { ns: 2, entries: [{ object: 'liba.so', proxy: true }] }])).toBe('ns0=[liba.so] ns2=[liba.so(proxy)]');
  });

  test('event order constraints that form a cycle are refused (LOAD3)', () => {
    const events: LifecycleEvent[] = [{ event: 'ctor', object: 'liba.so', ns: 0 }, { event: 'ctor', object: 'libb.so', ns: 0 }];
    expect(linearize({ events, order: [[1, 0]] })).toEqual([events[1], events[0]]);
    expect(() => linearize({ events, order: [[0, 1], [1, 0]] })).toThrow('internal: cyclic event order constraints');
  });

  test('a proxy is made only of a real entry of namespace 0 (S13)', () => {
    const s = start();
    const libc = s.namespaces[0]![2]!;
    const proxyOf = (master: Entry) => () => produce(s, (d) => void newProxy(d, 1, castDraft(master)));
    expect(() => proxyOf({ ...s.entries[libc]!, kind: 'proxy' })()).toThrow('internal: S13 proxy of a non-master');
    expect(() => proxyOf({ ...s.entries[libc]!, ns: 1 })()).toThrow('internal: S13 proxy of a non-master');
    const made = proxyOf(s.entries[libc]!)();
    expect(made.namespaces[1]).toEqual([s.nextId]);
    expect(made.entries[s.nextId]).toMatchObject({ object: 'libc.so.6', ns: 1, kind: 'proxy', master: libc, openCount: 0 });
    expect(made.entries[libc]!.nodelete).toBe(true);
  });

  test('draft helpers: appending takes the next id; no entry, no namespace are errors', () => {
    const s = start();
    const next = produce(s, (d) => {
      expect(appendEntry(d, { object: 'liba.so', ns: 3, kind: 'real', master: null }).id).toBe(s.nextId);
      expect(appendEntry(d, { object: 'libb.so', ns: 3, kind: 'real', master: null }).id).toBe(s.nextId + 1);
    });
    expect(next.nextId).toBe(s.nextId + 2);
    expect(next.namespaces[3]).toEqual([s.nextId, s.nextId + 1]);
    expect(() => produce(s, (d) => void draftEntry(d, 99))).toThrow('internal: no entry 99');
    expect(() => produce(s, (d) => void appendEntry(d, { object: 'liba.so', ns: 16, kind: 'real', master: null }))).toThrow('internal: no namespace 16');
  });
});

/** Every invariant after every step, as properties/invariants.test.ts checks it, on a smaller fixed-seed budget.
 * Last in the file: StrykerJS stops a mutant's run at its first failing test,
 * and the spot checks above fail in milliseconds. */
describe.each(PROFILES)('invariants hold after every step, fixed seed (%s)', (profile) => {
  prop.prop([arbScenario({ profile, maxCalls: 16 })], { numRuns: 150, seed: 4242 })('random sequences', ({ graph, calls }) => {
    const run = runSpec(profile, graph, calls);
    expect(checkInvariants(run.ctx, run.steps), formatSequence(calls)).toEqual([]);
  });
});
