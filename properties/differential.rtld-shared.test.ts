import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { validate } from '../harness/validate.ts';
import { explainValidation } from './explain.ts';
import { rtldSharedLoader } from '../native/loaders.ts';

/**
 * A real glibc built with the RTLD_SHARED series (DLMSPEC_RTLD_SHARED, see
 * native/loaders.ts) against the rtld-shared profile: random graphs and
 * sequences through the native driver, every observation compared. The
 * build's known bugs (CONFORMANCE.md, "Loader bugs found") are left out, so
 * the search goes on past them; the corpus test checks they still show.
 * Skipped with a message when no such loader is configured; CI sets it.
 */
const seed = process.env.DLMSPEC_SEED ? Number(process.env.DLMSPEC_SEED) : undefined;
const runs = Number(process.env.DLMSPEC_RTLD_SHARED_RUNS ?? 500);
const loader = rtldSharedLoader();
if (loader.options === null) console.warn(`properties/differential.rtld-shared.test.ts skipped: ${loader.missing}`);


describe.skipIf(loader.options === null)('the RTLD_SHARED series build', () => {
  const impl = new NativeImplementation(loader.options ?? {});
  afterAll(() => impl.close());

  test('is an RTLD_SHARED loader: its libc is UNIQUE, and the driver runs under it', async () => {
    const info = await impl.hello();
    expect(info.system.find((s) => /^libc\.so/.test(s.name))?.unique).toBe(true);
    expect(info.implementation).toMatch(/^glibc 2\.34\.9000 /);
  });

  test(`conforms to the rtld-shared profile on ${runs} random sequences, its known bugs left out`, async () => {
    const v = await validate(impl, { profile: 'rtld-shared', runs, avoidKnownBugs: true, ...(seed !== undefined ? { seed } : {}) });
    expect(v.counterexample, explainValidation(v)).toBeNull();
    expect(v.runs).toBe(runs);
  }, 900_000);
});
