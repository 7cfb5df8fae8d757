import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // .scratch/ and .cache/ hold local experiments and Stryker sandboxes, never project tests.
    exclude: ['**/node_modules/**', '.cache/**', '.scratch/**', 'out/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
