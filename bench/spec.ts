/**
 * Spec throughput: calls/s through `runSpec` followed by `checkInvariants`
 * (every invariant after every step), on pre-generated sequences over small
 * graphs (10 DSOs) and a large one (1,000 DSOs, `largeGraph`). Generation
 * time is excluded from the throughput and reported on its own; the spec
 * alone and the invariant checks alone are shown too. Each measurement
 * follows a warm-up, and small graphs are measured before any large one is
 * generated (see `measure` and the end of the file for why).
 *
 *   npx tsx bench/spec.ts [--seconds S] [--sequences N]
 *
 * Target: >= 100,000 calls/s on small graphs, invariants included.
 *
 * The host's speed is measured beside the spec: every few passes a raw C loop
 * (native/host-reference.c, built in this run) reports how fast the machine
 * runs memory-bound code at that moment. On a shared host that changes from
 * second to second (neighbours on the same cores and caches): the spec's rate
 * moved by up to 1.7x with it, in step with the loop (correlation 0.63 over
 * 230 pass pairs). The table shows each measurement's host speed as a share
 * of the run's best (the 90th percentile of all reference runs) and the
 * spec's median rate scaled by the same ratio ("at the host's best").
 *
 * Profile with: node --cpu-prof --import tsx bench/spec.ts --seconds 5
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { arbAbstractCall, arbScenario, concretize, type Scenario } from '../generators/calls.ts';
import { largeGraph } from '../generators/graph.ts';
import { buildProgram } from '../native/build-programs.ts';
import { checkInvariants } from '../spec/invariants.ts';
import { PROFILES, type Profile } from '../spec/profile.ts';
import { runSpec, type SpecRun } from '../spec/run.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, sequences: { type: 'string', default: '500' } },
});
const seconds = Number(values.seconds);
const count = Number(values.sequences);
const SEED = 20261127;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const hostReference = await buildProgram('host-reference');
/** The host reference loop's rate now, in millions of iterations per CPU second (about 10 ms of work). */
function hostSpeed(): number {
  const out = execFileSync(hostReference, ['300000'], { encoding: 'utf8' });
  const speed = Number(out);
  if (!(speed > 0)) throw new Error(`host reference loop printed ${JSON.stringify(out)}, not a rate`);
  return speed;
}
/** Passes per host measurement: a reference run (start-up included) takes about as long as a few passes. */
const HOST_EVERY = 4;

interface Workload {
  readonly name: string;
  readonly profile: Profile;
  readonly scenarios: readonly Scenario[];
  readonly generationMs: number;
}

function timed<T>(f: () => T): [T, number] {
  const t = performance.now();
  const v = f();
  return [v, performance.now() - t];
}

function smallWorkload(profile: Profile): Workload {
  const [scenarios, ms] = timed(() =>
    fc.sample(arbScenario({ profile, minDsos: 10, maxDsos: 10, maxCalls: 16 }), { numRuns: count, seed: SEED }),
  );
  return { name: 'small (10 DSOs)', profile, scenarios, generationMs: ms };
}

function largeWorkload(profile: Profile): Workload {
  const [scenarios, ms] = timed(() => {
    const graph = largeGraph(1000);
    const abstract = fc.sample(fc.array(arbAbstractCall, { minLength: 16, maxLength: 16 }), { numRuns: Math.max(10, Math.round(count / 25)), seed: SEED });
    return abstract.map((a) => ({ graph, calls: concretize(profile, graph, a) }));
  });
  return { name: 'large (1,000 DSOs)', profile, scenarios, generationMs: ms };
}

interface Measure {
  /** Calls per CPU second (user + system time of this process) of each pass over the workload. */
  readonly rates: readonly number[];
  /** The host reference loop's rate after every HOST_EVERY-th pass (the first included). */
  readonly host: readonly number[];
  /** Calls per wall-clock second over the passes (host measurements excluded). */
  readonly wall: number;
}

/**
 * Repeat `work` over all scenarios (at least once) for about `seconds`, after
 * a warm-up of half that (at least one pass): the optimizing compiler takes
 * about a second of CPU time on a busy machine before a workload runs at its
 * steady rate, which would otherwise be charged to whichever measurement
 * comes first (the harness runs thousands of sequences per process). Each
 * pass is timed on its own; every few passes the host is measured.
 */
