// StrykerJS over the executable spec (spec/): `npm run mutation`.
// Kept out of `npm test`. Runs a focused, fast subset of the tests
// (stryker.vitest.config.ts): the rule tables and invariant properties of
// properties/, the harness tests, and mutants/spec-kill.test.ts.
//
// Cost: each mutant runs only the tests that cover it (perTest coverage; no
// test may run spec code at collection time, or every mutant it reaches
// becomes "static" and runs the whole set), cheap tests first, stopping at
// the first failure. About an hour for all of spec/ on 2 cores with nothing
// else running (1,623 mutants, 2 to 4 s each; a survivor runs the whole set,
// about 21 s). `--mutate FILES` runs part of it, and each part writes its
// report: BENCHMARKS.md gives the groups the last full run used.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  // related: false: a mutant's covering tests are already named; no module-graph search for the test files.
  vitest: { configFile: 'stryker.vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['spec/**/*.ts', '!spec/**/*.test.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10_000,
  timeoutFactor: 1.5,
  disableTypeChecks: 'spec/**/*.ts',
  ignoreStatic: false,
  incremental: true,
  incrementalFile: '.cache/stryker/incremental.json',
  tempDirName: '.cache/stryker/tmp',
  cleanTempDir: true,
  ignorePatterns: ['/.cache', '/.scratch', '/report', '/repro', '/out', '/corpus'],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: '.cache/stryker/mutation.json' },
  htmlReporter: { fileName: '.cache/stryker/mutation.html' },
  thresholds: { high: 95, low: 90, break: null },
};
