/**
 * Validation results files (schema/results.schema.json): one per
 * `validate` (or `check`) run, next to the counterexample it found, read by
 * `report`.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatSequence } from '../model/call.ts';
import type { Profile } from '../spec/profile.ts';
import { SPEC_VERSION, type Counterexample } from './counterexample.ts';
import type { ImplOptions } from './counterexample-file.ts';
import { schemaError } from '../schema/validate.ts';
import { InputError, readJsonFile, writeFileAtomic } from './files.ts';
import type { RuleCounts } from './rules.ts';
import type { Shard } from './shard.ts';

/** Everything needed to repeat a run exactly (with `dlmspec validate`). */
export interface RunOptions {
  /** The `--impl` argument and the options that reach it. */
  readonly impl: string;
  readonly implOptions: ImplOptions;
  readonly profile: Profile;
  readonly runs: number;
  /** The base seed (before any shard derivation). */
  readonly seed: number;
  readonly shard: Shard | null;
  readonly maxCalls: number;
  readonly maxFindings: number;
  /** `--strict`: calls that trigger known loader bugs were generated too. */
  readonly strict: boolean;
}

/** One distinct finding, as the results file lists it. */
export interface ResultsFinding {
  readonly kind: string;
  readonly aspect: string | null;
  readonly step: number;
  readonly message: string;
  /** The calls, as C. */
  readonly sequence: string;
  /** Rules the failing step exercised. */
  readonly rules: readonly string[];
  /** Failures of the search that were this finding. */
  readonly occurrences: number;
  readonly shrunk: boolean;
  /** File name of its counterexample, in the same directory. */
  readonly counterexample: string;
}

export interface ResultsFile {
  readonly format: 'dlmspec-results';
  readonly specVersion: string;
  /** The `--impl` argument. */
  readonly impl: string;
  /** How the implementation described itself. */
  readonly implementation: string;
  readonly profile: Profile;
  /** The glibc release judged (the loader's, or --glibc-version); null: the newest behaviour. */
  readonly release: string | null;
  /** Known loader bugs the spec modelled at that release (spec/releases.ts): steps whose expectation followed each. */
  readonly modelledBugs: Readonly<Record<string, number>>;
  /** The seed this run searched with (derived from baseSeed for a shard). */
  readonly seed: number;
  readonly baseSeed: number;
  readonly shard: Shard | null;
  /** Sequences asked for (for this shard). */
  readonly runs: number;
  /** Sequences generated (shrinking not counted). */
  readonly completed: number;
  /** Sequences run in all, shrinking included. */
  readonly executions: number;
  readonly elapsedMs: number;
  readonly finishedAt: string;
  readonly verdict: 'conforms' | 'diverges';
  /** The run was stopped (SIGINT/SIGTERM) before its budget was spent. */
  readonly interrupted: boolean;
  /** Whether calls that trigger known loader bugs were left out (not `--strict`). */
  readonly knownBugsAvoided: boolean;
  readonly options: RunOptions;
  readonly rules: RuleCounts;
  /** The first distinct finding (also findings[0]). */
  readonly finding: Omit<ResultsFinding, 'rules' | 'occurrences' | 'shrunk' | 'counterexample'> | null;
  /** File name of the first finding's counterexample, in the same directory. */
  readonly counterexample: string | null;
  readonly findings: readonly ResultsFinding[];
}

/** A file-name-safe name for an implementation (and its options). */
export function implSlug(impl: string, options: unknown = {}): string {
  const plain = impl.replace(/^cmd:\s*/, 'cmd-').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  const simple = /^(native|spec:(glibc|rtld-shared))$/.test(impl) && JSON.stringify(options) === '{}';
  if (simple) return plain;
  return `${plain}-${shortHash(impl, JSON.stringify(options))}`;
}

function shortHash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex').slice(0, 8);
}

/**
 * `native--rtld-shared--seed42--shard1of4`: results and counterexample file
 * names start with it. Options that change which sequences are generated
 * (--max-calls, --strict) add a short hash of them, so two such runs never
 * share a name. --runs and --max-findings only say how far the same search
 * goes (finding k is the same file whatever the budget), so they do not.
 */
