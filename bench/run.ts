/**
 * `npm run bench`: every benchmark in turn, each in its own process so that
 * one's warm-up and garbage do not colour the next. Extra arguments go to all.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
let failed = false;
for (const bench of ['spec.ts', 'native.ts', 'validate.ts', 'matrix.ts', 'probe.ts']) {
  console.log(`\n== bench/${bench}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', here + bench, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench/${bench} failed (${r.signal ?? `exit ${r.status}`})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
