/**
 * `--jobs`: the validation loop over a pool of native servers finds the same
 * as over one server (the same seed, the same findings, counterexamples,
 * shrinking, counts), and the servers share the work.
 */
import { afterAll, expect, test } from 'vitest';
import { backportRuns } from '../harness/backports.ts';
import { validate, type Validation } from '../harness/validate.ts';
import { findMutant } from '../mutants/index.ts';
import type { ShimMutant } from '../mutants/mutant.ts';
import { shimImplementation } from '../mutants/shims.ts';
import type { Implementation, RunOutcome } from './implementation.ts';
import { NativeImplementation } from './native.ts';
import { PooledImplementation } from './pool.ts';

/** Counts the runs a server makes. */
class Counting implements Implementation {
  runs = 0;
  constructor(private readonly inner: Implementation) {}
  get name() {
    return this.inner.name;
  }
  hello() {
    return this.inner.hello();
  }
  run(...args: Parameters<Implementation['run']>): Promise<RunOutcome> {
    this.runs++;
    return this.inner.run(...args);
  }
  close() {
    return this.inner.close();
  }
}

const open: Implementation[] = [];
afterAll(() => Promise.all(open.map((i) => i.close())));

/** What a report shows of a validation: everything but the times. */
function report(v: Validation) {
  const { elapsedMs: _e, results: _r, ...rest } = v;
  return rest;
}

async function twice(make: () => Promise<Implementation>, runs: number, seed: number, maxFindings: number) {
  const one = await make();
  open.push(one);
  const alone = await validate(one, { profile: 'glibc', runs, seed, maxFindings, avoidKnownBugs: true });
  const servers = [new Counting(await make()), new Counting(await make())];
  const pool = new PooledImplementation(servers);
  open.push(pool);
  const pooled = await validate(pool, { profile: 'glibc', runs, seed, maxFindings, avoidKnownBugs: true });
  return { alone, pooled, servers };
}

test('a conforming loader: the same report on two servers, the work shared, nothing run twice but the window', async () => {
  const { alone, pooled, servers } = await twice(async () => new NativeImplementation(), 120, 14, 1);
  expect(alone.counterexample).toBeNull();
  expect(report(pooled)).toEqual(report(alone));
  const total = servers[0]!.runs + servers[1]!.runs;
  // Besides the sequences, the backports of the loader's release are measured once (harness/backports.ts).
  expect(total).toBe(alone.executions + await backportRuns('glibc', (await servers[0]!.hello()).release, false));
  expect(Math.min(servers[0]!.runs, servers[1]!.runs)).toBeGreaterThan(total / 4);
});

test('a loader that deviates: the same findings, shrunk to the same counterexamples, with one server or two', async () => {
  const shim = findMutant('shim-global-stripped') as ShimMutant;
  const { alone, pooled, servers } = await twice(() => shimImplementation(shim), 150, 1, 2);
  expect(alone.findings.length).toBeGreaterThan(0);
  expect(report(pooled)).toEqual(report(alone));
  // Sequences run ahead of a failure are wasted, at most the window (4 per server).
  const measured = await backportRuns('glibc', (await servers[0]!.hello()).release, false);
  expect(servers[0]!.runs + servers[1]!.runs).toBeLessThanOrEqual(alone.executions + measured + 8 * alone.findings.length);
  expect(Math.min(servers[0]!.runs, servers[1]!.runs)).toBeGreaterThan(0);
});
