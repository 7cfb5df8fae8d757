/**
 * The shipped scenario tables hold on the spec (one test per file), and the
 * format is strict: every malformed line is refused with its line number.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { rtldSharedLoader, sharedLoaders } from '../native/loaders.ts';
import { profileFor } from '../spec/profile.ts';
import { SpecImplementation } from '../adapters/spec.ts';
import { specCounterexample } from '../cli/fixtures.ts';
import { REPO, runMain } from '../cli/test-helpers.ts';
import { parseCall } from './c-call.ts';
import { formatScenario, scenarioOfCounterexample } from './format.ts';
import { readScenario, scenarioError } from './load.ts';
import { parseScenario } from './parse.ts';
import { runHolds, runScenario } from './run.ts';
import { shiftedForAudit } from './audit.ts';
import { knownBug } from '../generators/known-bugs.ts';
import { runSpec } from '../spec/run.ts';
import { withAuditor } from '../spec/audit.ts';
import { referenceSystem } from '../spec/initial.ts';
import { formatCall, type Call } from '../model/call.ts';
import { RTLD_ISOLATE, RTLD_NOLOAD, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';

/** Rows that departed from the spec, table or run (a known loader bug's call counts separately). */
const brokenRows = (run: Awaited<ReturnType<typeof runScenario>>) =>
  run.rows.filter((r) => r.spec !== null || r.table !== null || r.finding !== null).map((r) => `row ${r.index}: ${r.spec ?? r.table ?? r.finding?.message}`);

const DIR = join(REPO, 'scenarios');
const shipped = (sub: string) =>
  readdirSync(join(DIR, sub))
    .filter((f) => f.endsWith('.scenario'))
    .sort()
    .map((f) => join(DIR, sub, f));

describe('the series\' twelve tables, the worked examples and the glibc tables hold on the spec', () => {
  test('twelve series tables are shipped', () => expect(shipped('rtld-shared-series')).toHaveLength(12));
  test.each([...shipped('rtld-shared-series'), ...shipped('semantics'), ...shipped('glibc')].map((p) => [relative(REPO, p), p]))('%s', async (_name, path) => {
    const scenario = await readScenario(path);
    const impl = new SpecImplementation(scenario.profile);
    const run = await runScenario(impl, await impl.hello(), scenario);
    const broken = run.rows.filter((r) => r.spec !== null || r.table !== null || r.finding !== null).map((r) => `row ${r.index}: ${r.spec ?? r.table ?? r.finding?.message}`);
    expect(broken).toEqual([]);
    expect(runHolds(run)).toBe(true);
    // Every row of a series table states the series' expectation: its result and both namespaces.
    if (path.includes('rtld-shared-series')) expect(scenario.rows.filter((r) => r.expect?.result === undefined || r.expect.namespaces?.length !== 2).map((r) => r.line)).toEqual([]);
  });
});

// The glibc tables state what the loaders do where the brief says nothing or otherwise (CONFORMANCE.md).
// The glibc tables state what the loaders do where the brief says nothing or
// otherwise (CONFORMANCE.md); each runs under its own profile, so this
// machine's stock loader runs the glibc ones.
describe('[CLOSE5] the glibc tables (scenarios/glibc/) hold on this machine\'s loader and on the RTLD_SHARED build', () => {
  const series = rtldSharedLoader().options;
  const loaders = [['this machine', {}, ['glibc']] as const, ...(series === null ? [] : [['the RTLD_SHARED build', series, ['glibc', 'rtld-shared']] as const])];
  describe.each(loaders)('on %s', (_name, options, profiles) => {
    const impl = new NativeImplementation(options);
    afterAll(() => impl.close());
    const tables = shipped('glibc').map((p) => [relative(REPO, p), parseScenario(readFileSync(p, 'utf8'))] as const);
    test.each(tables.filter(([, t]) => (profiles as readonly string[]).includes(t.profile)))('%s', async (_file, scenario) => {
      const run = await runScenario(impl, await impl.hello(), scenario);
      expect(brokenRows(run)).toEqual([]);
      expect(runHolds(run)).toBe(true);
    }, 120_000);
  });
});

