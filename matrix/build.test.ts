/**
 * What a matrix cell says (matrix/build.ts), from runs made up to show each
 * case: a mode that cannot run is a finding of the matrix, not a harness
 * failure; a difference no rule names gets a row of its own; a modelled bug
 * and a range are told apart; a known bug's row says where it shows.
 */
import { describe, expect, test } from 'vitest';
import type { SweepResult } from '../harness/sweep.ts';
import { buildMatrix, type LoaderRun } from './build.ts';

const sweep = (over: Partial<SweepResult> = {}): SweepResult => ({
  format: 'dlmspec-sweep',
  specVersion: '1',
  impl: 'native',
  implOptions: {},
  implementation: 'glibc (test)',
  profile: 'glibc',
  release: '2.39',
  audit: false,
  seed: 1,
  runs: 10,
  shard: null,
  from: 0,
  to: 10,
  strict: false,
  maxCalls: 12,
  handshake: null,
  ran: 10,
  failedAtFirstCall: 0,
  rules: { NS1: { exercised: 5, failures: 0 }, AUD2: { exercised: 4, failures: 0 }, AUD5: { exercised: 3, failures: 0 } },
  bugs: {},
  findings: [],
  interrupted: false,
  ...over,
});

const loader = (label: string, release: string, over: Partial<LoaderRun> = {}): LoaderRun => ({
  label,
  dir: `../shared/loaders/glibc-${label}`,
  profile: 'glibc',
  release,
  implementation: `glibc ${release}`,
  plain: sweep({ release }),
  audit: sweep({ release, audit: true }),
  corpus: [],
  probe: null,
  ...over,
});

const cellOf = (m: ReturnType<typeof buildMatrix>, row: string, label: string) => {
  const r = m.groups.flatMap((g) => g.rows).find((x) => x.id === row)!;
  return r.cells[m.columns.findIndex((c) => c.label === label)]!;
};

