/** The release ranges of the spec (spec/releases.ts, spec/release-ranges.ts): well formed, and read as the loader's release says. */
import { describe, expect, test } from 'vitest';
import { parseRelease } from '../model/release.ts';
import { loaderBug } from './loader-bugs.ts';
import { RELEASE_RANGES } from './release-ranges.ts';
import { behaviour, describeRange, ranged, rangeAt, since, until } from './releases.ts';

describe('release ranges', () => {
  test.each(RELEASE_RANGES.map((r) => [`${r.rule}: ${r.topic}`, r] as const))('%s covers every release once, oldest first', (_name, r) => {
    expect(r.ranges[0]!.releases.from).toBeUndefined();
    expect(r.ranges[r.ranges.length - 1]!.releases.until).toBeUndefined();
    for (let i = 1; i < r.ranges.length; i++) expect(r.ranges[i]!.releases.from).toBe(r.ranges[i - 1]!.releases.until);
  });

  test.each(RELEASE_RANGES.map((r) => [`${r.rule}: ${r.topic}`, r] as const))('%s: a range that is a bug names a modelled loader bug with the fix of the next range', (_name, r) => {
    r.ranges.forEach((x, i) => {
      if (x.bug === undefined) return;
      const bug = loaderBug(x.bug);
      expect(bug?.handling).toBe('modelled');
      expect(bug?.releases).toEqual(x.releases);
      const next = r.ranges[i + 1]!;
      expect(next.bug).toBeUndefined();
      expect(next.releases.from).toBe(bug?.fixed?.release);
      expect(next.source).toContain(bug!.fixed!.commit.slice(0, 12));
    });
  });

  const demo = ranged('demo', 'a demo', [
    until('2.35', 'old', 'the old way', 'seen', { bug: 'B' }),
    since('2.35', 'new', 'the new way', 'commit abc (bug 1)', '2.40'),
    since('2.40', 'newer', 'the newest way', 'commit def'),
  ]);

  test('a release is judged by the range its number falls in, listed or not', () => {
    const at = (v: string | null) => rangeAt({ release: v === null ? null : parseRelease(v) }, demo).value;
    expect(['2.30', '2.34.9000', '2.35', '2.39.9000', '2.40', '2.99', null].map(at)).toEqual(['old', 'old', 'new', 'new', 'newer', 'newer', 'newer']);
  });

  test('a bug range is followed and recorded, or under strict replaced by the fix that follows it', () => {
    const bugs = new Set<string>();
    const ctx = { profile: 'glibc' as const, release: parseRelease('2.34'), world: { graph: { dsos: [] }, system: [] }, bugs };
    expect(behaviour(ctx, demo)).toBe('old');
    expect([...bugs]).toEqual(['B']);
    expect(behaviour({ ...ctx, strict: true, bugs: new Set() }, demo)).toBe('new');
    expect(describeRange(demo.ranges[0]!)).toBe('up to 2.34: the old way (seen) [known bug B]');
    expect(describeRange(demo.ranges[1]!)).toBe('2.35 to 2.39: the new way (commit abc (bug 1))');
  });
});
