/**
 * [LOAD3][PROC3] How the program is started decides the DFS order around
 * it, on this machine's loader: glibc's tst-dso-ordering10 (the program's
 * own DT_SONAME closes a DT_NEEDED cycle through it), run once exec'd (its
 * PT_INTERP, as any program is started) and once as `ld.so PROGRAM` (as
 * glibc's tests run it, and the harness runs a loader it is given with
 * --rtld). elf/rtld.c marks the program's map `l_main_map` only in the
 * second case, and the DFS sorter walks into an unmarked one: the exit
 * order differs, and the spec predicts both (spec/sorter.ts mainMapMarked).
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { compareReleases, parseRelease } from '../model/release.ts';
import { readScenario } from '../scenarios/load.ts';
import { runScenario } from '../scenarios/run.ts';
import { DSO_SORT_DIR } from './copies.ts';
import { join } from 'node:path';

/** The machine's own ld.so (x86-64), run explicitly on the program. */
const SYSTEM_RTLD = '/lib64/ld-linux-x86-64.so.2';
const TABLE = join(DSO_SORT_DIR, 'glibc-2.42', 'tst-dso-ordering10-glibc.rtld.dynamic_sort_2.scenario');

const exec = new NativeImplementation({ tunables: 'glibc.rtld.dynamic_sort=2' });
const explicit = new NativeImplementation({ rtld: SYSTEM_RTLD, tunables: 'glibc.rtld.dynamic_sort=2' });
afterAll(() => Promise.all([exec.close(), explicit.close()]));

describe.skipIf(!existsSync(SYSTEM_RTLD))('tst-dso-ordering10 (dynamic_sort=2) on this machine\'s loader', () => {
  test('exec\'d and as ld.so PROGRAM: the loader says which in its hello, the spec agrees with it both ways, and the exit orders differ', async () => {
    const release = (await exec.hello()).release;
    // The DFS sorter (and l_main_map) came with 2.35.
    if (release === undefined || compareReleases(parseRelease(release), parseRelease('2.35')) < 0) return;
    const scenario = await readScenario(TABLE);
    const exitTrace = (run: Awaited<ReturnType<typeof runScenario>>) => run.rows.at(-1)!.observed?.events.map((e) => e.object).join(' ');
    expect((await exec.hello()).programStart).toBe('exec');
    expect((await explicit.hello()).programStart).toBe('ld.so');
    const direct = await runScenario(exec, await exec.hello(), scenario);
    const viaRtld = await runScenario(explicit, await explicit.hello(), scenario);
    expect(direct.finding).toBeNull();
    expect(viaRtld.finding).toBeNull();
    // glibc's expected output (`<a<b`) is what its tests saw, run as ld.so PROGRAM.
    expect(exitTrace(viaRtld)).toBe('liba.so libb.so');
    expect(exitTrace(direct)).toBe('libb.so liba.so');
  }, 120_000);
});