export function runStem(o: Pick<RunOptions, 'impl' | 'implOptions' | 'profile' | 'seed' | 'shard' | 'maxCalls' | 'strict'>): string {
  const s = o.shard !== null && o.shard.count > 1 ? `--shard${o.shard.index}of${o.shard.count}` : '';
  const generation = o.maxCalls === DEFAULT_GENERATION.maxCalls && o.strict === DEFAULT_GENERATION.strict ? '' : `--g${shortHash(String(o.maxCalls), String(o.strict))}`;
  return `${implSlug(o.impl, o.implOptions)}--${o.profile}--seed${o.seed}${s}${generation}`;
}

/** Generation options that leave file names without a hash. */
export const DEFAULT_GENERATION = { maxCalls: 12, strict: false } as const;

/** Finding 1 is `STEM.counterexample.json`, finding k > 1 `STEM--finding{k}.counterexample.json`. */
export function counterexampleName(stem: string, index: number): string {
  return `${stem}${index > 1 ? `--finding${index}` : ''}${COUNTEREXAMPLE_SUFFIX}`;
}

export function resultsName(stem: string): string {
  return stem + RESULTS_SUFFIX;
}

/** What a run found, for the results file. */
export interface RunOutcomeSummary {
  readonly stem: string;
  readonly implementation: string;
  readonly profile: Profile;
  readonly release: string | null;
  readonly modelledBugs: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly runs: number;
  readonly executions: number;
  readonly elapsedMs: number;
  readonly finishedAt: string;
  readonly interrupted: boolean;
  readonly rules: RuleCounts;
  readonly findings: readonly { index: number; counterexample: Counterexample; rules: readonly string[]; occurrences: number; shrunk: boolean }[];
}

export function resultsFile(o: RunOptions, r: RunOutcomeSummary): ResultsFile {
  const findings: ResultsFinding[] = r.findings.map((f) => {
    const x = f.counterexample.finding;
    return {
      kind: x.kind,
      aspect: x.aspect,
      step: x.step,
      message: x.message,
      sequence: formatSequence(f.counterexample.calls),
      rules: [...f.rules],
      occurrences: f.occurrences,
      shrunk: f.shrunk,
      counterexample: counterexampleName(r.stem, f.index),
    };
  });
  const first = findings[0];
  return {
    format: 'dlmspec-results',
    specVersion: SPEC_VERSION,
    impl: o.impl,
    implementation: r.implementation,
    profile: r.profile,
    release: r.release,
    modelledBugs: r.modelledBugs,
    seed: r.seed,
    baseSeed: o.seed,
    shard: o.shard,
    runs: o.runs,
    completed: r.runs,
    executions: r.executions,
    elapsedMs: r.elapsedMs,
    finishedAt: r.finishedAt,
    verdict: findings.length === 0 ? 'conforms' : 'diverges',
    interrupted: r.interrupted,
    knownBugsAvoided: !o.strict,
    options: o,
    rules: r.rules,
    finding: first === undefined ? null : { kind: first.kind, aspect: first.aspect, step: first.step, message: first.message, sequence: first.sequence },
    counterexample: first?.counterexample ?? null,
    findings,
  };
}

export const RESULTS_SUFFIX = '.results.json';
export const COUNTEREXAMPLE_SUFFIX = '.counterexample.json';

export async function writeResults(path: string, results: ResultsFile): Promise<void> {
  const problem = schemaError('results', results);
  if (problem !== null) throw new Error(`internal: refusing to write invalid results: ${problem}`);
  await writeFileAtomic(path, JSON.stringify(results, null, 2) + '\n');
}

export async function readResults(path: string): Promise<ResultsFile> {
  const value = await readJsonFile(path);
  const problem = schemaError('results', value);
  if (problem !== null) throw new InputError(`${path}: not a valid results file: ${problem}`);
  return value as ResultsFile;
}

/** Every results file of a directory, by name. */
export async function listResults(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${dir}: cannot read directory: ${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (e as Error).message}`);
  }
  return names.filter((n) => n.endsWith(RESULTS_SUFFIX)).sort().map((n) => join(dir, n));
}
