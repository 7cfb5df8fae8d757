/**
 * Which copy of glibc's DSO-sorting test descriptions each release has,
 * and where its imported tables are (scenarios/dso-sort/, made by `dlmspec
 * import` from the copy under src/). The files came with 2.35 (commit
 * e6fd79f379, bug 17645) and changed twice since (2.37: 1df71d32fe5f, bug
 * 28937; 2.39: 849274d48fc5, bug 30981); 2.39 to master have the same
 * text, shipped as the newest release's, glibc-2.42. 2.34 and the
 * RTLD_SHARED series (2.34.9000) have none of their own.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inRange, type Release, type ReleaseRange } from '../model/release.ts';

export interface DsoSortCopy {
  /** The directory under scenarios/dso-sort/, named by the tag the files were taken from. */
  readonly dir: string;
  /** The releases that carry this text. */
  readonly releases: ReleaseRange;
}

export const DSO_SORT_COPIES: readonly DsoSortCopy[] = [
  { dir: 'glibc-2.35', releases: { from: '2.35', until: '2.37' } },
  { dir: 'glibc-2.37', releases: { from: '2.37', until: '2.39' } },
  { dir: 'glibc-2.42', releases: { from: '2.39' } },
];

/** The newest copy: shipped as scenarios and run on every release. */
export const NEWEST = DSO_SORT_COPIES[DSO_SORT_COPIES.length - 1]!;

export const DSO_SORT_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), 'scenarios', 'dso-sort');

/** The copy a release has (null: the newest behaviour's, the newest copy), or null for 2.34 and the series (2.34.9000). */
export function copyOf(release: Release | null): DsoSortCopy | null {
  return DSO_SORT_COPIES.find((c) => inRange(release, c.releases)) ?? null;
}

/** The imported tables of a copy, by path, sorted. */
export function tablesOf(copy: DsoSortCopy): string[] {
  const dir = join(DSO_SORT_DIR, copy.dir);
  return readdirSync(dir).filter((f) => f.endsWith('.scenario')).sort().map((f) => join(dir, f));
}
