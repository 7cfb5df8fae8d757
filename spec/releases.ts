/**
 * Behaviour that differs between glibc releases, stated once, at the site of
 * the rule it belongs to, as data the spec reads: one line per range of
 * releases, what the loader does there, and the upstream commit (and bug)
 * that made it so. `behaviour(ctx, ...)` is the only place a release is
 * compared, so `spec/` reads like the loader's release notes, never like a
 * list of version checks.
 *
 * A range whose behaviour a later release fixed as a bug names that loader
 * bug (spec/loader-bugs.ts, `handling: 'modelled'`): on the releases that
 * have it the spec follows the bug, marked as such (the step records it, so
 * the matrix says "known bug" there), and random runs go on testing the
 * rest; under `strict` the spec expects the fix instead, so the bug shows as
 * the divergence its corpus file keeps.
 */
import { formatRange, inRange, type ReleaseRange } from '../model/release.ts';
import type { SpecContext } from './context.ts';

/** One range of releases and what the loader does in it. */
export interface Range<T> {
  readonly releases: ReleaseRange;
  readonly value: T;
  /** What happens there, in a line. */
  readonly says: string;
  /** Where the spec has it from: the commit and bug that changed it, or what was seen on which build. */
  readonly source: string;
  /** A loader bug of these releases that a later range fixed (spec/loader-bugs.ts). */
  readonly bug?: string;
}

/** A behaviour of one rule that changed between releases: its ranges, oldest first, covering every release. */
export interface Ranged<T> {
  readonly rule: string;
  /** What changed, as a reader looks it up (a row of the compatibility matrix). */
  readonly topic: string;
  readonly ranges: readonly Range<T>[];
}

/** `[from, until)`: the releases before `until` (from `from` on, when given). */
export const until = <T>(bound: string, value: T, says: string, source: string, bug?: { bug: string; from?: string }): Range<T> => ({
  releases: bug?.from !== undefined ? { from: bug.from, until: bound } : { until: bound },
  value,
  says,
  source,
  ...(bug !== undefined ? { bug: bug.bug } : {}),
});

/** `[from, until)`: the releases from `from` on (up to `before`, when given; a known bug of those releases, when named). */
export const since = <T>(bound: string, value: T, says: string, source: string, before?: string, bug?: string): Range<T> => ({
  releases: before !== undefined ? { from: bound, until: before } : { from: bound },
  value,
  says,
  source,
  ...(bug !== undefined ? { bug } : {}),
});

export function ranged<T>(rule: string, topic: string, ranges: readonly Range<T>[]): Ranged<T> {
  return { rule, topic, ranges };
}

/** The range the context's release is in. */
export function rangeAt<T>(ctx: Pick<SpecContext, 'release'>, r: Ranged<T>): Range<T> {
  const found = r.ranges.find((x) => inRange(ctx.release ?? null, x.releases));
  if (found === undefined) throw new Error(`internal: ${r.rule} (${r.topic}) has no range for this release`);
  return found;
}

/**
 * What the loader judged does, by its release: the value of its range. A
 * range that is a known bug gives the bug's behaviour and records it on the
 * step, unless the context is strict, which expects the fix (the first later
 * range that is no bug), or the loader carries the fix's backport.
 */
export function behaviour<T>(ctx: SpecContext, r: Ranged<T>): T {
  const at = rangeAt(ctx, r);
  if (at.bug === undefined) return at.value;
  if (!ctx.strict && ctx.backports?.includes(at.bug) !== true) {
    ctx.bugs?.add(at.bug);
    return at.value;
  }
  const fixed = r.ranges.slice(r.ranges.indexOf(at) + 1).find((x) => x.bug === undefined);
  if (fixed === undefined) throw new Error(`internal: ${r.rule} (${r.topic}): ${at.bug} has no fixed range`);
  return fixed.value;
}

/**
 * For a site that tells for itself whether a known bug changes anything: the
 * value as `behaviour` gives it (the fix under strict) without recording
 * the bug, and, when the release's range is a bug, the fixed value and the
 * bug's ID, so that the site records it (`followsBug`) only when the two
 * make a difference.
 */
export function behaviourOrFix<T>(ctx: SpecContext, r: Ranged<T>): { value: T; bug?: { id: string; fixed: T } } {
  const at = rangeAt(ctx, r);
  if (at.bug === undefined) return { value: at.value };
  const fixed = r.ranges.slice(r.ranges.indexOf(at) + 1).find((x) => x.bug === undefined);
  if (fixed === undefined) throw new Error(`internal: ${r.rule} (${r.topic}): ${at.bug} has no fixed range`);
  // A loader carrying the fix's backport (CONFORMANCE.md, Releases) behaves as fixed releases do.
  if (ctx.strict || ctx.backports?.includes(at.bug) === true) return { value: fixed.value };
  return { value: at.value, bug: { id: at.bug, fixed: fixed.value } };
}

/** Record that the step's expectation follows known bug `id` (it made a difference here). */
export function followsBug(ctx: SpecContext, id: string): void {
  ctx.bugs?.add(id);
}

/** `since 2.41: la_objopen ... (commit, bug)`: a range as CONFORMANCE.md and the matrix print it. */
export function describeRange(x: Range<unknown>): string {
  return `${formatRange(x.releases)}: ${x.says} (${x.source})${x.bug !== undefined ? ` [known bug ${x.bug}]` : ''}`;
}
