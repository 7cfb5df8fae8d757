/**
 * Writes properties/fixtures/spec-outcomes.json.gz from the spec as it
 * stands: `npx tsx properties/equivalence.record.ts`. Run it only when a
 * change of the spec's behaviour is intended (and say so in the commit).
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { PROFILES } from '../spec/profile.ts';
import { chunkScenarios, encodeRecord, FIXTURE, PLAN, recordScenario, type Fixture } from './equivalence.ts';

const records = {} as Fixture['records'];
for (const profile of PROFILES) {
  records[profile] = [];
  for (let chunk = 0; chunk < PLAN.chunks; chunk++) {
    records[profile].push(chunkScenarios(profile, chunk).map((s, i) => encodeRecord(recordScenario(profile, s, i))));
  }
}
const fixture: Fixture = { plan: PLAN, records };
writeFileSync(FIXTURE, gzipSync(JSON.stringify(fixture), { level: 9 }));
console.log(`wrote ${PLAN.chunks * PLAN.perChunk} scenarios per profile`);
