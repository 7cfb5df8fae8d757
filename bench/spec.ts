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
 * Profile with: node --cpu-prof --import tsx bench/spec.ts --seconds 5
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { arbAbstractCall, arbScenario, concretize, type Scenario } from '../generators/calls.ts';
import { largeGraph } from '../generators/graph.ts';
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
  /** Calls per wall-clock second over the whole measurement. */
  readonly wall: number;
}

/**
 * Repeat `work` over all scenarios (at least once) for about `seconds`, after
 * a warm-up of half that (at least one pass): the optimizing compiler takes
 * about a second of CPU time on a busy machine before a workload runs at its
 * steady rate, which would otherwise be charged to whichever measurement
 * comes first (the harness runs thousands of sequences per process). Each
 * pass is timed on its own: the median pass is what the table shows, as a
 * run shared with other work on the machine slows some passes (cache and
 * core contention show in CPU time too) and leaves others alone.
 */
function measure(w: Workload, work: (s: Scenario) => void): Measure {
  const perPass = w.scenarios.reduce((n, s) => n + s.calls.length, 0);
  const warmUntil = performance.now() + seconds * 500;
  do {
    for (const s of w.scenarios) work(s);
  } while (performance.now() < warmUntil);
  const rates: number[] = [];
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000 || rates.length < 5) {
    const cpu = process.cpuUsage();
    for (const s of w.scenarios) work(s);
    const used = process.cpuUsage(cpu);
    rates.push((perPass / Math.max(1, used.user + used.system)) * 1e6);
    now = performance.now();
  }
  return { rates, wall: ((perPass * rates.length) / (now - start)) * 1000 };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** Calls per CPU second, median pass (wall-clock rate over all passes in parentheses). */
const rate = (m: Measure) => `${fmt(median(m.rates))} (${fmt(m.wall)})`;
/** The fastest pass: what the code does when nothing else competes for the core and its caches. */
const best = (m: Measure) => fmt(Math.max(...m.rates));

/** The table row of one workload: spec and invariants, spec alone, invariants alone. */
function row(w: Workload): string[] {
  const profile = w.profile;
  const calls = w.scenarios.reduce((n, s) => n + s.calls.length, 0);
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
  return [
    w.name,
    profile,
    `${w.scenarios.length} seq / ${calls} calls`,
    rate(both),
    best(both),
    rate(specOnly),
    rate(invOnly),
    `${fmt(w.generationMs)} ms (${fmt((calls / w.generationMs) * 1000)} calls/s)`,
  ];
}

// Small graphs first (both profiles), then large ones: a process that has run
// 1,000-DSO graphs (generating them runs the spec too) carries their type
// feedback into small ones, which the harness never mixes with large ones.
const measured = new Map<string, string[]>();
for (const profile of PROFILES) measured.set(`small ${profile}`, row(smallWorkload(profile)));
for (const profile of PROFILES) measured.set(`large ${profile}`, row(largeWorkload(profile)));
const rows = PROFILES.flatMap((profile) => [measured.get(`small ${profile}`)!, measured.get(`large ${profile}`)!]);

const header = ['graphs', 'profile', 'workload', 'spec+invariants', 'best pass', 'spec only', 'invariants only', 'generation (excluded)'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
const line = (cells: string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c] as number)).join(' | ')} |`;
const immerBuild = process.env.NODE_ENV === 'production' ? 'production' : 'development';
console.log(`dlmspec spec throughput: calls per CPU second, median pass (wall-clock over all passes in parentheses); ${seconds} s per measurement;`);
console.log(`node ${process.version}, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'} (immer ${immerBuild} build), load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log('Target: >= 100,000 calls/s spec+invariants on small graphs.');