// Every shared loader (each release, master, the RTLD_SHARED build) runs the tables of its profile, judged at its own release.
const { loaders: SHARED_LOADERS } = sharedLoaders();
describe.skipIf(SHARED_LOADERS.length === 0).each(SHARED_LOADERS.map((l) => [l.label, l] as const))('[CLOSE5] the shipped tables of its profile hold on %s', (_label, loader) => {
  const impl = new NativeImplementation({ rtld: loader.rtld, libraryPath: loader.lib });
  afterAll(() => impl.close());
  const tables = [...shipped('glibc'), ...shipped('semantics'), ...shipped('rtld-shared-series')].map((p) => [relative(REPO, p), parseScenario(readFileSync(p, 'utf8'))] as const);
  test.for(tables)('%s', async ([, scenario], ctx) => {
    const info = await impl.hello();
    if (profileFor(info.system) !== scenario.profile) return ctx.skip(`a ${scenario.profile} table; ${loader.label} is a ${profileFor(info.system)} loader`);
    const run = await runScenario(impl, info, scenario);
    expect(brokenRows(run)).toEqual([]);
    expect(runHolds(run)).toBe(true);
  }, 120_000);
});

const shared = rtldSharedLoader();
if (shared.options === null) console.warn(`scenarios/scenarios.test.ts: the series' tables on a real RTLD_SHARED build skipped: ${shared.missing}`);

describe.skipIf(shared.options === null)('the series\' twelve tables hold on the real RTLD_SHARED build', () => {
  const impl = new NativeImplementation(shared.options ?? {});
  afterAll(() => impl.close());
  test.each(shipped('rtld-shared-series').map((p) => [relative(REPO, p), p]))('%s', async (_name, path) => {
    const scenario = await readScenario(path);
    const run = await runScenario(impl, await impl.hello(), scenario);
    const broken = run.rows.filter((r) => r.spec !== null || r.table !== null || r.finding !== null).map((r) => `row ${r.index}: ${r.spec ?? r.table ?? r.finding?.message}`);
    expect(broken).toEqual([]);
    expect(runHolds(run)).toBe(true);
  }, 120_000);
});

describe('the series\' twelve tables under an audit module, namespaces shifted by one (its tst-dlmopen-rtld-audit-* tests, EXPECTED_NS 2)', () => {
  test.each(shipped('rtld-shared-series').map((p) => [relative(REPO, p), p]))('on the spec: %s', async (_name, path) => {
    const scenario = shiftedForAudit(await readScenario(path));
    const impl = new SpecImplementation(scenario.profile, withAuditor(referenceSystem(true)));
    const run = await runScenario(impl, await impl.hello(), scenario);
    expect(brokenRows(run)).toEqual([]);
    expect(runHolds(run)).toBe(true);
  });
  describe.skipIf(shared.options === null)('on the real RTLD_SHARED build under dlmspec\'s audit module', () => {
    const impl = new NativeImplementation({ ...(shared.options ?? {}), audit: true });
    afterAll(() => impl.close());
    test.each(shipped('rtld-shared-series').map((p) => [relative(REPO, p), p]))('%s', async (_name, path) => {
      const scenario = shiftedForAudit(await readScenario(path));
      const info = await impl.hello();
      const run = await runScenario(impl, info, scenario);
      // Every row's own expectations hold; the audit report may depart only
      // at a call that triggers one of the build's known bugs (SHARED-AUDIT-*).
      expect(run.rows.filter((r) => r.spec !== null || r.table !== null).map((r) => `row ${r.index}: ${r.spec ?? r.table}`)).toEqual([]);
      if (run.finding !== null) {
        const spec = runSpec(scenario.profile, scenario.graph, scenario.rows.map((r) => r.call), info);
        const at = spec.steps[run.finding.step]!;
        const past = spec.steps.slice(0, run.finding.step).map((p) => ({ call: p.call, before: p.before }));
        expect(knownBug(spec.ctx, at.before, at.call, past)?.id ?? run.finding.message).toMatch(/^SHARED-AUDIT-/);
      }
    }, 120_000);
  });
});

