/**
 * The driver's two ways of finding namespaces (native/observe.c) on the same
 * random sequences: the public walk (the default, any glibc with dlmopen)
 * and the r_debug_extended chain (DLMSPEC_OBSERVE=debug). On this machine's
 * stock glibc they must agree call by call. On the RTLD_SHARED series build
 * they differ exactly where the build's debugger interface misses a
 * namespace made only of proxies (SHARED-RDEBUG-PROXY-NS in CONFORMANCE.md):
 * the test expects that bug to show, so a fixed build is noticed.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import type { RunOutcome } from '../adapters/implementation.ts';
import { NativeImplementation, type NativeOptions } from '../adapters/native.ts';
import { formatSequence } from '../model/call.ts';
import type { NamespaceView } from '../model/observation.ts';
import { arbScenario, type Scenario } from '../generators/calls.ts';
import type { Profile } from '../spec/profile.ts';
import { rtldSharedLoader } from './loaders.ts';

const RUNS = Number(process.env.DLMSPEC_WALK_RUNS ?? 150);
const SEED = 20261202;

async function scenarios(impl: NativeImplementation, profile: Profile): Promise<Scenario[]> {
  const info = await impl.hello();
  const system = { system: info.system, initial: info.initial };
  return fc.sample(arbScenario({ profile, system, avoidKnownBugs: true }), { numRuns: RUNS, seed: SEED });
}

/** Both walks of one loader, side by side. */
function walks(options: NativeOptions) {
  const pub = new NativeImplementation({ ...options, env: { ...options.env, DLMSPEC_OBSERVE: 'public' } });
  const dbg = new NativeImplementation({ ...options, env: { ...options.env, DLMSPEC_OBSERVE: 'debug' } });
  return { pub, dbg, close: () => Promise.all([pub.close(), dbg.close()]) };
}

/** A namespace whose entries are all proxies. */
const proxiesOnly = (v: NamespaceView) => v.entries.length > 0 && v.entries.every((e) => e.proxy);

describe("this machine's glibc: the public walk and the r_debug_extended walk", () => {
  const w = walks({});
  afterAll(() => w.close());

  test(`see the same on ${RUNS} random sequences`, async () => {
    expect((await w.pub.hello()).implementation).toMatch(/public walk/);
    expect((await w.dbg.hello()).implementation).toMatch(/r_debug walk/);
    for (const s of await scenarios(w.pub, 'glibc')) {
      const [a, b] = await Promise.all([w.pub.run(s.graph, s.calls), w.dbg.run(s.graph, s.calls)]);
      expect(a, formatSequence(s.calls)).toEqual(b);
    }
  }, 600_000);
});

const shared = rtldSharedLoader();
if (shared.options === null) console.warn(`native/observe.test.ts: RTLD_SHARED build tests skipped: ${shared.missing}`);

describe.skipIf(shared.options === null)('the RTLD_SHARED series build: the public walk and the r_debug_extended walk', () => {
  const w = walks(shared.options ?? {});
  afterAll(() => w.close());

  test(`differ only by namespaces made of proxies, which the build's debugger interface misses (${RUNS} random sequences)`, async () => {
    let missed = 0;
    for (const s of await scenarios(w.pub, 'rtld-shared')) {
      const [a, b] = (await Promise.all([w.pub.run(s.graph, s.calls), w.dbg.run(s.graph, s.calls)])) as [RunOutcome, RunOutcome];
      expect(a.status, formatSequence(s.calls)).toBe('ok');
      // A handle whose namespace the debug walk cannot see looks unloaded to
      // it, and the driver refuses a later call on it: compare what it saw.
      if (b.status !== 'ok') {
        expect(b.status, formatSequence(s.calls)).toBe('protocol-error');
        missed++;
      }
      b.observations.forEach((p, i) => {
        const o = a.observations[i]!;
        // The public walk sees a superset; what only it sees is a namespace of proxies.
        const onlyPublic = o.namespaces.filter((v) => !p.namespaces.some((q) => q.ns === v.ns));
        expect(onlyPublic.every(proxiesOnly), `${formatSequence(s.calls)}\ncall ${i}`).toBe(true);
        expect(o.namespaces.filter((v) => !onlyPublic.includes(v))).toEqual(p.namespaces);
        missed += onlyPublic.length;
      });
    }
    // SHARED-RDEBUG-PROXY-NS still shows: a fixed build fails here.
    expect(missed).toBeGreaterThan(0);
  }, 600_000);
});
