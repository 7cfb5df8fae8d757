/**
 * A sweep: every sequence of a seeded budget run and judged, then each
 * distinct finding shrunk from the first sequence that showed it. What the
 * compatibility matrix is built from (matrix/).
 *
 * Unlike `validate`, which stops the search at a failure to shrink it and
 * goes on from a derived seed, a sweep runs exactly sequences 0..runs-1 of
 * the seed's stream (fast-check's run i, as a `path` replay makes it) and
 * shrinks afterwards. So a sweep split into shards (`--shard i/n`: a block
 * of consecutive indices each) runs the same sequences as the whole, and
 * the shards' results merge (`mergeSweeps`) into exactly the whole's:
 * counts add up, and each finding is the one shrunk from its lowest index,
 * which the shard holding that index shrank the way the whole would have
 * (a candidate fails only when it is that finding again).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Implementation, SystemInfo } from '../adapters/implementation.ts';
import { canPrefetch } from '../adapters/pool.ts';
import { arbCheckedScenario, type CheckedScenario, type Scenario } from '../generators/calls.ts';
import type { GraphOptions } from '../generators/graph.ts';
import type { Profile } from '../spec/profile.ts';
import type { SystemDescription } from '../spec/run.ts';
import { loaderSystem } from './backports.ts';
import { SPEC_VERSION, type Counterexample } from './counterexample.ts';
import { counterexampleFile, writeCounterexample, type ImplOptions } from './counterexample-file.ts';
import { failedRule, findingKey } from './findings.ts';
import { judge, type Finding } from './judge.ts';
import { bump, mergeCounts, type RuleCounts } from './rules.ts';
import type { Shard } from './shard.ts';
import { settle } from './validate.ts';
import { DEFAULT_MAX_CALLS } from './validate.ts';

export interface SweepOptions {
  /** null: chosen from the implementation's hello by `chooseProfile`. */
  readonly profile: Profile | null;
  readonly chooseProfile: (info: SystemInfo) => Profile;
  /** The release to judge by (`--glibc-version`); absent: the hello's. */
  readonly release?: string;
  /** The whole budget: sequences 0..runs-1 (a shard runs its block of them). */
  readonly runs: number;
  readonly seed: number;
  readonly shard: Shard | null;
  readonly maxCalls?: number;
  readonly graph?: GraphOptions;
  /** Leave out calls that trigger a known bug of the loader's release (not `--strict`). */
  readonly avoidKnownBugs: boolean;
  /** Distinct findings shrunk at most (the rest are counted, their first failure saved unshrunk). */
  readonly maxShrinks?: number;
  /** Where counterexample files go (null: nowhere), named STEM--KEYHASH.counterexample.json. */
  readonly outDir: string | null;
  readonly stem: string;
  /** Recorded in counterexample files: how the implementation was reached. */
  readonly impl: string;
  readonly implOptions: ImplOptions;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number, phase: 'running' | 'shrinking') => void;
}

/** One distinct finding of a sweep. */
export interface SweepFinding {
  /** harness/findings.ts findingKey: the rule that failed and what diverged. */
  readonly key: string;
  readonly failedRule: string | null;
  readonly kind: Finding['kind'];
  readonly aspect: string | null;
  readonly message: string;
  /** The lowest sequence index that showed it. */
  readonly firstIndex: number;
  /** Sequences of the sweep that showed it. */
  readonly occurrences: number;
  /** Rules the failing step of its (shrunk) counterexample exercised. */
  readonly rules: readonly string[];
  readonly calls: number;
  /** Shrunk (false: the first failure as found, when it did not fail again, or past maxShrinks). */
  readonly shrunk: boolean;
  /** Counterexample file name, in the sweep's directory (null when not written). */
  readonly file: string | null;
}

export interface SweepResult {
  readonly format: 'dlmspec-sweep';
  readonly specVersion: string;
  readonly impl: string;
  readonly implOptions: ImplOptions;
  /** How the implementation described itself; null when its handshake failed. */
  readonly implementation: string | null;
  readonly profile: Profile | null;
  /** The glibc release judged (null: the newest behaviour). */
  readonly release: string | null;
  readonly audit: boolean;
  readonly seed: number;
  readonly runs: number;
  readonly shard: Shard | null;
  /** The block of sequence indices this sweep ran: [from, to). */
  readonly from: number;
  readonly to: number;
  readonly strict: boolean;
  readonly maxCalls: number;
  /** Why nothing could run (the handshake failed), or null. */
  readonly handshake: string | null;
  /** Sequences run (to - from unless interrupted). */
  readonly ran: number;
  /** Sequences that crashed (or hung) before their first call was observed. */
  readonly failedAtFirstCall: number;
  readonly rules: RuleCounts;
  /** Modelled known bugs (spec/releases.ts): steps whose expectation followed each. */
  readonly bugs: Readonly<Record<string, number>>;
  readonly findings: readonly SweepFinding[];
  readonly interrupted: boolean;
}

