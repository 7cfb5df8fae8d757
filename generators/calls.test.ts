import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import { LM_ID_NEWLM, RTLD_ISOLATE, RTLD_NOW } from '../model/mode.ts';
import { realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { referenceSystem } from '../spec/initial.ts';
import { runSpec } from '../spec/run.ts';
import type { Step } from '../spec/step.ts';
import { arbCheckedScenario, arbScenario, concretize, type AbstractCall, type CheckedScenario } from './calls.ts';

const dso = (name: string, more: Partial<Dso> = {}): Dso => ({ name, needed: [], unique: false, nodelete: false, libc: false, symbols: [], ...more });
/** File pick 14 (FILE_PICKS - 1) names the missing file. */
const MISSING_FILE = 14;
const mopen = (file: number, mode: number, lookup: number | null = null): AbstractCall => ({ op: 'dlmopen', lmid: { raw: LM_ID_NEWLM }, file, mode, lookup });

/** Whether a dlsym step's answer depends on search order: depth-first from the handle would find another definition. */
function orderMatters(graph: DsoGraph, s: Step): boolean {
  if (s.call.op !== 'dlsym' || s.expected.result.kind !== 'symbol') return false;
  const { symbol } = s.call;
  const state: LoaderState = s.before;
  const seen = new Set<number>();
  const visit = (e: Entry): Entry | undefined => {
    if (seen.has(e.id)) return undefined;
    seen.add(e.id);
    const real = realEntry(state, e);
    if (graph.dsos.find((d) => d.name === real.object)?.symbols.includes(symbol)) return real;
    for (const d of e.deps) {
      const found = visit(state.entries[d]!);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const handle = state.entries[state.handles[s.call.handle]!]!;
  return visit(realEntry(state, handle))?.object !== s.expected.result.object;
}

describe('concretize', () => {
  test('reopen: the object of a live handle, opened again in that handle\'s namespace', () => {
    const graph = { dsos: [dso('liba.so', { unique: true })] };
    const calls = concretize('rtld-shared', graph, [mopen(0, RTLD_NOW | RTLD_ISOLATE), { op: 'reopen', handle: 0, mode: RTLD_NOW }]);
    expect(calls[1]).toEqual({ op: 'dlmopen', lmid: 1, file: 'liba.so', mode: RTLD_NOW });
    expect(runSpec('rtld-shared', graph, calls).steps[1]!.rules).toContain('S10');
  });

  test('a lookup follows an open only when the open returned a handle', () => {
    const graph = { dsos: [dso('liba.so', { symbols: ['f0'] })] };
    const calls = concretize('glibc', graph, [mopen(MISSING_FILE, RTLD_NOW, 0), mopen(0, RTLD_NOW, 0)]);
    expect(calls.map((c) => c.op)).toEqual(['dlmopen', 'dlmopen', 'dlsym']);
    expect(calls[2]).toEqual<Call>({ op: 'dlsym', handle: 1, symbol: 'f0' });
  });
});

describe('arbScenario frequencies', () => {
  const sample = (profile: 'glibc' | 'rtld-shared') =>
    fc.sample(arbScenario({ profile }), { numRuns: 2000, seed: 11 }).map((s) => ({ ...s, steps: runSpec(profile, s.graph, s.calls).steps }));

  test('glibc: lookups whose answer depends on breadth-first order (SYM1) in more than 1% of sequences', () => {
    const hits = sample('glibc').filter((s) => s.steps.some((st) => orderMatters(s.graph, st)));
    expect(hits.length / 2000).toBeGreaterThan(0.01);
  });

  test('rtld-shared: RTLD_ISOLATE in about a fifth of opens, and S10 reached in more than 1% of sequences', () => {
    const scenarios = sample('rtld-shared');
    const opens = scenarios.flatMap((s) => s.calls.filter((c) => c.op === 'dlopen' || c.op === 'dlmopen'));
    expect(opens.filter((c) => c.mode & RTLD_ISOLATE).length / opens.length).toBeGreaterThan(0.15);
    const s10 = scenarios.filter((s) => s.steps.some((st) => st.rules.includes('S10')));
    expect(s10.length / scenarios.length).toBeGreaterThan(0.01);
  });

  test('glibc: lookups through a search list the close worker made (CLOSE5) in at least 0.5% of sequences, opens of dependency-only entries in 5%', () => {
    const scenarios = sample('glibc');
    const direct = scenarios.filter((s) =>
      s.steps.some((st) => {
        if (st.call.op !== 'dlsym') return false;
        const e = st.before.entries[st.before.handles[st.call.handle]!];
        return e !== undefined && realEntry(st.before, e).searchList === 'direct';
      }),
    );
    expect(direct.length / scenarios.length).toBeGreaterThanOrEqual(0.005);
    const dependencyOpens = scenarios.filter((s) =>
      s.steps.some((st) => {
        const c = st.call;
        if (c.op !== 'dlopen' && c.op !== 'dlmopen') return false;
        return st.expected.result.kind === 'handle' && Object.values(st.before.entries).some((e) => e.object === c.file && !e.startup && e.searchList !== 'breadth-first');
      }),
    );
    expect(dependencyOpens.length / scenarios.length).toBeGreaterThan(0.05);
  });
});

describe('the spec run made while generating', () => {
  test.each(['glibc', 'rtld-shared'] as const)('is what runSpec gives for the calls generated (%s)', (profile) => {
    const system = referenceSystem(profile === 'rtld-shared');
    for (const opts of [{ profile }, { profile, system, avoidKnownBugs: true }]) {
      for (const { scenario, run } of fc.sample(arbCheckedScenario(opts), { seed: 11, numRuns: 300 })) {
        expect(run.steps.map((s) => s.call)).toEqual(scenario.calls);
        const again = runSpec(profile, scenario.graph, scenario.calls, opts.system);
        expect(run.initial).toEqual(again.initial);
        expect(run.steps).toEqual(again.steps);
        expect(run.final).toEqual(again.final);
      }
    }
  });
});
