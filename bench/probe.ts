/**
 * `dlmspec probe` as a configure script waits for it (part of `npm run bench`):
 *
 *   npx tsx bench/probe.ts [--rounds 3] [--loaders ../shared/loaders]
 *
 * Wall clock of `npx dlmspec probe` on this machine's loader from an empty
 * build cache (the probe program and its DSOs compiled first) and warm,
 * medians of the rounds; then warm on each shared loader, where a check that
 * hangs costs its time limit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findLoaders } from '../native/loaders.ts';

const { values } = parseArgs({ strict: false, options: { rounds: { type: 'string', default: '3' }, loaders: { type: 'string', default: '../shared/loaders' } } });
const rounds = Number(values.rounds);
const BIN = fileURLToPath(new URL('../bin/dlmspec.mjs', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function probe(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, 'probe', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`dlmspec probe: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

console.log(`${availableParallelism()} cores; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const cold: number[] = [];
const warm: number[] = [];
for (let r = 0; r < rounds; r++) {
  const cache = mkdtempSync(join(tmpdir(), 'dlmspec-bench-probe-'));
  cold.push(probe([], { DLMSPEC_CACHE_DIR: cache }));
  warm.push(probe([], { DLMSPEC_CACHE_DIR: cache }));
  rmSync(cache, { recursive: true, force: true });
}
console.log(`dlmspec probe, this machine's loader: empty cache ${cold.map(s).join(', ')}: median ${s(median(cold))} (target: under 15 s)`);
console.log(`dlmspec probe, this machine's loader: warm ${warm.map(s).join(', ')}: median ${s(median(warm))} (target: under 5 s)`);
for (const l of findLoaders([values.loaders as string])) {
  const times = Array.from({ length: rounds }, () => probe(['--rtld', l.rtld, '--library-path', l.lib]));
  console.log(`dlmspec probe --rtld ${l.label}: warm median ${s(median(times))}`);
}