/** The block of indices shard i of n runs: [floor((i-1)N/n), floor(iN/n)). */
export function shardBlock(runs: number, shard: Shard | null): { from: number; to: number } {
  if (shard === null) return { from: 0, to: runs };
  return { from: Math.floor(((shard.index - 1) * runs) / shard.count), to: Math.floor((shard.index * runs) / shard.count) };
}

/** `STEM--KEYHASH.counterexample.json`: the same finding gets the same name in every shard. */
export function sweepCounterexampleName(stem: string, key: string): string {
  return `${stem}--${createHash('sha256').update(key).digest('hex').slice(0, 10)}.counterexample.json`;
}

/** Values generated per fast-check sample call (and announced to a pool at once). */
const CHUNK = 200;
/** fast-check's own interrupt: it stops generating and shrinking, and keeps the failure found so far. */
const interrupt = () => new fc.PreconditionFailure(true);

interface FirstFailure {
  readonly index: number;
  readonly scenario: Scenario;
  readonly finding: Finding;
  readonly rules: readonly string[];
}

export async function sweep(impl: Implementation, opts: SweepOptions): Promise<SweepResult> {
  const { from, to } = shardBlock(opts.runs, opts.shard);
  const maxCalls = opts.maxCalls ?? DEFAULT_MAX_CALLS;
  const base = {
    format: 'dlmspec-sweep' as const,
    specVersion: SPEC_VERSION,
    impl: opts.impl,
    implOptions: opts.implOptions,
    audit: opts.implOptions.audit === true,
    seed: opts.seed,
    runs: opts.runs,
    shard: opts.shard,
    from,
    to,
    strict: !opts.avoidKnownBugs,
    maxCalls,
  };
  let info: SystemInfo;
  try {
    info = await impl.hello();
  } catch (e) {
    if ((e as Error).name === 'BuildError') throw e;
    // A loader that cannot even start the driver in this mode is a finding of the matrix, not a harness failure.
    const why = (e as Error).message.split('\n')[0] ?? 'handshake failed';
    return { ...base, implementation: null, profile: opts.profile, release: opts.release ?? null, handshake: why, ran: 0, failedAtFirstCall: 0, rules: {}, bugs: {}, findings: [], interrupted: false };
  }
  const profile = opts.profile ?? opts.chooseProfile(info);
  const release = opts.release ?? info.release;
  const system: SystemDescription = await loaderSystem(impl, info, profile, release);
  const arb = arbCheckedScenario({ profile, system, maxCalls, avoidKnownBugs: opts.avoidKnownBugs, process: info.extensions?.process === 1, ...opts.graph });
  const rules: RuleCounts = {};
  const bugs: RuleCounts = {};
  const firsts = new Map<string, FirstFailure>();
  const occurrences = new Map<string, number>();
  let ran = 0;
  let failedAtFirstCall = 0;
  let interrupted = false;

  // 1. Every sequence of the block, in order.
  for (let at = from; at < to && !interrupted; at += CHUNK) {
    const count = Math.min(CHUNK, to - at);
    const chunk: CheckedScenario[] = fc.sample(arb, { seed: opts.seed, path: String(at), numRuns: count });
    if (canPrefetch(impl)) impl.prefetch((f, c) => chunk.slice(f, f + c).map((v) => v.scenario), chunk.length);
    for (const [k, { scenario, run }] of chunk.entries()) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const outcome = await impl.run(scenario.graph, scenario.calls);
      ran++;
      const through = Math.min(outcome.observations.length, scenario.calls.length - 1);
      for (const s of run.steps.slice(0, through + 1)) {
        bump(rules, s.rules, 'exercised');
        bump(bugs, s.bugs, 'exercised');
      }
      const finding = judge(run.steps, outcome);
      if (finding !== null) {
        if (finding.kind !== 'divergence' && outcome.observations.length === 0) failedAtFirstCall++;
        const key = findingKey(finding);
        occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
        if (!firsts.has(key)) firsts.set(key, { index: at + k, scenario, finding, rules: run.steps[finding.step]?.rules ?? [] });
      }
      opts.onProgress?.(ran, to - from, 'running');
    }
  }

  // 2. Each distinct finding, shrunk from its first index.
  const counterexample = (scenario: Scenario, finding: Finding, path: string | null): Counterexample => ({
    format: 'dlmspec-counterexample',
    specVersion: SPEC_VERSION,
    profile,
    implementation: `${impl.name} (${info.implementation})`,
    system,
    strict: !opts.avoidKnownBugs,
    graph: scenario.graph,
    calls: scenario.calls,
    seed: opts.seed,
    path,
    finding,
  });
  const findings: SweepFinding[] = [];
  const ordered = [...firsts.entries()].sort(([, a], [, b]) => a.index - b.index);
  for (const [n, [key, first]] of ordered.entries()) {
    let shrunkTo: { counterexample: Counterexample; rules: readonly string[] } | null = null;
    if (!interrupted && n < (opts.maxShrinks ?? 20)) {
      let last: FirstFailure | null = null;
      const property = fc.asyncProperty(arb, async ({ scenario, run }) => {
        if (opts.signal?.aborted) throw interrupt();
        const f = judge(run.steps, await impl.run(scenario.graph, scenario.calls));
        opts.onProgress?.(n + 1, ordered.length, 'shrinking');
        if (f === null || findingKey(f) !== key) return true;
        last = { index: first.index, scenario, finding: f, rules: run.steps[f.step]?.rules ?? [] };
        return false;
      });
      const details = await fc.check(property, { seed: opts.seed, path: String(first.index) });
      const failed = last as FirstFailure | null;
      interrupted = opts.signal?.aborted === true;
      if (details.failed && failed !== null && !interrupted) {
        shrunkTo = await settle(impl, profile, system, !opts.avoidKnownBugs, failed, details.counterexamplePath, counterexample);
      }
    }
    const c = shrunkTo?.counterexample ?? counterexample(first.scenario, first.finding, null);
    const file = opts.outDir === null ? null : sweepCounterexampleName(opts.stem, key);
    if (file !== null) await writeCounterexample(join(opts.outDir!, file), counterexampleFile(c, { impl: opts.impl, implOptions: opts.implOptions, shrunk: shrunkTo !== null }));
    findings.push({
      key,
      failedRule: failedRule(c.finding),
      kind: c.finding.kind,
      aspect: c.finding.aspect,
      message: c.finding.message,
      firstIndex: first.index,
      occurrences: occurrences.get(key) ?? 1,
      rules: shrunkTo?.rules ?? first.rules,
      calls: c.calls.length,
      shrunk: shrunkTo !== null,
      file,
    });
  }
  const bugSteps = Object.fromEntries(Object.entries(bugs).map(([id, c]) => [id, c.exercised]));
  return { ...base, implementation: info.implementation, profile, release: release ?? null, handshake: null, ran, failedAtFirstCall, rules, bugs: bugSteps, findings, interrupted };
}

