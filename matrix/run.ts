/**
 * Running the matrix's budget on loaders, and reading back what runs wrote:
 * on each loader (a directory whose lib/ holds ld-linux-x86-64.so.2), a
 * plain sweep, a sweep under dlmspec's audit module, and a strict replay of
 * every corpus file of a known bug that is of the loader's profile, and
 * `dlmspec probe`'s checks (probe/). Each
 * loader's results go to OUT/LABEL/ as files, so that shards run on other
 * machines (`--shard i/n`: a block of each sweep's sequences; the corpus
 * replays with shard 1) merge into the same matrix (`readRuns`).
 */
import { readdir, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Implementation } from '../adapters/implementation.ts';
import { NativeImplementation } from '../adapters/native.ts';
import { PooledImplementation } from '../adapters/pool.ts';
import { readCounterexample } from '../harness/counterexample-file.ts';
import { InputError, readJsonFile, writeFileAtomic } from '../harness/files.ts';
import { replayCounterexample } from '../harness/replay.ts';
import type { Shard } from '../harness/shard.ts';
import { mergeSweeps, sweep, type SweepResult } from '../harness/sweep.ts';
import type { LoaderDir } from '../native/loaders.ts';
import { LOADER_BUGS } from '../spec/loader-bugs.ts';
import { profileFor, type Profile } from '../spec/profile.ts';
import type { CorpusReplay, LoaderRun } from './build.ts';
import { runProbe, type ProbeReport } from '../probe/run.ts';

const CORPUS_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), 'corpus');

export interface MatrixBudget {
  readonly seed: number;
  readonly plainRuns: number;
  readonly auditRuns: number;
}

export interface RunLoaderOptions extends MatrixBudget {
  readonly shard: Shard | null;
  /** Driver servers per loader. */
  readonly jobs: number;
  readonly outDir: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (text: string) => void;
}

/** What a loader said of itself, kept beside its results. */
interface LoaderFile {
  readonly format: 'dlmspec-matrix-loader';
  readonly label: string;
  readonly dir: string;
  readonly profile: Profile | null;
  readonly release: string | null;
  readonly implementation: string | null;
}

const sweepName = (mode: 'plain' | 'audit', shard: Shard | null) => `${mode}${shard !== null && shard.count > 1 ? `.shard${shard.index}of${shard.count}` : ''}.sweep.json`;
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

function driver(loader: LoaderDir, audit: boolean, jobs: number): Implementation {
  const one = () => new NativeImplementation({ rtld: loader.rtld, libraryPath: loader.lib, ...(audit ? { audit: true } : {}) });
  return jobs > 1 ? new PooledImplementation(Array.from({ length: jobs }, one)) : one();
}

/** The corpus files of each known bug, of the loader's profile, replayed on it strictly at its own release. */
export async function replayCorpus(plain: Implementation, audit: Implementation, profile: Profile): Promise<CorpusReplay[]> {
  const out: CorpusReplay[] = [];
  for (const bug of LOADER_BUGS) {
    for (const file of bug.corpus) {
      const c = await readCounterexample(join(CORPUS_DIR, file));
      if (c.profile !== profile) continue;
      const audited = c.implOptions?.audit === true;
      const r = await replayCounterexample(audited ? audit : plain, c, { system: 'loader', strict: true });
      out.push({ file, bug: bug.id, audit: audited, verdict: r.finding === null ? 'conforms' : 'diverges', step: r.finding?.step ?? null, message: r.finding?.message ?? null });
    }
  }
  return out;
}

/** Everything the matrix runs on one loader; its files are written to OUT/LABEL/. */
export async function runLoader(loader: LoaderDir, opts: RunLoaderOptions): Promise<void> {
  const dir = join(opts.outDir, loader.label);
  await mkdir(dir, { recursive: true });
  const implOptions = { rtld: loader.rtld, libraryPath: loader.lib };
  const plain = driver(loader, false, opts.jobs);
  const audit = driver(loader, true, opts.jobs);
  try {
    const results: Record<'plain' | 'audit', SweepResult> = {} as never;
    for (const mode of ['plain', 'audit'] as const) {
      const runs = mode === 'plain' ? opts.plainRuns : opts.auditRuns;
      results[mode] = await sweep(mode === 'plain' ? plain : audit, {
        profile: null,
        chooseProfile: (info) => profileFor(info.system),
        runs,
        seed: opts.seed,
        shard: opts.shard,
        avoidKnownBugs: true,
        outDir: dir,
        stem: `${loader.label}--${mode}--seed${opts.seed}`,
        impl: 'native',
        implOptions: mode === 'audit' ? { ...implOptions, audit: true } : implOptions,
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
        onProgress: (done, total, phase) => opts.onProgress?.(`${loader.label}: ${mode} ${phase} ${done}/${total}`),
      });
      await writeFileAtomic(join(dir, sweepName(mode, opts.shard)), json(results[mode]));
    }
    const profile = results.plain.profile;
    const info: LoaderFile = { format: 'dlmspec-matrix-loader', label: loader.label, dir: loader.dir, profile, release: results.plain.release, implementation: results.plain.implementation };
    await writeFileAtomic(join(dir, 'loader.json'), json(info));
    if (profile !== null && (opts.shard === null || opts.shard.index === 1) && !opts.signal?.aborted) {
      opts.onProgress?.(`${loader.label}: corpus`);
      await writeFileAtomic(join(dir, 'corpus.json'), json(await replayCorpus(plain, audit, profile)));
      opts.onProgress?.(`${loader.label}: probe`);
      await writeFileAtomic(join(dir, 'probe.json'), json(await runProbe({ rtld: loader.rtld, libraryPath: loader.lib })));
    }
  } finally {
    await Promise.all([plain.close(), audit.close()]);
  }
}

