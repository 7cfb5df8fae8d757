/**
 * [LOAD3][CLOSE3][PROC1][PROC3] glibc's DSO-sorting tests on every shared
 * loader (../shared/loaders): its release's own copy of them (dsosort/
 * copies.ts) holds row by row, the exact expected traces included, and the
 * newest copy (shipped as the scenarios every release runs) agrees with the
 * spec at the loader's release, call by call. Each table runs on a driver
 * started with the table's tunables (glibc.rtld.dynamic_sort=1 or 2). A
 * divergence at a call that triggers a known loader bug of the release is
 * that bug: 2.35 and 2.36 (vanilla) meet GLIBC-CLOSE-FORCE-FIRST in the
 * newest copy's tst-bz28937, the test glibc wrote for it (bug 28937).
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import type { Implementation } from '../adapters/implementation.ts';
import { NativeImplementation } from '../adapters/native.ts';
import { loaderSystem } from '../harness/backports.ts';
import { inRange, parseRelease } from '../model/release.ts';
import { knownBug } from '../generators/known-bugs.ts';
import { runSpec, type SystemDescription } from '../spec/run.ts';
import { sharedLoaders, type LoaderDir } from '../native/loaders.ts';
import { readScenario } from '../scenarios/load.ts';
import { rowHolds, runScenario } from '../scenarios/run.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { copyOf, NEWEST, tablesOf } from './copies.ts';

const { loaders, missing } = sharedLoaders();
if (missing !== null) console.warn(`dsosort/loaders.test.ts: skipped: ${missing}`);

/** The original sorter over the 600 objects of tst-redhat-1162810 takes the loader most of a minute at start-up and exit. */
const TIMEOUT_MS = 300_000;
const opened: Implementation[] = [];
afterAll(() => Promise.all(opened.map((i) => i.close())));

/** The known loader bug (its ID) the spec says the call at `step` of a table triggers at the loader's release, if any. */
function knownBugAt(scenario: Scenario, system: SystemDescription, step: number): string | undefined {
  const spec = runSpec(scenario.profile, scenario.graph, scenario.rows.map((r) => r.call), system);
  const at = spec.steps[step];
  if (at === undefined) return undefined;
  return knownBug(spec.ctx, at.before, at.call, spec.steps.slice(0, step).map((p) => ({ call: p.call, before: p.before })))?.id;
}

/** The tables to run on a loader: its own copy's, stated in full, and the newest copy's others (spec agreement only); each table once. */
async function tablesFor(release: string | undefined): Promise<{ scenario: Scenario; own: boolean }[]> {
  const own = copyOf(release === undefined ? null : parseRelease(release));
  const paths = [...(own === null ? [] : tablesOf(own).map((p) => ({ p, own: true }))), ...(own === NEWEST ? [] : tablesOf(NEWEST).map((p) => ({ p, own: false })))];
  const seen = new Set<string>();
  const out: { scenario: Scenario; own: boolean }[] = [];
  for (const { p, own: isOwn } of paths) {
    const scenario = await readScenario(p);
    const key = createHash('sha256').update(JSON.stringify({ ...scenario, name: '', about: '', source: '', rows: scenario.rows.map((r) => r.call) })).digest('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ scenario, own: isOwn });
  }
  return out;
}

describe.skipIf(loaders.length === 0).each(loaders.map((l) => [l.label, l] as const))('on %s', (_label, loader: LoaderDir) => {
  test('its own copy holds row by row; the newest copy agrees with the spec at its release', async () => {
    const impls = new Map<string, { impl: Implementation; system: Awaited<ReturnType<typeof loaderSystem>> | null }>();
    const implFor = async (tunables: string | undefined) => {
      let o = impls.get(tunables ?? '');
      if (o === undefined) {
        const impl = new NativeImplementation({ rtld: loader.rtld, libraryPath: loader.lib, timeoutMs: TIMEOUT_MS, ...(tunables !== undefined ? { tunables } : {}) });
        opened.push(impl);
        o = { impl, system: null };
        impls.set(tunables ?? '', o);
      }
      o.system ??= await loaderSystem(o.impl, await o.impl.hello(), 'glibc');
      return o as { impl: Implementation; system: NonNullable<typeof o.system> };
    };
    const release = (await (await implFor(undefined)).impl.hello()).release;
    const broken: string[] = [];
    const met = new Set<string>();
    let own = 0;
    let newest = 0;
    for (const { scenario, own: isOwn } of await tablesFor(release)) {
      const { impl, system } = await implFor(scenario.tunables);
      const run = await runScenario(impl, await impl.hello(), scenario, 'glibc', system);
      if (isOwn) own++;
      else newest++;
      // A divergence at a call that triggers a known loader bug of this release (spec/loader-bugs.ts) is that bug, counted apart.
      const bug = run.finding === null ? undefined : knownBugAt(scenario, system, run.finding.step);
      if (bug !== undefined) met.add(`${bug} (${scenario.name})`);
      // Its own copy: every row (the loader, the spec and the table agree). The newest: the loader and the spec.
      const bad = (isOwn ? run.rows.filter((r) => !rowHolds(r)) : run.rows.filter((r) => r.finding !== null || r.observed === null)).filter((r) => bug === undefined || r.finding === null);
      if (bad.length > 0) broken.push(`${scenario.name}${isOwn ? '' : ' (newest copy)'}: ${bad.map((r) => `row ${r.index}: ${r.finding?.message ?? r.table ?? r.spec ?? 'not run'}`).join('; ')}`);
    }
    expect(own + newest).toBeGreaterThan(250);
    expect(broken, `glibc ${release}`).toEqual([]);
    // The newest copy's tst-bz28937 was written for bug 28937: on the releases that have it, it meets the premature unload.
    const expectBug = release !== undefined && inRange(parseRelease(release), { from: '2.35', until: '2.37' });
    expect([...new Set([...met].map((m) => m.split(' ')[0]))], [...met].join('; ')).toEqual(expectBug ? ['GLIBC-CLOSE-FORCE-FIRST'] : []);
  }, 1_800_000);
});
