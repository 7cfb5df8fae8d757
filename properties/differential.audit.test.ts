import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { validate } from '../harness/validate.ts';
import { rtldSharedLoader } from '../native/loaders.ts';
import { explainValidation } from './explain.ts';

/**
 * The differential suites' share under LD_AUDIT (`--audit`): both real
 * loaders run the driver under dlmspec's audit module, the start-up state
 * shows the module's namespace, and every observation is judged with its
 * audit events (spec/audit.ts) besides everything else, under the shifted
 * namespace numbering. Known loader bugs are left out as in the plain runs.
 */
const seed = process.env.DLMSPEC_SEED ? Number(process.env.DLMSPEC_SEED) : undefined;
const runs = Number(process.env.DLMSPEC_AUDIT_RUNS ?? 150);
const shared = rtldSharedLoader();
if (shared.options === null) console.warn(`properties/differential.audit.test.ts: the RTLD_SHARED build is skipped: ${shared.missing}`);

const LOADERS = [
  { label: "this machine's glibc", profile: 'glibc' as const, options: {} },
  ...(shared.options ? [{ label: 'the RTLD_SHARED series build', profile: 'rtld-shared' as const, options: shared.options }] : []),
];

describe.each(LOADERS)('$label under the audit module', ({ profile, options }) => {
  const impl = new NativeImplementation({ ...options, audit: true });
  afterAll(() => impl.close());

  test(`conforms to the ${profile} profile, audit events included, on ${runs} random sequences`, async () => {
    const info = await impl.hello();
    expect(info.initial.map((v) => v.ns)).toEqual([0, 1]);
    const v = await validate(impl, { profile, runs, avoidKnownBugs: true, ...(seed !== undefined ? { seed } : {}) });
    expect(v.counterexample, explainValidation(v)).toBeNull();
    expect(v.runs).toBe(runs);
    // The audit rules were exercised, not skipped.
    for (const rule of ['AUD2', 'AUD3', 'AUD4', 'AUD5']) expect(v.rules[rule]?.exercised ?? 0, rule).toBeGreaterThan(0);
  }, 900_000);
});