describe('the cells of the matrix', () => {
  test('columns by release; a modelled bug is "known bug", the range after its fix "holds, since", a rule no step reached "not reached"', () => {
    const old = loader('2.39', '2.39', { audit: sweep({ release: '2.39', audit: true, bugs: { 'GLIBC-AUDIT-RTLD-STANDIN-SILENT': 4 } }) });
    const m = buildMatrix({ seed: 1, plainRuns: 10, auditRuns: 10, loaders: [loader('2.42', '2.42'), old] });
    expect(m.columns.map((c) => c.label)).toEqual(['2.39', '2.42']);
    expect(cellOf(m, 'AUD2', '2.39')).toMatchObject({ status: 'known-bug', links: [{ kind: 'bug', target: 'GLIBC-AUDIT-RTLD-STANDIN-SILENT' }] });
    expect(cellOf(m, 'AUD2', '2.42')).toMatchObject({ status: 'range', text: 'holds, since 2.41 (8f36b146)' });
    expect(cellOf(m, 'NS1', '2.42').status).toBe('holds');
    expect(cellOf(m, 'LOAD1', '2.42').status).toBe('not-reached');
    expect(cellOf(m, 'S2', '2.42').status).toBe('n/a');
    expect(m.columns.map((c) => c.verdict)).toEqual(['conforms', 'conforms']);
    expect(m.columns[0]!.knownBugs).toContain('GLIBC-AUDIT-RTLD-STANDIN-SILENT');
  });

  test('of a rule\'s several ranges the latest change names the cell; a known bug\'s range no step met says so', () => {
    const rules = { LOAD3: { exercised: 9, failures: 0 }, CLOSE3: { exercised: 9, failures: 0 } };
    const at = (v: string, bugs: Record<string, number> = {}) => loader(v, v, { plain: sweep({ release: v, rules, bugs }) });
    const m = buildMatrix({ seed: 1, plainRuns: 10, auditRuns: 10, loaders: [at('2.34'), at('2.36'), at('2.38', { 'GLIBC-DLCLOSE-FORCE-FIRST-ORDER': 2 }), at('2.42')] });
    // LOAD3: the DFS sorter (2.35, 15a0c5730d1d) and its force_first fix (2.37, 1df71d32fe5f).
    expect(cellOf(m, 'LOAD3', '2.42')).toMatchObject({ status: 'range', text: 'holds, since 2.37 (1df71d32)' });
    expect(cellOf(m, 'LOAD3', '2.34')).toMatchObject({ status: 'range', text: 'holds, up to 2.34' });
    expect(cellOf(m, 'LOAD3', '2.36')).toMatchObject({ status: 'range', text: 'holds, 2.35 to 2.36; GLIBC-DFS-FORCE-FIRST-ORDER not met' });
    expect(cellOf(m, 'CLOSE3', '2.38')).toMatchObject({ status: 'known-bug', links: [{ target: 'GLIBC-DLCLOSE-FORCE-FIRST-ORDER' }] });
    expect(cellOf(m, 'CLOSE3', '2.42')).toMatchObject({ status: 'range', text: 'holds, since 2.39 (849274d4)' });
  });

  test('a mode whose every sequence crashes at its first call, or whose driver does not start, is a "crashes" cell and the loader differs', () => {
    const dead = loader('2.34', '2.34', { audit: sweep({ release: '2.34', audit: true, ran: 10, failedAtFirstCall: 10 }) });
    const mute = loader('2.35', '2.35', { audit: sweep({ release: '2.35', audit: true, ran: 0, handshake: 'killed by SIGSEGV before its hello' }) });
    const m = buildMatrix({ seed: 1, plainRuns: 10, auditRuns: 10, loaders: [dead, mute] });
    expect(cellOf(m, 'RUN-AUDIT', '2.34')).toMatchObject({ status: 'crashes', detail: 'every sequence (10) fails at its first call' });
    expect(cellOf(m, 'AUD2', '2.35')).toMatchObject({ status: 'crashes', detail: expect.stringContaining('killed by SIGSEGV before its hello') });
    expect(cellOf(m, 'NS1', '2.34').status).toBe('holds');
    expect(m.columns.map((c) => c.verdict)).toEqual(['differs', 'differs']);
  });

  test('a difference its rule names diverges in that row; one no rule names gets a row of its own, one per difference, not per sequence', () => {
    const f = (key: string, failedRule: string | null, file: string) => ({ key, failedRule, kind: 'divergence' as const, aspect: 'namespaces', message: `m ${key}`, firstIndex: 3, occurrences: 7, rules: [], calls: 2, shrunk: true, file });
    const l = loader('2.36', '2.36', {
      plain: sweep({ release: '2.36', findings: [f('k1', null, 'a.counterexample.json'), f('k2', null, 'b.counterexample.json')] }),
      audit: sweep({ release: '2.36', audit: true, findings: [f('k3', 'AUD5', 'c.counterexample.json')] }),
    });
    const m = buildMatrix({ seed: 1, plainRuns: 10, auditRuns: 10, loaders: [l] });
    expect(cellOf(m, 'AUD5', '2.36')).toMatchObject({ status: 'diverges', links: [{ kind: 'finding', target: 'c.counterexample.json', loader: '2.36' }] });
    const diffs = m.groups.find((g) => g.title === 'Differences not explained yet')!.rows;
    expect(diffs.map((r) => r.cells[0]!.links[0]!.target)).toEqual(['a.counterexample.json', 'b.counterexample.json']);
    expect(m.columns[0]!.verdict).toBe('differs');
  });

  test('a known bug\'s row: known bug where its record names the loader and its corpus file diverges; fixed after; SHOWS or DOES NOT SHOW otherwise', () => {
    const replay = (verdict: 'diverges' | 'conforms') => [{ file: 'glibc-close-force-first.json', bug: 'GLIBC-CLOSE-FORCE-FIRST', audit: false, verdict, step: 1, message: verdict === 'diverges' ? 'x' : null }];
    const m = buildMatrix({
      seed: 1,
      plainRuns: 10,
      auditRuns: 10,
      loaders: [
        loader('2.36', '2.36', { corpus: replay('diverges') }),
        loader('2.37', '2.37', { corpus: replay('conforms') }),
        loader('2.35', '2.35', { corpus: replay('conforms') }),
        loader('2.38', '2.38', { corpus: replay('diverges') }),
      ],
    });
    expect(cellOf(m, 'GLIBC-CLOSE-FORCE-FIRST', '2.36')).toMatchObject({ status: 'known-bug', links: [{ kind: 'corpus', target: 'corpus/glibc-close-force-first.json' }] });
    expect(cellOf(m, 'GLIBC-CLOSE-FORCE-FIRST', '2.37')).toMatchObject({ status: 'not-affected', text: 'fixed (2.37)' });
    expect(cellOf(m, 'GLIBC-CLOSE-FORCE-FIRST', '2.35')).toMatchObject({ status: 'unexpected', text: 'DOES NOT SHOW' });
    expect(cellOf(m, 'GLIBC-CLOSE-FORCE-FIRST', '2.38')).toMatchObject({ status: 'unexpected', text: 'SHOWS' });
    expect(m.columns.map((c) => `${c.label} ${c.verdict}`)).toEqual(['2.35 differs', '2.36 conforms', '2.37 conforms', '2.38 differs']);
  });
});
