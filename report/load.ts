/**
 * What a report shows, read from a directory of validation results: one
 * column per implementation and profile (shards merged), and the
 * counterexamples they left.
 */
import { basename, dirname, join } from 'node:path';
import { readCounterexample, type CounterexampleFile } from '../harness/counterexample-file.ts';
import { InputError } from '../harness/files.ts';
import { DEFAULT_GENERATION, listResults, readResults, type ResultsFile } from '../harness/results.ts';
import { mergeCounts, type RuleCounts } from '../harness/rules.ts';
import type { Profile } from '../spec/profile.ts';

export interface ReportCounterexample {
  readonly file: string;
  readonly results: ResultsFile;
  readonly counterexample: CounterexampleFile;
  /** Failures of its run that were this finding. */
  readonly occurrences: number;
}

/** One implementation under one profile: every shard and seed of it. */
export interface ReportColumn {
  readonly impl: string;
  readonly implementation: string;
  readonly profile: Profile;
  readonly title: string;
  readonly runs: readonly ResultsFile[];
  readonly sequences: number;
  readonly elapsedMs: number;
  readonly rules: RuleCounts;
  readonly verdict: 'conforms' | 'diverges';
  readonly counterexamples: readonly ReportCounterexample[];
}

export interface ReportData {
  readonly generatedAt: string;
  readonly specVersions: readonly string[];
  readonly columns: readonly ReportColumn[];
  /** Files skipped, one line each. */
  readonly warnings: readonly string[];
}

/** `native:/opt/ld.so (glibc 2.37 ...)` -> `native:/opt/ld.so`. */
function shortName(implementation: string, impl: string): string {
  const paren = implementation.indexOf(' (');
  return paren > 0 ? implementation.slice(0, paren) : impl;
}

/**
 * Reads every results file of the directories and the counterexamples they list. A
 * file that cannot be read or does not check is skipped with a warning (one
 * line each, in `warnings`); the report goes on with the rest.
 */
export async function loadReport(inDirs: string | readonly string[]): Promise<ReportData> {
  // Several directories: results gathered on several machines (shards of one run, or runs of several loaders) make one report.
  const dirs = typeof inDirs === 'string' ? [inDirs] : inDirs;
  const paths = (await Promise.all(dirs.map((d) => listResults(d)))).flat();
  const inDir = dirs.join(', ');
  if (paths.length === 0) throw new InputError(`${inDir}: no validation results (*.results.json) to report on; run dlmspec validate --out ${dirs[0]} first`);
  const warnings: string[] = [];
  const loaded: { path: string; results: ResultsFile; ces: ReportCounterexample[] }[] = [];
  for (const path of paths) {
    let results: ResultsFile;
    try {
      results = await readResults(path);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      warnings.push(`skipped ${e.message}`);
      continue;
    }
    const ces: ReportCounterexample[] = [];
    for (const f of results.findings) {
      const file = join(dirname(path), basename(f.counterexample));
      try {
        ces.push({ file, results, counterexample: await readCounterexample(file), occurrences: f.occurrences });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        warnings.push(`skipped a counterexample of ${path}: ${e.message}`);
      }
    }
    loaded.push({ path, results, ces });
  }
  if (loaded.length === 0) throw new InputError(`${inDir}: none of the ${paths.length} results file(s) could be read (${warnings[0]})`);
  const groups = new Map<string, typeof loaded>();
  for (const l of loaded) {
    // The implementation as it described itself: two loaders reached through
    // `--impl native` with different `--rtld` are two columns; runs with
    // different generation options (--max-calls, --strict) too. Shards and
    // seeds of the same options are one column.
    const o = l.results.options;
    const key = JSON.stringify([l.results.implementation, l.results.profile, l.results.release, o.implOptions, o.maxCalls, o.strict]);
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const columns: ReportColumn[] = [...groups.values()].map((g) => {
    const first = g[0]!.results;
    const rules: RuleCounts = {};
    for (const l of g) mergeCounts(rules, l.results.rules);
    const variant = [first.options.maxCalls !== DEFAULT_GENERATION.maxCalls ? `max-calls ${first.options.maxCalls}` : '', first.options.strict ? 'strict' : ''].filter(Boolean);
    return {
      impl: first.impl,
      implementation: first.implementation,
      profile: first.profile,
      title: `${shortName(first.implementation, first.impl)} (${[first.profile, ...variant].join(', ')})`,
      runs: g.map((l) => l.results),
      sequences: g.reduce((n, l) => n + l.results.completed, 0),
      elapsedMs: g.reduce((n, l) => n + l.results.elapsedMs, 0),
      rules,
      verdict: g.every((l) => l.results.verdict === 'conforms') ? 'conforms' : 'diverges',
      counterexamples: g.flatMap((l) => l.ces),
    };
  });
  columns.sort((a, b) => a.title.localeCompare(b.title));
  return {
    generatedAt: new Date().toISOString(),
    specVersions: [...new Set(loaded.map((l) => l.results.specVersion))],
    columns,
    warnings,
  };
}
