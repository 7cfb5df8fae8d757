/**
 * Setup of the test set StrykerJS runs against each mutant of spec/
 * (stryker.vitest.config.ts; never part of `npm test`).
 *
 * - A fixed fast-check seed. @fast-check/vitest names each property test
 *   `... (with seed=N)`; with a fresh random seed per collection the name a
 *   mutant run asks for (the dry run's) never matches, and the property is
 *   silently skipped. A fixed seed also makes every mutant's verdict
 *   reproducible.
 * - No shrinking: a mutant is killed by the first failing run; shrinking it
 *   only costs time.
 */
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: 20261127, endOnFailure: true });
