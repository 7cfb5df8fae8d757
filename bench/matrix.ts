/**
 * The compatibility matrix's cost (part of `npm run bench`):
 *
 *   npx tsx bench/matrix.ts [--loaders ../shared/loaders] [--matrix-runs 1000] [--matrix-audit-runs 300] [--rounds 3]
 *
 * 1. `npm run matrix`'s work as a user waits for it: `dlmspec matrix` on
 *    every loader under the directory, its default budget, warm (the build
 *    cache filled by a first run), wall clock; medians of the rounds.
 * 2. What switching loaders costs: the matrix's sweeps (plain and audited,
 *    fresh driver servers on each loader, as `dlmspec matrix` makes them)
 *    against the same sweeps run on one loader with its servers kept open,
 *    as many times as there are loaders, so the same sequences run in both;
 *    in this process, rounds alternating the two, ratio of the medians.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Implementation } from '../adapters/implementation.ts';
import { NativeImplementation } from '../adapters/native.ts';
import { PooledImplementation } from '../adapters/pool.ts';
import { sweep } from '../harness/sweep.ts';
import { findLoaders, type LoaderDir } from '../native/loaders.ts';
import { profileFor } from '../spec/profile.ts';

// Not strict: `npm run bench -- ARGS` gives every benchmark the same arguments.
const { values } = parseArgs({
  strict: false,
  options: { loaders: { type: 'string', default: '../shared/loaders' }, 'matrix-runs': { type: 'string', default: '1000' }, 'matrix-audit-runs': { type: 'string', default: '300' }, rounds: { type: 'string', default: '3' } },
});
const loaders = findLoaders([values.loaders as string]);
const plainRuns = Number(values['matrix-runs']);
const auditRuns = Number(values['matrix-audit-runs']);
const rounds = Number(values.rounds);
if (loaders.length === 0) {
  console.log(`no loaders under ${values.loaders}: nothing to measure (give --loaders DIR)`);
  process.exit(0);
}
const jobs = availableParallelism();
const BIN = fileURLToPath(new URL('../bin/dlmspec.mjs', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

console.log(`${loaders.length} loaders under ${values.loaders}; ${plainRuns} + ${auditRuns} audited sequences each; ${jobs} jobs on ${availableParallelism()} cores; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// 1. dlmspec matrix, as npm run matrix runs it.
const out = mkdtempSync(join(tmpdir(), 'dlmspec-bench-matrix-'));
const matrix = () => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, 'matrix', values.loaders as string, '--runs', String(plainRuns), '--audit-runs', String(auditRuns), '--out', out, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`dlmspec matrix: ${r.stderr}`);
  return ms(t0);
};
const first = matrix();
const warm = Array.from({ length: rounds }, matrix);
rmSync(out, { recursive: true, force: true });
console.log(`\ndlmspec matrix on ${loaders.length} loaders: first run ${s(first)} (whatever the cache held); warm ${warm.map(s).join(', ')}: median ${s(median(warm))} (target: under 180 s)`);

// 2. Switching loaders against one loader kept open, the same sweeps.
const servers = (l: LoaderDir, audit: boolean): Implementation =>
  new PooledImplementation(Array.from({ length: jobs }, () => new NativeImplementation({ rtld: l.rtld, libraryPath: l.lib, ...(audit ? { audit: true } : {}) })));
const sweeps = async (plain: Implementation, audit: Implementation, seed: number) => {
  for (const [impl, runs, isAudit] of [[plain, plainRuns, false], [audit, auditRuns, true]] as const) {
    await sweep(impl, { profile: null, chooseProfile: (i) => profileFor(i.system), runs, seed, shard: null, avoidKnownBugs: true, outDir: null, stem: 'bench', impl: 'native', implOptions: isAudit ? { audit: true } : {} });
  }
};
const switching = async () => {
  const t0 = process.hrtime.bigint();
  for (const l of loaders) {
    const [p, a] = [servers(l, false), servers(l, true)];
    await sweeps(p, a, 1);
    await Promise.all([p.close(), a.close()]);
  }
  return ms(t0);
};
const one = loaders.find((l) => l.label === '2.42') ?? loaders[0]!;
const staying = async () => {
  const t0 = process.hrtime.bigint();
  const [p, a] = [servers(one, false), servers(one, true)];
  for (let i = 0; i < loaders.length; i++) await sweeps(p, a, 1);
  await Promise.all([p.close(), a.close()]);
  return ms(t0);
};
await switching(); // warm: every graph of the seed built
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < rounds; r++) {
  a.push(await switching());
  b.push(await staying());
}
console.log(`\nthe matrix's sweeps, ${loaders.length} loaders, fresh servers each: ${a.map(s).join(', ')}: median ${s(median(a))}`);
console.log(`the same sweeps ${loaders.length} times on ${one.label}, servers kept open: ${b.map(s).join(', ')}: median ${s(median(b))}`);
console.log(`switching loaders costs ${(100 * (median(a) / median(b) - 1)).toFixed(1)}% (target: under 10%)`);