/**
 * The shards of one sweep (same loader, mode, seed, budget) as the whole:
 * counts added, each finding the one of its lowest first index, occurrences
 * summed. Throws when they are not the shards of one sweep or one is missing.
 */
export function mergeSweeps(parts: readonly SweepResult[]): SweepResult {
  const first = parts[0];
  if (first === undefined) throw new Error('no sweep to merge');
  const same = (s: SweepResult) => JSON.stringify([s.impl, s.implOptions, s.audit, s.seed, s.runs, s.strict, s.maxCalls, s.release, s.profile]);
  for (const p of parts) if (same(p) !== same(first)) throw new Error(`sweeps of different runs cannot merge: ${p.impl} ${same(p)} vs ${same(first)}`);
  const blocks = [...parts].sort((a, b) => a.from - b.from);
  for (let i = 0, at = 0; i < blocks.length; i++) {
    if (blocks[i]!.from !== at) throw new Error(`${first.impl}${first.audit ? ' --audit' : ''}: sequences ${at} to ${blocks[i]!.from - 1} of ${first.runs} are in no shard given`);
    at = blocks[i]!.to;
    if (i === blocks.length - 1 && at !== first.runs) throw new Error(`${first.impl}${first.audit ? ' --audit' : ''}: sequences ${at} to ${first.runs - 1} of ${first.runs} are in no shard given`);
  }
  const rules: RuleCounts = {};
  const bugs: Record<string, number> = {};
  const byKey = new Map<string, SweepFinding>();
  for (const p of blocks) {
    mergeCounts(rules, p.rules);
    for (const [id, n] of Object.entries(p.bugs)) bugs[id] = (bugs[id] ?? 0) + n;
    for (const f of p.findings) {
      const had = byKey.get(f.key);
      const keep = had === undefined || f.firstIndex < had.firstIndex ? f : had;
      byKey.set(f.key, { ...keep, occurrences: (had?.occurrences ?? 0) + f.occurrences });
    }
  }
  const handshake = blocks.find((b) => b.handshake !== null)?.handshake ?? null;
  return {
    ...first,
    implementation: blocks.find((b) => b.implementation !== null)?.implementation ?? null,
    shard: null,
    from: 0,
    to: first.runs,
    handshake,
    ran: blocks.reduce((n, b) => n + b.ran, 0),
    failedAtFirstCall: blocks.reduce((n, b) => n + b.failedAtFirstCall, 0),
    rules: sortedCounts(rules),
    bugs: Object.fromEntries(Object.entries(bugs).sort(([a], [b]) => a.localeCompare(b))),
    findings: [...byKey.values()].sort((a, b) => a.firstIndex - b.firstIndex),
    interrupted: blocks.some((b) => b.interrupted),
  };
}

const sortedCounts = (c: RuleCounts): RuleCounts => Object.fromEntries(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)));
