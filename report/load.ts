/**
 * What a report shows, read from a directory of validation results: one
 * column per implementation and profile (shards merged), and the
 * counterexamples they left.
 */
import { dirname, join } from 'node:path';
import { readCounterexample, type CounterexampleFile } from '../harness/counterexample-file.ts';
import { InputError } from '../harness/files.ts';
import { listResults, readResults, type ResultsFile } from '../harness/results.ts';
import { mergeCounts, type RuleCounts } from '../harness/rules.ts';
import type { Profile } from '../spec/profile.ts';

export interface ReportCounterexample {
  readonly file: string;
  readonly results: ResultsFile;
  readonly counterexample: CounterexampleFile;
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
}

/** `native:/opt/ld.so (glibc 2.37 ...)` -> `native:/opt/ld.so`. */
function shortName(implementation: string, impl: string): string {
  const paren = implementation.indexOf(' (');
  return paren > 0 ? implementation.slice(0, paren) : impl;
}

export async function loadReport(inDir: string): Promise<ReportData> {
  const paths = await listResults(inDir);
  if (paths.length === 0) throw new InputError(`${inDir}: no validation results (*.results.json) to report on; run dlmspec validate --out ${inDir} first`);
  const loaded: { path: string; results: ResultsFile; ce: CounterexampleFile | null }[] = [];
  for (const path of paths) {
    const results = await readResults(path);
    let ce: CounterexampleFile | null = null;
    if (results.counterexample !== null) {
      const cePath = join(dirname(path), results.counterexample);
      ce = await readCounterexample(cePath);
    }
    loaded.push({ path, results, ce });
  }
  const groups = new Map<string, typeof loaded>();
  for (const l of loaded) {
    // The implementation as it described itself: two loaders reached through
    // `--impl native` with different `--rtld` are two columns.
    const key = `${l.results.implementation}\u0000${l.results.profile}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const columns: ReportColumn[] = [...groups.values()].map((g) => {
    const first = g[0]!.results;
    const rules: RuleCounts = {};
    for (const l of g) mergeCounts(rules, l.results.rules);
    const counterexamples = g.flatMap((l) =>
      l.ce === null ? [] : [{ file: join(dirname(l.path), l.results.counterexample!), results: l.results, counterexample: l.ce }],
    );
    return {
      impl: first.impl,
      implementation: first.implementation,
      profile: first.profile,
      title: `${shortName(first.implementation, first.impl)} (${first.profile})`,
      runs: g.map((l) => l.results),
      sequences: g.reduce((n, l) => n + l.results.completed, 0),
      elapsedMs: g.reduce((n, l) => n + l.results.elapsedMs, 0),
      rules,
      verdict: g.every((l) => l.results.verdict === 'conforms') ? 'conforms' : 'diverges',
      counterexamples,
    };
  });
  columns.sort((a, b) => a.title.localeCompare(b.title));
  return {
    generatedAt: new Date().toISOString(),
    specVersions: [...new Set(loaded.map((l) => l.results.specVersion))],
    columns,
  };
}
