/**
 * [LOAD3][CLOSE3][PROC1][PROC2][PROC3][SYM3][SYM4] The spec predicts the
 * exact trace of every case of glibc's own DSO-sorting tests, both sorters,
 * at every release that carries each copy of them (dsosort/copies.ts): the
 * constructors at start-up and at each dlopen, each call's nested trace, the
 * destructors at each dlclose and at exit. A copy's expected outputs are
 * what that release printed (2.35's bz28937 line is the DFS sorter without
 * force_first, GLIBC-DFS-FORCE-FIRST-ORDER; 2.37's bz15311 line is dlclose
 * before 849274d48fc5, GLIBC-DLCLOSE-FORCE-FIRST-ORDER), so each copy is
 * judged at its own releases only.
 */
import { describe, expect, test } from 'vitest';
import { SpecImplementation } from '../adapters/spec.ts';
import { parseRelease, formatRelease } from '../model/release.ts';
import { referenceSystem } from '../spec/initial.ts';
import { readScenario } from '../scenarios/load.ts';
import { rowHolds, runHolds, runScenario } from '../scenarios/run.ts';
import { DSO_SORT_COPIES, copyOf, tablesOf } from './copies.ts';

/** Releases judged: each named one (2.40 too, of which no build is here) and master's snapshot. */
const RELEASES = ['2.35', '2.36', '2.37', '2.38', '2.39', '2.40', '2.41', '2.42', '2.42.9000'];

describe.each(DSO_SORT_COPIES.map((c) => [c.dir, c] as const))('%s', (_dir, copy) => {
  const releases = RELEASES.filter((r) => copyOf(parseRelease(r)) === copy);
  test('is the copy of the releases it says', () => expect(releases.length).toBeGreaterThan(0));
  test.each(releases)('every case\'s trace, as the spec predicts it at glibc %s', async (release) => {
    const broken: string[] = [];
    let cases = 0;
    for (const path of tablesOf(copy)) {
      const scenario = await readScenario(path);
      const impl = new SpecImplementation('glibc', { ...referenceSystem(false), release, ...(scenario.tunables !== undefined ? { tunables: scenario.tunables } : {}) });
      const run = await runScenario(impl, await impl.hello(), scenario);
      cases++;
      if (!runHolds(run)) broken.push(`${scenario.name}: ${run.rows.filter((r) => !rowHolds(r)).map((r) => `row ${r.index}: ${r.spec ?? r.table ?? r.finding?.message}`).join('; ')}`);
    }
    expect(cases).toBeGreaterThan(200);
    expect(broken, `glibc ${formatRelease(parseRelease(release))}`).toEqual([]);
  }, 600_000);
});

test('2.34 and the RTLD_SHARED series (2.34.9000) have no copy: the files came with 2.35', () => {
  expect(copyOf(parseRelease('2.34'))).toBeNull();
  expect(copyOf(parseRelease('2.34.9000'))).toBeNull();
  expect(copyOf(null)?.dir).toBe('glibc-2.42');
});
