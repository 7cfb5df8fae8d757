/** `--jobs N`: a bad count or a non-native implementation is bad input (one line, exit 2). */
import { expect, test } from 'vitest';
import { runMain } from './test-helpers.ts';

test.each([
  [['validate', '--impl', 'spec:glibc', '--jobs', '2', '--runs', '5'], /--jobs applies to --impl native only, not spec:glibc/],
  [['validate', '--jobs', '0', '--runs', '5'], /--jobs 0: expected a whole number from 1 to 256/],
  [['check', '--jobs', 'x'], /--jobs "x": expected a whole number/],
])('%j', async (args, message) => {
  const r = await runMain(args);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
});