const HEAD = 'scenario t\nprofile rtld-shared\ndso liba.so needs libb.so\ndso libu.so unique\n';

describe('rows are C calls as formatCall prints them', () => {
  const calls: Call[] = [
    { op: 'dlmopen', lmid: -1, file: 'liba.so', mode: RTLD_NOW | RTLD_SHARED },
    { op: 'dlopen', file: 'libu.so', mode: RTLD_NOW | RTLD_NOLOAD | 0x200 },
    { op: 'dlmopen', lmid: 3, file: 'liba.so', mode: RTLD_NOW | RTLD_ISOLATE },
    { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW, caller: 0 },
    { op: 'dlsym', handle: 0, symbol: 'f0' },
    { op: 'dlinfo', handle: 2 },
    { op: 'dlclose', handle: 0, caller: 2 },
  ];
  test.each(calls.map((c, i) => [formatCall(c, i), c, i] as const))('%s', (text, call, i) => {
    expect(parseCall(text, i)).toEqual(call);
  });
  test('the bare call, without `void *hK =` and `;`, is a row too', () => {
    expect(parseCall('dlmopen(LM_ID_BASE, "liba.so", RTLD_LAZY)', 0)).toEqual({ op: 'dlmopen', lmid: 0, file: 'liba.so', mode: 1 });
  });
});

describe('malformed files are refused with the line that is wrong', () => {
  test.each([
    ['unknown call', 'dlfoo("liba.so", RTLD_NOW)', 'line 5, column 1: unknown call "dlfoo"'],
    ['wrong handle name', 'void *h3 = dlopen("liba.so", RTLD_NOW);', 'line 5, column 7: row 0 returns h0, not h3'],
    ['unknown mode', 'dlopen("liba.so", RTLD_NOW | RTLD_FAST)', 'line 5, column 30: expected a mode'],
    ['unclosed string', 'dlopen("liba.so, RTLD_NOW)', 'line 5, column 8: a string must be closed'],
    ['escape in string', 'dlopen("lib\\x61.so", RTLD_NOW)', 'line 5, column 8: a string must be closed on the same line and hold no backslash'],
    ['trailing text', 'dlopen("liba.so", RTLD_NOW); system("x")', "line 5, column 30: unexpected 'system' after the call"],
    ['stale handle order', 'dlclose(h0);', 'line 5 (row 0): handle h0 is not an earlier call'],
    ['bad expectation', 'dlopen("liba.so", RTLD_NOW)\n  => maybe', 'line 6: unknown result "maybe"'],
    ['bad namespace', 'dlopen("liba.so", RTLD_NOW)\n  ns 16: liba.so', 'line 6: ns 16: namespaces are 0..15'],
    ['bad event', 'dlopen("liba.so", RTLD_NOW)\n  events: ctor liba.so', 'line 6: event "ctor liba.so": expected e.g.'],
    ['later handle', 'dlopen("liba.so", RTLD_NOW)\n  => h1 ns 0', 'line 5 (row 0): the result h1 names a later row'],
    ['bad dso word', 'dso libq.so shared\ndlopen("liba.so", RTLD_NOW)', 'line 5: dso libq.so: unknown word "shared"'],
    ['dso after a row', 'dlopen("liba.so", RTLD_NOW)\ndso libq.so', 'line 6: `dso` must come before the first row'],
  ])('%s', (_name, rows, message) => {
    const check = () => {
      const s = parseScenario(HEAD + rows + '\n');
      const p = scenarioError(s);
      if (p !== null) throw new Error(p);
    };
    expect(check).toThrow(message);
  });
  test('a file without a profile or without rows', () => {
    expect(() => parseScenario('scenario t\ndlopen("liba.so", RTLD_NOW)\n')).toThrow('no `profile glibc` or `profile rtld-shared` line');
    expect(() => parseScenario('scenario t\nprofile glibc\n')).toThrow('no rows');
  });
  test('DSOs named only in `needs` are declared with the defaults; `missing` makes a missing file', () => {
    const s = parseScenario(HEAD + 'missing libgone.so\ndso libm2.so needs libgone.so\ndlopen("liba.so", RTLD_NOW)\n');
    expect(s.graph.dsos.map((d) => d.name).sort()).toEqual(['liba.so', 'libb.so', 'libm2.so', 'libu.so']);
    expect(s.graph.dsos.find((d) => d.name === 'libu.so')).toMatchObject({ unique: true, libc: false, nodelete: false });
  });
});

