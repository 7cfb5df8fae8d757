/**
 * The regression corpus: every counterexample file of this directory is
 * replayed through the spec, which must still expect what it recorded at the
 * first divergence.
 *
 * Files whose profile is the one this machine's loader calls for, found on
 * that loader (same start-up objects), are also run on it. A sequence that
 * triggers a known loader bug (spec/known-bugs.ts) must still diverge at that
 * call: when it no longer does, the bug is fixed and the registry is out of
 * date. Any other sequence recorded a bug of the spec (or of the harness),
 * fixed since: the loader must now agree with the spec on every call.
 * Files of the other profile say what a loader of that profile must do;
 * nothing is asserted about this machine's loader for them.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { SystemInfo } from '../adapters/implementation.ts';
import { NativeImplementation } from '../adapters/native.ts';
import { profileFor } from '../cli/impl.ts';
import { formatSequence } from '../model/call.ts';
import type { ExpectedObservation, LifecycleEvent } from '../model/observation.ts';
import { readCounterexample } from '../harness/counterexample-file.ts';
import { judge } from '../harness/judge.ts';
import { knownBug } from '../generators/known-bugs.ts';
import { runSpec } from '../spec/run.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** Event order as constraints between event keys: the indices of `order` are not significant. */
function normalise(e: ExpectedObservation) {
  const key = (x: LifecycleEvent) => `${x.event} ${x.object}@ns${x.ns}`;
  return {
    result: e.result,
    namespaces: e.namespaces,
    events: e.events.map(key).sort(),
    order: e.order.map(([a, b]) => `${key(e.events[a]!)} < ${key(e.events[b]!)}`).sort(),
  };
}

let native: NativeImplementation | undefined;
let nativeInfo: Promise<SystemInfo | null> | undefined;
/** This machine's loader, or null where it cannot be built (no C compiler). */
function nativeLoader(): Promise<SystemInfo | null> {
  native ??= new NativeImplementation();
  nativeInfo ??= native.hello().catch(() => null);
  return nativeInfo;
}
afterAll(async () => native?.close());

test('the corpus is not empty', () => {
  expect(FILES.length).toBeGreaterThan(0);
});

describe.each(FILES)('%s', (name) => {
  test('the spec still expects what the file recorded', async () => {
    const c = await readCounterexample(join(DIR, name));
    const steps = runSpec(c.profile, c.graph, c.calls, c.system).steps;
    const f = c.finding;
    if (f.expected === null) return;
    const step = steps[f.step];
    expect(step, `no step ${f.step}`).toBeDefined();
    expect(normalise(step!.expected), formatSequence(c.calls)).toEqual(normalise(f.expected));
    // And the recorded observation is still a divergence from it.
    if (f.kind === 'divergence') expect(judge(steps.slice(0, f.step + 1), { status: 'ok', observations: [...steps.slice(0, f.step).map((s) => s.expected), f.observed!] })).not.toBeNull();
  });

  test("this machine's loader agrees, where the file is about it", async (ctx) => {
    const c = await readCounterexample(join(DIR, name));
    if (c.impl !== 'native') return ctx.skip();
    const info = await nativeLoader();
    if (info === null) return ctx.skip();
    const sameSystem = JSON.stringify(info.initial) === JSON.stringify(c.system.initial) && JSON.stringify(info.system) === JSON.stringify(c.system.system);
    if (!sameSystem || profileFor(info.system) !== c.profile) return ctx.skip();
    const run = runSpec(c.profile, c.graph, c.calls, c.system);
    const finding = judge(run.steps, await native!.run(c.graph, c.calls));
    const bugStep = run.steps.findIndex((s) => knownBug(run.ctx, s.before, s.call) !== undefined);
    if (bugStep < 0) {
      expect(finding, formatSequence(c.calls)).toBeNull();
    } else {
      const bug = knownBug(run.ctx, run.steps[bugStep]!.before, run.steps[bugStep]!.call)!;
      expect(finding?.step, `known loader bug ${bug.id} no longer shows at call ${bugStep}: fixed? update spec/known-bugs.ts`).toBe(bugStep);
    }
  });
});
