/**
 * Fresh-seed validation, end to end (part of `npm run bench`):
 *
 *   npx tsx bench/validate.ts [--runs 300] [--seed 77] [--jobs N]
 *
 * 1. Phases of a fresh-seed native validation, in this process on an empty
 *    cache of its own: generate (fast-check), materialise (build the DSOs),
 *    run (the driver, one server), judge (spec + comparison), and shrink
 *    (a shim mutant's validation from its first failure to its end).
 * 2. `dlmspec validate` as a user runs it (a process each, wall clock), on
 *    the same sequences: cold (empty cache) and warm, with N jobs and one,
 *    how many cores each kept busy, and the rate past start-up (a warm run
 *    three times as long); medians of three rounds; and
 *    `dlmspec check` from an empty cache.
 * 3. The raw C loop (native/bench-loop.c) making the same calls with the
 *    prebuilt DSOs, no observation: the harness's cost as a ratio of it.
 * 4. Scale: one sequence on graphs of 10, 100 and 1,000 DSOs, judged by the
 *    spec (a 1,000-DSO graph validated natively), its build and run times.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// Not strict: `npm run bench -- ARGS` gives every benchmark the same arguments.
const { values } = parseArgs({ strict: false, options: { runs: { type: 'string', default: '300' }, seed: { type: 'string', default: '77' }, jobs: { type: 'string' } } });
const runs = Number(values.runs);
const seed = Number(values.seed);
const jobs = Number(values.jobs ?? availableParallelism());
if (![runs, seed, jobs].every(Number.isSafeInteger) || runs < 1 || jobs < 1) throw new Error('--runs, --seed, --jobs: whole numbers');

// A cache of this run's own, empty: everything below starts cold. Set before
// any builder runs (they read it at each build).
const scratch = mkdtempSync(join(tmpdir(), 'dlmspec-bench-'));
process.env.DLMSPEC_CACHE_DIR = join(scratch, 'cache');

const { default: fc } = await import('fast-check');
const { NativeImplementation, encodeRun, driverEnv } = await import('../adapters/native.ts');
const { arbScenario } = await import('../generators/calls.ts');
const { largeGraph } = await import('../generators/graph.ts');
const { judge } = await import('../harness/judge.ts');
const { validate } = await import('../harness/validate.ts');
const { findMutant } = await import('../mutants/index.ts');
const { shimImplementation } = await import('../mutants/shims.ts');
const { materialize } = await import('../native/build-dsos.ts');
const { buildProgram } = await import('../native/build-programs.ts');
const { runSpec } = await import('../spec/run.ts');
const { RTLD_LAZY, RTLD_NOW, LM_ID_NEWLM } = await import('../model/mode.ts');
type Call = import('../model/call.ts').Call;
type ShimMutant = import('../mutants/mutant.ts').ShimMutant;

const BIN = fileURLToPath(new URL('../bin/dlmspec.mjs', import.meta.url));
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
const pct = (x: number, total: number) => `${((100 * x) / total).toFixed(0)}%`.padStart(4);

console.log(`${runs} sequences, seed ${seed}, ${jobs} jobs on ${availableParallelism()} cores; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// ---------- 1. phases ----------
const impl = new NativeImplementation();
let t = process.hrtime.bigint();
const info = await impl.hello();
await buildProgram('bench-loop');
const startup = ms(t);
const system = { system: info.system, initial: info.initial };
const arb = arbScenario({ profile: 'glibc', system, avoidKnownBugs: true });
t = process.hrtime.bigint();
const scenarios = fc.sample(arb, { seed, numRuns: runs });
const generate = ms(t);
t = process.hrtime.bigint();
const dirs = [];
for (const sc of scenarios) dirs.push(await materialize(sc.graph)); // as validation does: one graph at a time
const materialise = ms(t);
t = process.hrtime.bigint();
const outcomes = [];
for (const sc of scenarios) outcomes.push(await impl.run(sc.graph, sc.calls));
const run = ms(t);
t = process.hrtime.bigint();
let diverging = 0;
for (const [i, sc] of scenarios.entries()) if (judge(runSpec('glibc', sc.graph, sc.calls, system).steps, outcomes[i]!) !== null) diverging++;
const judged = ms(t);
const shim = await shimImplementation(findMutant('shim-global-stripped') as ShimMutant);
let firstFailure = 0n;
t = process.hrtime.bigint();
const v = await validate(shim, { profile: 'glibc', runs, seed: 1, avoidKnownBugs: true, onFirstFailure: () => (firstFailure = process.hrtime.bigint()) });
const shrink = Number(process.hrtime.bigint() - firstFailure) / 1e6;
await shim.close();
const phases = { generate, materialise, run, judge: judged, shrink };
const total = Object.values(phases).reduce((a, b) => a + b, 0);
console.log(`\nphases of a fresh-seed validation (driver start-up ${s(startup)} not counted; ${diverging} of ${runs} diverge)`);
console.log('phase         time      share');
for (const [k, x] of Object.entries(phases)) console.log(`${k.padEnd(12)} ${s(x).padStart(8)}  ${pct(x, total)}`);
console.log(`(shrink: shim-global-stripped, seed 1: found at run ${v.findings[0]?.foundAtRun ?? '-'}, shrunk to ${v.counterexample?.calls.length ?? '-'} calls)`);

// ---------- 3. the raw C loop over the same calls ----------
const loop = await buildProgram('bench-loop');
const systemNames = new Set(info.system.map((o) => o.name));
const ITER = 5;
let rawNs = 0;
for (const [i, sc] of scenarios.entries()) {
  const request = encodeRun('bench', dirs[i]!, sc.graph, systemNames, sc.calls, 10_000);
  const r = spawnSync(loop, [String(ITER)], { input: request, env: driverEnv({}), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench-loop: ${r.stderr}`);
  rawNs += (JSON.parse(r.stdout) as { ns: number }).ns / ITER;
}
t = process.hrtime.bigint();
for (const sc of scenarios) await impl.run(sc.graph, sc.calls);
const warmRun = ms(t);
console.log(`\nraw C loop, same ${runs} sequences, prebuilt DSOs: ${s(rawNs / 1e6)}; harness runs alone ${s(warmRun)} (${(warmRun / (rawNs / 1e6)).toFixed(2)}x), with judging ${s(warmRun + judged)} (${((warmRun + judged) / (rawNs / 1e6)).toFixed(2)}x)`);

// ---------- 2. the command as a user runs it ----------
/** CPU time the whole machine has spent busy, in ms: over a run, busy / wall is how many cores it kept busy (nothing else running). */
const busyMs = () => cpus().reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
function timed(args: string[], cache: string): Promise<{ ms: number; cores: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const b0 = busyMs();
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, DLMSPEC_CACHE_DIR: cache }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const wall = ms(t0);
      if (error && error.code !== 1) reject(new Error(`dlmspec ${args.join(' ')}: ${stderr}`));
      else resolve({ ms: wall, cores: (busyMs() - b0) / wall, out: stdout });
    });
  });
}
const out = join(scratch, 'out');
const validateArgs = (j: number, n = runs) => ['validate', '--impl', 'native', '--profile', 'glibc', '--runs', String(n), '--seed', String(seed), '--out', out, '--quiet', '--jobs', String(j)];
// Rounds alternate N jobs and one, each round from empty caches of its own;
// the medians are shown (one run of a few seconds varies by a fifth here).
type Timed = Awaited<ReturnType<typeof timed>>;
const ROUNDS = 3;
const median = (xs: Timed[]): Timed => [...xs].sort((a, b) => a.ms - b.ms)[xs.length >> 1]!;
const MEASURES = ['coldN', 'warmN', 'startN', 'longN', 'cold1', 'warm1', 'start1', 'long1', 'check'] as const;
type Measure = (typeof MEASURES)[number];
const rounds = Object.fromEntries(MEASURES.map((k) => [k, [] as Timed[]])) as Record<Measure, Timed[]>;
// The rate past start-up, from a longer warm run (its DSOs built first, untimed).
const LONG = 3 * runs;
for (let r = 0; r < ROUNDS; r++) {
  for (const [j, cold, warm, start, long] of [[jobs, 'coldN', 'warmN', 'startN', 'longN'], [1, 'cold1', 'warm1', 'start1', 'long1']] as const) {
    const cache = join(scratch, `cache-${j}-${r}`);
    rounds[cold].push(await timed(validateArgs(j), cache));
    rounds[warm].push(await timed(validateArgs(j), cache));
    // Start-up (Node, the driver, hello, the first sequence): one sequence, warm.
    rounds[start].push(await timed(validateArgs(j, 1), cache));
    await timed(validateArgs(j, LONG), cache);
    rounds[long].push(await timed(validateArgs(j, LONG), cache));
  }
  rounds.check.push(await timed(['check', '--out', join(scratch, 'check-out'), '--quiet', '--jobs', String(jobs)], join(scratch, `check-${r}`)));
}
const { coldN, warmN, startN, longN, cold1, warm1, start1, long1, check } = Object.fromEntries(MEASURES.map((k) => [k, median(rounds[k])])) as Record<Measure, Timed>;
const spread = (k: Measure) => rounds[k].map((x) => (x.ms / 1000).toFixed(2)).join('/');
const rate = (x: number) => `${((runs * 1000) / x).toFixed(0)} seq/s`;
console.log(`\ndlmspec validate --runs ${runs} --seed ${seed} (wall clock, process start included; medians of ${ROUNDS} rounds)`);
console.log(`rounds (s): cold ${spread('coldN')} and ${spread('cold1')}, warm ${spread('warmN')} and ${spread('warm1')} (${jobs} jobs and 1), check ${spread('check')}`);
const cores = (x: { cores: number }) => `${x.cores.toFixed(2)} cores busy`;
console.log(`jobs ${String(jobs).padEnd(3)} cold ${s(coldN.ms).padStart(8)}  warm ${s(warmN.ms).padStart(8)}  cold/warm ${(coldN.ms / warmN.ms).toFixed(2)}x  warm ${rate(warmN.ms)}  (cold ${cores(coldN)}, warm ${cores(warmN)})`);
console.log(`jobs 1   cold ${s(cold1.ms).padStart(8)}  warm ${s(warm1.ms).padStart(8)}  cold/warm ${(cold1.ms / warm1.ms).toFixed(2)}x  warm ${rate(warm1.ms)}  (cold ${cores(cold1)}, warm ${cores(warm1)})`);
console.log(`${jobs} jobs over 1: cold ${(cold1.ms / coldN.ms).toFixed(2)}x, warm ${(warm1.ms / warmN.ms).toFixed(2)}x`);
// Past start-up: the rate of the other LONG - 1 sequences, from a warm run of LONG and one of a single sequence.
const steady = (all: { ms: number }, one: { ms: number }) => ((LONG - 1) * 1000) / Math.max(1, all.ms - one.ms);
const [steadyN, steady1] = [steady(longN, startN), steady(long1, start1)];
console.log(`past start-up (warm, ${LONG} sequences: ${s(longN.ms)} with ${jobs} jobs, ${s(long1.ms)} with 1; one sequence: ${s(startN.ms)} and ${s(start1.ms)}): ${steadyN.toFixed(0)} seq/s with ${jobs} jobs, ${steady1.toFixed(0)} with 1: ${(steadyN / steady1).toFixed(2)}x`);
// One job already runs the parent and its driver side by side: N jobs can gain at most the cores it leaves idle.
console.log(`ceiling of ${jobs} jobs over 1 here: ${availableParallelism()} cores / ${long1.cores.toFixed(2)} busy with one job = ${(availableParallelism() / long1.cores).toFixed(2)}x (${jobs} jobs keep ${longN.cores.toFixed(2)} busy)`);
console.log(`dlmspec check from an empty cache, ${jobs} jobs: ${s(check.ms)}, ${cores(check)} (${check.out.trim().split('\n').pop()})`);

