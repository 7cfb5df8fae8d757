import { describe, expect, test } from 'vitest';
import { compareReleases, formatRange, inRange, parseRelease, ReleaseError } from './release.ts';

const r = parseRelease;

describe('glibc releases', () => {
  test('a release and a development snapshot parse as the loader prints them', () => {
    expect(r('2.36')).toEqual({ major: 2, minor: 36, patch: 0 });
    expect(r('2.42.9000')).toEqual({ major: 2, minor: 42, patch: 9000 });
    for (const bad of ['2', '2.x', 'glibc 2.36', '2.36-9+deb12u14', '']) expect(() => r(bad)).toThrow(ReleaseError);
  });

  test('a snapshot sorts after the release it follows and before the next', () => {
    const order = ['2.34', '2.34.9000', '2.35', '2.40', '2.41', '2.42', '2.42.9000', '2.43'].map(r);
    for (let i = 1; i < order.length; i++) expect(compareReleases(order[i - 1]!, order[i]!)).toBeLessThan(0);
  });

  test('ranges hold the releases between their bounds, listed or not', () => {
    const fixed = { from: '2.35', until: '2.37' };
    expect(['2.34', '2.34.9000', '2.35', '2.35.9000', '2.36', '2.36.9000', '2.37'].map((v) => inRange(r(v), fixed))).toEqual([false, false, true, true, true, true, false]);
    // 2.40 is in no table: it falls where its number puts it.
    expect(inRange(r('2.40'), { until: '2.41' })).toBe(true);
    expect(inRange(r('2.40'), { from: '2.41' })).toBe(false);
    expect(inRange(r('2.42.9000'), { from: '2.41' })).toBe(true);
    // The newest behaviour is in every open-ended range and no closed one.
    expect(inRange(null, { from: '2.41' })).toBe(true);
    expect(inRange(null, { until: '2.41' })).toBe(false);
  });

  test('a range reads as a reader says it', () => {
    expect(formatRange({ from: '2.35', until: '2.37' })).toBe('2.35 to 2.36');
    expect(formatRange({ until: '2.41' })).toBe('up to 2.40');
    expect(formatRange({ from: '2.41' })).toBe('since 2.41');
    expect(formatRange({ from: '2.34', until: '2.34.9000' })).toBe('2.34 only');
    expect(formatRange({})).toBe('every release');
  });
});
