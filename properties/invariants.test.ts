import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatSequence } from '../model/call.ts';
import { arbScenario } from '../generators/calls.ts';
import { checkInvariants } from '../spec/invariants.ts';
import { PROFILES } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';

/** Every invariant, after every step, of random sequences over random graphs. */
describe.each(PROFILES)('invariants hold after every step (%s)', (profile) => {
  test.prop([arbScenario({ profile, maxCalls: 16 })], { numRuns: 1000 })('random sequences', ({ graph, calls }) => {
    const run = runSpec(profile, graph, calls);
    const violations = checkInvariants(run.ctx, run.steps);
    expect(violations, `${JSON.stringify(graph)}\n${formatSequence(calls)}`).toEqual([]);
  });
});
