/**
 * glibc releases as a loader names itself (`gnu_get_libc_version()`):
 * `2.36` is the release 2.36 (or a distribution's build of its branch),
 * `2.42.9000` a development snapshot of master taken after 2.42 was
 * branched and before 2.43 (glibc's own numbering: `.9000` marks master).
 *
 * Releases are ordered, not listed: a range of releases ([from, until)) holds
 * any version between its bounds, so a release that no table names (2.40, or
 * a future 2.44) and every development snapshot fall into the range their
 * number puts them in. A development snapshot X.Y.9000 sorts after X.Y and
 * before X.(Y+1): it is judged as X.Y plus nothing of X.(Y+1), since which
 * of X.(Y+1)'s changes a snapshot already carries its number does not say.
 * A range that must tell snapshots apart names one as its bound.
 */

export interface Release {
  readonly major: number;
  readonly minor: number;
  /** 0 for a release; 9000 (or above) for a development snapshot after major.minor. */
  readonly patch: number;
}

/** `since`/`until` bounds in the text form of `parseRelease`. */
export interface ReleaseRange {
  /** The first release that has it (inclusive); absent: every release before `until`. */
  readonly from?: string;
  /** The first release that no longer has it (exclusive); absent: still so on master. */
  readonly until?: string;
}

const VERSION = /^(\d{1,3})\.(\d{1,4})(?:\.(\d{1,5}))?$/;

export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
}

/** `2.36`, `2.42.9000`; anything else is a ReleaseError. */
export function parseRelease(text: string): Release {
  const m = VERSION.exec(text.trim());
  if (m === null) throw new ReleaseError(`${JSON.stringify(text)} is not a glibc version like 2.36 or 2.42.9000`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** Whether `text` is a version `parseRelease` takes. */
export function isReleaseText(text: string): boolean {
  return VERSION.test(text.trim());
}

export function formatRelease(r: Release): string {
  return r.patch === 0 ? `${r.major}.${r.minor}` : `${r.major}.${r.minor}.${r.patch}`;
}

export function compareReleases(a: Release, b: Release): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export const isDevelopment = (r: Release): boolean => r.patch >= 9000;

/**
 * Whether release `r` is in `range`. `null` is the newest behaviour the spec
 * knows (`spec:glibc` with no version): later than every bound.
 */
export function inRange(r: Release | null, range: ReleaseRange): boolean {
  if (r === null) return range.until === undefined;
  if (range.from !== undefined && compareReleases(r, parseRelease(range.from)) < 0) return false;
  if (range.until !== undefined && compareReleases(r, parseRelease(range.until)) >= 0) return false;
  return true;
}

/**
 * The release before `until`, as a reader names the last one a range holds:
 * 2.41 → 2.40, 2.34.9000 → 2.34 (glibc numbers its releases 2.Y, one minor a
 * release).
 */
function lastBefore(until: Release): string {
  if (until.patch > 0) return formatRelease({ ...until, patch: 0 });
  return `${until.major}.${until.minor - 1}`;
}

/** `2.35 to 2.36`, `since 2.41`, `up to 2.40`, `2.34 only`, `every release`. */
export function formatRange(range: ReleaseRange): string {
  const { from, until } = range;
  if (from === undefined && until === undefined) return 'every release';
  if (until === undefined) return `since ${from}`;
  const last = lastBefore(parseRelease(until));
  if (from === undefined) return `up to ${last}`;
  return from === last ? `${from} only` : `${from} to ${last}`;
}

/** The text of a release as the matrix and messages show it; `newest` for null. */
export const releaseLabel = (r: Release | null): string => (r === null ? 'newest' : formatRelease(r));
