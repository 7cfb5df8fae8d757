/**
 * Validation results files (schema/results.schema.json): one per
 * `validate` (or `check`) run, next to the counterexample it found, read by
 * `report`.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Profile } from '../spec/profile.ts';
import { schemaError } from '../schema/validate.ts';
import { InputError, readJsonFile, writeFileAtomic } from './files.ts';
import type { RuleCounts } from './rules.ts';
import type { Shard } from './shard.ts';

export interface ResultsFile {
  readonly format: 'dlmspec-results';
  readonly specVersion: string;
  /** The `--impl` argument. */
  readonly impl: string;
  /** How the implementation described itself. */
  readonly implementation: string;
  readonly profile: Profile;
  /** The seed this run searched with (derived from baseSeed for a shard). */
  readonly seed: number;
  readonly baseSeed: number;
  readonly shard: Shard | null;
  /** Sequences asked for (for this shard). */
  readonly runs: number;
  /** Sequences generated before the first failure, or all of them. */
  readonly completed: number;
  /** Sequences run in all, shrinking included. */
  readonly executions: number;
  readonly elapsedMs: number;
  readonly finishedAt: string;
  readonly verdict: 'conforms' | 'diverges';
  /** Whether calls that trigger known loader bugs were left out (not `--strict`). */
  readonly knownBugsAvoided: boolean;
  readonly rules: RuleCounts;
  readonly finding: {
    readonly kind: string;
    readonly aspect: string | null;
    readonly step: number;
    readonly message: string;
    /** The calls, as C. */
    readonly sequence: string;
  } | null;
  /** File name of the counterexample, in the same directory. */
  readonly counterexample: string | null;
}

/** A file-name-safe name for an implementation (and its options). */
export function implSlug(impl: string, options: unknown = {}): string {
  const plain = impl.replace(/^cmd:\s*/, 'cmd-').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  const simple = /^(native|spec:(glibc|rtld-shared))$/.test(impl) && JSON.stringify(options) === '{}';
  if (simple) return plain;
  return `${plain}-${createHash('sha256').update(impl).update(JSON.stringify(options)).digest('hex').slice(0, 8)}`;
}

/** `native--rtld-shared--seed42--shard1of4`: results and counterexample file names start with it. */
export function runStem(slug: string, profile: Profile, seed: number, shard: Shard | null): string {
  const s = shard !== null && shard.count > 1 ? `--shard${shard.index}of${shard.count}` : '';
  return `${slug}--${profile}--seed${seed}${s}`;
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
