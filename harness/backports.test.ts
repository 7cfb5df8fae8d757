import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { sharedLoaders } from '../native/loaders.ts';
import { runSpec } from '../spec/run.ts';
import { backportCandidates, loaderSystem, measureBackports } from './backports.ts';
import { readCounterexample } from './counterexample-file.ts';
import { judge } from './judge.ts';

/**
 * A release branch's backport is measured on the loader, not read from its
 * version: the build of 2.37 (which has the fix of bug 28937) judged as 2.36
 * carries "the backport"; the build of 2.36 does not.
 */
describe('backportCandidates', () => {
  test('modelled bugs of the release with a backport somewhere; an audit bug only for a run under the audit module', () => {
    expect(backportCandidates('glibc', '2.36', false)).toEqual(['GLIBC-DFS-FORCE-FIRST-ORDER']);
    expect(backportCandidates('glibc', '2.37', false)).toEqual([]);
    expect(backportCandidates('glibc', '2.34', false)).toEqual([]);
    expect(backportCandidates('glibc', '2.34', true)).toEqual(['GLIBC-AUDIT-EXIT-NO-ACTIVITY', 'GLIBC-AUDIT-EXIT-STANDIN-SILENT']);
    expect(backportCandidates('glibc', '2.39', true)).toEqual(['GLIBC-AUDIT-EXIT-STANDIN-SILENT']);
    expect(backportCandidates('glibc', undefined, false)).toEqual([]);
  });
});

const { loaders } = sharedLoaders();
const at = (v: string) => loaders.find((l) => l.label === v);
const opened: NativeImplementation[] = [];
afterAll(() => Promise.all(opened.map((o) => o.close())));

describe.skipIf(at('2.36') === undefined || at('2.37') === undefined)('measured on the shared builds', () => {
  const impl = (v: string) => {
    const l = at(v)!;
    const i = new NativeImplementation({ rtld: l.rtld, libraryPath: l.lib });
    opened.push(i);
    return i;
  };
  test('2.37 judged as 2.36 has the fix of GLIBC-DFS-FORCE-FIRST-ORDER; 2.36 has not', async () => {
    const fixed = impl('2.37');
    const released = impl('2.36');
    expect(await measureBackports(fixed, await fixed.hello(), 'glibc', '2.36')).toEqual(['GLIBC-DFS-FORCE-FIRST-ORDER']);
    expect(await measureBackports(released, await released.hello(), 'glibc', '2.36')).toEqual([]);
  });

  test('the spec judges a loader with the backport as the fixed releases: the bug\'s own file conforms', async () => {
    const fixed = impl('2.37');
    const system = await loaderSystem(fixed, await fixed.hello(), 'glibc', '2.36');
    expect(system.backports).toEqual(['GLIBC-DFS-FORCE-FIRST-ORDER']);
    const c = await readCounterexample(new URL('../corpus/glibc-dfs-force-first-order.json', import.meta.url).pathname);
    const steps = runSpec('glibc', c.graph, c.calls, system).steps;
    expect(steps.flatMap((s) => s.bugs)).toEqual([]);
    expect(judge(steps, await fixed.run(c.graph, c.calls))).toBeNull();
  });
});
