// StrykerJS over the executable spec (spec/): `npm run mutation`.
// Kept out of `npm test`. Runs a focused, fast subset of the tests
// (stryker.vitest.config.ts): the rule tables and invariant properties of
// properties/, the harness tests, and mutants/spec-kill.test.ts.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.vitest.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  // spec/rules.ts only tags steps with rule IDs for coverage tables; it never
  // changes what the spec answers, so its mutants say nothing about the spec.
  mutate: ['spec/**/*.ts', '!spec/**/*.test.ts', '!spec/rules.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 15_000,
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