describe('a row that does not hold is marked, for the spec and for the implementation', () => {
  const text = HEAD + 'void *h0 = dlmopen(LM_ID_NEWLM, "libu.so", RTLD_NOW);\n  => h0 ns 1 real\n  ns 0: -\n';
  test('a wrong expectation: the spec disagrees with the table', async () => {
    const impl = new SpecImplementation('rtld-shared');
    const run = await runScenario(impl, await impl.hello(), parseScenario(text));
    expect(run.rows[0]!.spec).toBe('result: expected h0 ns 1 real, got h0 ns 1 proxy libu.so');
    expect(runHolds(run)).toBe(false);
  });
  test('an implementation that departs from the spec: a finding at that row, and a counterexample', async () => {
    const good = text.replace('real', 'proxy').replace('ns 0: -', 'ns 0: libu.so\n  ns 1: libu.so(proxy)');
    const impl = new SpecImplementation('glibc');
    const run = await runScenario(impl, (await new SpecImplementation('rtld-shared').hello()), parseScenario(good));
    expect(run.rows[0]!.spec).toBeNull();
    expect(run.rows[0]!.table).toBe('result: expected h0 ns 1 proxy, got h0 ns 1 real libu.so');
    expect(run.rows[0]!.finding?.aspect).toBe('result');
    expect(run.counterexample?.finding.step).toBe(0);
  });
});

describe('conversion', () => {
  test('counterexample -> scenario text -> the same finding again', async () => {
    const c = await specCounterexample('glibc', 'rtld-shared');
    const text = formatScenario(scenarioOfCounterexample(c, 'from-ce'));
    const back = parseScenario(text);
    expect(scenarioError(back)).toBeNull();
    const run = await runScenario(new SpecImplementation('glibc', c.system), { implementation: 'x', ...c.system }, back);
    expect(run.counterexample?.finding).toEqual(c.finding);
    // The finding's row states the spec's expectation, which the implementation breaks.
    expect(run.rows[c.finding.step]!.table).not.toBeNull();
    expect(run.rows[c.finding.step]!.spec).toBeNull();
  });
  test('text -> parsed -> text is stable', async () => {
    for (const path of shipped('rtld-shared-series').slice(0, 3)) {
      const s = await readScenario(path);
      const again = parseScenario(formatScenario(s));
      const strip = (x: typeof s) => ({ ...x, rows: x.rows.map(({ line: _l, ...r }) => r) });
      expect(strip(again)).toEqual(strip(s));
    }
  });
});

describe('dlmspec run and convert', () => {
  test('a table that holds: exit 0, the table printed', async () => {
    const r = await runMain(['run', join(DIR, 'rtld-shared-series', 'tst-dlmopen-rtld-shared2.scenario'), '--impl', 'spec:rtld-shared']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('void *h1 = dlmopen(LM_ID_NEWLM, "libnorm.so", RTLD_NOW | RTLD_SHARED);  h1 ns 1 proxy libnorm.so');
    expect(r.stdout).toContain('CONFORMS: 1 scenario(s)');
  });
  test('stock glibc (its spec) breaks the series tables: exit 1, rows marked', async () => {
    const r = await runMain(['run', join(DIR, 'rtld-shared-series', 'tst-dlmopen-rtld-unique3.scenario'), '--impl', 'spec:glibc']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^> +0 +void \*h0/m);
    expect(r.stdout).toContain('DOES NOT HOLD: 1 of 1 rows');
  });
  test('bad input: exit 2, one line', async () => {
    const r = await runMain(['run', join(DIR, 'FORMAT.md')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const help = await runMain(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: dlmspec run');
    expect((await runMain(['convert', '--help'])).stdout).toContain('Usage: dlmspec convert');
  });
});
