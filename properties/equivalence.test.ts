/**
 * The spec reproduces the outcomes recorded in
 * properties/fixtures/spec-outcomes.json.gz (see properties/equivalence.ts):
 * 10,000 generated scenarios per profile, every step's result, events,
 * order constraints and namespace lists, and the invariant verdicts.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { PROFILES } from '../spec/profile.ts';
import { chunkScenarios, decodeRecord, FIXTURE, PLAN, recordScenario, type Fixture } from './equivalence.ts';

const fixture = JSON.parse(gunzipSync(readFileSync(FIXTURE)).toString('utf8')) as Fixture;
/**
 * Chunks compared: all of them, unless DLMSPEC_EQUIVALENCE_CHUNKS names fewer
 * (StrykerJS compares 3 per profile: a surviving mutant runs the whole test
 * set, and all 10 chunks are two thirds of its time).
 */
const CHUNKS = Math.min(PLAN.chunks, Number(process.env.DLMSPEC_EQUIVALENCE_CHUNKS ?? PLAN.chunks));

describe.each(PROFILES)('the spec reproduces its recorded outcomes (%s)', (profile) => {
  test('the fixture holds every chunk of the plan', () => {
    expect(fixture.plan).toEqual(PLAN);
    expect(fixture.records[profile].map((c) => c.length)).toEqual(new Array(PLAN.chunks).fill(PLAN.perChunk));
  });
  test.each(Array.from({ length: CHUNKS }, (_, c) => c))('chunk %i', (chunk) => {
    const recorded = fixture.records[profile][chunk]!.map(decodeRecord);
    const scenarios = chunkScenarios(profile, chunk);
    const drifted: number[] = [];
    const changed: number[] = [];
    const rules: string[] = [];
    scenarios.forEach((s, i) => {
      const want = recorded[i]!;
      const got = recordScenario(profile, s, i);
      if (got.scenario !== want.scenario) drifted.push(i);
      else if (got.outcome !== want.outcome) changed.push(i);
      else if (JSON.stringify(got.rules) !== JSON.stringify(want.rules)) rules.push(`#${i}: ${JSON.stringify(want.rules)} -> ${JSON.stringify(got.rules)}`);
    });
    expect(drifted, 'scenarios the generator no longer makes (a generator change, or the spec it runs)').toEqual([]);
    expect(changed, 'scenarios whose outcomes changed').toEqual([]);
    expect(rules, 'steps whose exercised rules changed').toEqual([]);
  });
});
