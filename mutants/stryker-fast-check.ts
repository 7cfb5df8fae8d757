/**
 * What the StrykerJS test set (stryker.vitest.config.ts) loads in place of
 * @fast-check/vitest: its `test` with `.prop`, and `fc`. The package takes
 * seconds to load with vitest 4.1 (it wraps every chain of test modifiers,
 * `test.skip.only.concurrent...`, recursively), and StrykerJS loads the test
 * files afresh for every mutant; this stand-in loads in milliseconds.
 *
 * `.prop` as the package has it for our tests: the test is named
 * `NAME (with seed=N)`, the property runs under `fc.assert` with the given
 * parameters (seed and shrinking from fc.configureGlobal when not given).
 */
import * as fc from 'fast-check';
import { test as vitestTest } from 'vitest';

type Prop = (...values: never[]) => unknown;

function prop(arbitraries: readonly fc.Arbitrary<unknown>[], params: fc.Parameters<unknown[]> = {}) {
  return (name: string, predicate: Prop, timeout?: number): void => {
    const seed = params.seed ?? fc.readConfigureGlobal().seed ?? (Date.now() ^ (Math.random() * 0x100000000));
    const asyncProperty = fc.asyncProperty as unknown as (...args: unknown[]) => fc.IAsyncProperty<unknown[]>;
    const property = asyncProperty(...arbitraries, async (...values: never[]) => predicate(...values));
    vitestTest(`${name} (with seed=${seed})`, () => fc.assert(property, { ...params, seed }), timeout);
  };
}

export const test = new Proxy(vitestTest, { get: (target, key, receiver) => (key === 'prop' ? prop : Reflect.get(target, key, receiver)) });
export const it = test;
export { fc };