// ---------- 4. scale ----------
console.log('\nscale: one sequence of 8 calls, per graph size (each graph built from an empty cache)');
console.log('DSOs   build (cold)  run (median of 5)  spec+judge  verdict');
for (const n of [10, 100, 1000]) {
  const g = largeGraph(n, 7);
  const name = (k: number) => g.dsos[Math.floor((k * n) / 8) % n]!.name;
  const sym = g.dsos.find((d) => d.symbols.length > 0)?.symbols[0] ?? 'f0';
  const calls: Call[] = [
    { op: 'dlopen', file: name(0), mode: RTLD_NOW },
    { op: 'dlmopen', lmid: LM_ID_NEWLM, file: name(1), mode: RTLD_NOW },
    { op: 'dlsym', handle: 0, symbol: sym },
    { op: 'dlopen', file: name(3), mode: RTLD_LAZY },
    { op: 'dlmopen', lmid: 1, file: name(5), mode: RTLD_LAZY },
    { op: 'dlinfo', handle: 1 },
    { op: 'dlclose', handle: 0 },
    { op: 'dlclose', handle: 1 },
  ];
  process.env.DLMSPEC_CACHE_DIR = join(scratch, `scale-cache-${n}`);
  t = process.hrtime.bigint();
  await materialize(g);
  const build = ms(t);
  const times: number[] = [];
  let outcome;
  for (let k = 0; k < 5; k++) {
    t = process.hrtime.bigint();
    outcome = await impl.run(g, calls);
    times.push(ms(t));
  }
  t = process.hrtime.bigint();
  const finding = judge(runSpec('glibc', g, calls, system).steps, outcome!);
  const spec = ms(t);
  const median = times.sort((a, b) => a - b)[2]!;
  console.log(`${String(n).padStart(4)}  ${s(build).padStart(12)}  ${`${median.toFixed(1)} ms`.padStart(17)}  ${`${spec.toFixed(1)} ms`.padStart(10)}  ${finding === null ? `conforms (${outcome!.status})` : `${finding.kind} at call ${finding.step}`}`);
}

await impl.close();
rmSync(scratch, { recursive: true, force: true });