/**
 * What runs wrote under each directory (OUT/LABEL/...), one LoaderRun per
 * label: its sweeps' shards merged, its corpus replays. A directory may hold
 * some shards and another the rest; together they must hold every block.
 */
export async function readRuns(dirs: readonly string[]): Promise<{ runs: LoaderRun[]; budget: MatrixBudget }> {
  const byLabel = new Map<string, { info: LoaderFile | null; plain: SweepResult[]; audit: SweepResult[]; corpus: CorpusReplay[] | null; probe: ProbeReport | null; dirs: string[] }>();
  for (const top of dirs) {
    let labels: string[];
    try {
      labels = (await readdir(top, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      throw new InputError(`--in ${top}: cannot read that directory`);
    }
    for (const label of labels) {
      const files = await readdir(join(top, label));
      if (!files.some((f) => f.endsWith('.sweep.json'))) continue;
      const entry = byLabel.get(label) ?? { info: null, plain: [], audit: [], corpus: null, probe: null, dirs: [] };
      entry.dirs.push(join(top, label));
      for (const f of files.sort()) {
        const path = join(top, label, f);
        if (f === 'loader.json') entry.info = (await readJsonFile(path)) as LoaderFile;
        else if (f === 'corpus.json') entry.corpus = (await readJsonFile(path)) as CorpusReplay[];
        else if (f === 'probe.json') entry.probe = (await readJsonFile(path)) as ProbeReport;
        else if (f.endsWith('.sweep.json')) {
          const s = (await readJsonFile(path)) as SweepResult;
          if (s.format !== 'dlmspec-sweep') throw new InputError(`${path}: not a dlmspec sweep result`);
          (s.audit ? entry.audit : entry.plain).push(s);
        }
      }
      byLabel.set(label, entry);
    }
  }
  if (byLabel.size === 0) throw new InputError(`--in ${dirs.join(' ')}: no matrix results there (LABEL/plain.sweep.json ...)`);
  const runs: LoaderRun[] = [];
  let budget: MatrixBudget | null = null;
  for (const [label, e] of [...byLabel.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const where = e.dirs.join(', ');
    if (e.info === null) throw new InputError(`${where}: no loader.json`);
    if (e.plain.length === 0 || e.audit.length === 0) throw new InputError(`${where}: the ${e.plain.length === 0 ? 'plain' : 'audit'} sweep is missing`);
    if (e.corpus === null && e.info.profile !== null) throw new InputError(`${where}: no corpus.json (written by the run with shard 1)`);
    let plain: SweepResult;
    let audit: SweepResult;
    try {
      plain = mergeSweeps(dedupe(e.plain));
      audit = mergeSweeps(dedupe(e.audit));
    } catch (x) {
      throw new InputError(`${label}: ${(x as Error).message}`);
    }
    const b = { seed: plain.seed, plainRuns: plain.runs, auditRuns: audit.runs };
    if (budget !== null && JSON.stringify(budget) !== JSON.stringify(b)) throw new InputError(`${label}: run with seed ${b.seed} and ${b.plainRuns}/${b.auditRuns} sequences, the others with seed ${budget.seed} and ${budget.plainRuns}/${budget.auditRuns}`);
    budget = b;
    runs.push({ label, dir: e.info.dir, profile: e.info.profile, release: e.info.release, implementation: e.info.implementation, plain, audit, corpus: e.corpus ?? [], probe: e.probe });
  }
  return { runs, budget: budget! };
}

/** The same shard found in two directories (a rerun copied twice) counts once. */
function dedupe(parts: readonly SweepResult[]): SweepResult[] {
  const seen = new Map<string, SweepResult>();
  for (const p of parts) seen.set(`${p.from}-${p.to}`, p);
  return [...seen.values()];
}
