import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import type { TestSequencer, TestSpecification, Vitest } from 'vitest/node';

/**
 * Test files in the order StrykerJS runs them against a mutant (it stops at
 * the first failure, `bail: 1`): the fixed rows and spot checks that kill
 * most mutants in milliseconds first, the property tests last.
 */
const ORDER = [
  'mutants/spec-kill.test.ts',
  'properties/scenarios.baseline.test.ts',
  'properties/scenarios.shared.test.ts',
  'properties/invariants.test.ts',
  'properties/catalogue.test.ts',
  'harness/progress.test.ts',
  'harness/files.test.ts',
  'spec/event-order.test.ts',
];

class CheapFirst implements TestSequencer {
  constructor(private readonly ctx: Vitest) {}
  shard(files: TestSpecification[]): TestSpecification[] {
    return files;
  }
  sort(files: TestSpecification[]): TestSpecification[] {
    const rank = (f: TestSpecification) => {
      const i = ORDER.indexOf(relative(this.ctx.config.root, f.moduleId));
      return i < 0 ? ORDER.length : i;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * The tests StrykerJS runs against each mutant of spec/ (stryker.config.mjs):
 * the fast ones that pin the spec's behaviour. Left out: the metamorphic
 * properties (minutes per mutant), harness/validate.test.ts (the spec judged
 * against itself), anything native (needs gcc, forks loaders), and the CLI.
 *
 * Property tests run on a fixed seed, without shrinking (mutants/stryker.setup.ts),
 * and those sized by DLMSPEC_RUNS on a budget of 60 runs; @fast-check/vitest
 * is replaced by a stand-in that loads in milliseconds
 * (mutants/stryker-fast-check.ts). The equivalence fixture is compared on 3
 * of its 10 chunks per profile (properties/equivalence.test.ts).
 *
 * No `testNamePattern` here: vitest gives a configured pattern precedence
 * over the per-mutant one StrykerJS sets, which then runs every test of the
 * covering files against each mutant instead of the covering tests only.
 */
export default defineConfig({
  resolve: { alias: [{ find: /^@fast-check\/vitest$/, replacement: fileURLToPath(new URL('mutants/stryker-fast-check.ts', import.meta.url)) }] },
  test: {
    include: ['spec/**/*.test.ts', 'properties/**/*.test.ts', 'harness/**/*.test.ts', 'mutants/spec-kill.test.ts'],
    exclude: ['node_modules/**', '.cache/**', '**/*.native.test.ts', 'properties/metamorphic*.test.ts', 'harness/validate.test.ts'],
    setupFiles: ['mutants/stryker.setup.ts'],
    env: { DLMSPEC_RUNS: '60', DLMSPEC_EQUIVALENCE_CHUNKS: '3' },
    sequence: { sequencer: CheapFirst },
    // Modules stay loaded between a worker's runs: a mutant is switched on at run time, so re-importing the graph per mutant (seconds) buys nothing.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