function measure(w: Workload, work: (s: Scenario) => void): Measure {
  const perPass = w.scenarios.reduce((n, s) => n + s.calls.length, 0);
  const warmUntil = performance.now() + seconds * 500;
  do {
    for (const s of w.scenarios) work(s);
  } while (performance.now() < warmUntil);
  const rates: number[] = [];
  const host: number[] = [];
  let elapsed = 0;
  while (elapsed < seconds * 1000 || rates.length < 5) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    for (const s of w.scenarios) work(s);
    const used = process.cpuUsage(cpu);
    elapsed += performance.now() - start;
    rates.push((perPass / Math.max(1, used.user + used.system)) * 1e6);
    if (rates.length % HOST_EVERY === 1) host.push(hostSpeed());
  }
  return { rates, host, wall: ((perPass * rates.length) / elapsed) * 1000 };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** Calls per CPU second, median pass (wall-clock rate over all passes in parentheses). */
const rate = (m: Measure) => `${fmt(median(m.rates))} (${fmt(m.wall)})`;
/** The fastest pass. */
const best = (m: Measure) => fmt(Math.max(...m.rates));
/** The median pass scaled to the host's best (`bestHost`): the rate times the best host speed over the median host speed during the passes. */
const atHostBest = (m: Measure, bestHost: number) => fmt((median(m.rates) * bestHost) / median(m.host));
/** The host reference loop's median during a measurement, as a share of its best. */
const hostShare = (m: Measure, bestHost: number) => `${Math.round((median(m.host) / bestHost) * 100)}%`;

interface Row {
  readonly w: Workload;
  readonly both: Measure;
  readonly specOnly: Measure;
  readonly invOnly: Measure;
}

/** Measure one workload: spec and invariants, spec alone, invariants alone. */
function measureRow(w: Workload): Row {
  const profile = w.profile;
  const runs: SpecRun[] = w.scenarios.map((s) => runSpec(profile, s.graph, s.calls));
  const both = measure(w, (s) => {
    const run = runSpec(profile, s.graph, s.calls);
    checkInvariants(run.ctx, run.steps);
  });
  const specOnly = measure(w, (s) => runSpec(profile, s.graph, s.calls));
  let i = 0;
  const invOnly = measure(w, () => {
    const run = runs[i++ % runs.length] as SpecRun;
    checkInvariants(run.ctx, run.steps);
  });
  return { w, both, specOnly, invOnly };
}

/** The table row of one workload, once every measurement is in (the host's best is the whole run's). */
function row({ w, both, specOnly, invOnly }: Row, bestHost: number): string[] {
  const calls = w.scenarios.reduce((n, s) => n + s.calls.length, 0);
  return [
    w.name,
    w.profile,
    `${w.scenarios.length} seq / ${calls} calls`,
    rate(both),
    atHostBest(both, bestHost),
    best(both),
    rate(specOnly),
    rate(invOnly),
    hostShare(both, bestHost),
    `${fmt(w.generationMs)} ms (${fmt((calls / w.generationMs) * 1000)} calls/s)`,
  ];
}

// Small graphs first (both profiles), then large ones: a process that has run
// 1,000-DSO graphs (generating them runs the spec too) carries their type
// feedback into small ones, which the harness never mixes with large ones.
const measured = new Map<string, Row>();
for (const profile of PROFILES) measured.set(`small ${profile}`, measureRow(smallWorkload(profile)));
for (const profile of PROFILES) measured.set(`large ${profile}`, measureRow(largeWorkload(profile)));
const all = [...measured.values()];
// The host's best: the 90th percentile of every reference run (the maximum is one run, and the loop has noise of its own).
const hostRuns = all.flatMap((r) => [...r.both.host, ...r.specOnly.host, ...r.invOnly.host]).sort((a, b) => a - b);
const bestHost = hostRuns[Math.floor(hostRuns.length * 0.9)] as number;
const rows = PROFILES.flatMap((profile) => [`small ${profile}`, `large ${profile}`].map((k) => row(measured.get(k)!, bestHost)));

const header = ['graphs', 'profile', 'workload', 'spec+invariants', 'at host best', 'best pass', 'spec only', 'invariants only', 'host', 'generation (excluded)'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
const line = (cells: string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c] as number)).join(' | ')} |`;
const immerBuild = process.env.NODE_ENV === 'production' ? 'production' : 'development';
console.log(`dlmspec spec throughput: calls per CPU second, median pass (wall-clock over all passes in parentheses); ${seconds} s per measurement;`);
console.log(`node ${process.version}, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'} (immer ${immerBuild} build), load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`host: the reference loop (native/host-reference.c), run after every ${HOST_EVERY}th spec+invariants pass, median, as a share of its best in this run`);
console.log(`(90th percentile of ${hostRuns.length} runs: ${bestHost.toFixed(1)} M iterations per CPU second); at host best: spec+invariants scaled by best / median.`);
console.log('Target: >= 100,000 calls/s spec+invariants on small graphs.');
