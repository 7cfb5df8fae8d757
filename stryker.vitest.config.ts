import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant of spec/ (stryker.config.mjs):
 * the fast ones that pin the spec's behaviour. Left out: the metamorphic
 * properties and the 1000-run invariant property (minutes per mutant; the
 * same invariant property runs on a fixed-seed budget in
 * mutants/spec-kill.test.ts), harness/validate.test.ts (the spec judged
 * against itself), anything native (needs gcc, forks loaders), and the CLI.
 */
export default defineConfig({
  test: {
    include: ['spec/**/*.test.ts', 'properties/**/*.test.ts', 'harness/**/*.test.ts', 'mutants/spec-kill.test.ts'],
    exclude: ['node_modules/**', '.cache/**', '**/*.native.test.ts', 'properties/metamorphic*.test.ts', 'harness/validate.test.ts'],
    testNamePattern: /^((?!every invariant, random sequences).)*$/,
    // Modules stay loaded between a worker's runs: a mutant is switched on at run time, so re-importing the graph per mutant (seconds) buys nothing.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
