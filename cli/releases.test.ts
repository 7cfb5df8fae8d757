/**
 * Releases on the command line: the release is read from the loader and
 * judged by its own range; `--glibc-version` judges it as another, and the
 * changes between the two show as one finding per change (findings told
 * apart by the rule that failed and what diverged, not by the sequences
 * around them): AUD2 and AUD5 between 2.39 and 2.41.
 */
import { describe, expect, test } from 'vitest';
import { sharedLoaders } from '../native/loaders.ts';
import { runBin, tempDir } from './test-helpers.ts';

interface Summary {
  verdict: string;
  findings: { message: string }[];
  data: { implementation: string };
}
const rulesOf = (s: Summary) => s.findings.map((f) => /^\[(AUD\d)\]/.exec(f.message)?.[1] ?? f.message).sort();
const { loaders } = sharedLoaders();
const of = (label: string) => loaders.find((l) => l.label === label);

describe('one release judged as another', () => {
  test('--impl spec:glibc@X.Y is the spec at that release; a bad release is bad input', async () => {
    const out = await tempDir();
    const same = await runBin(['validate', '--impl', 'spec:glibc@2.39', '--runs', '50', '--seed', '1', '--out', out, '--quiet']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('under glibc 2.39');
    const bad = await runBin(['validate', '--impl', 'spec:glibc@two', '--runs', '5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"two" is not a glibc release/);
    expect((await runBin(['validate', '--glibc-version', '2.x', '--runs', '5'])).code).toBe(2);
  }, 120_000);

  test.skipIf(of('2.42') === undefined)('glibc 2.42 judged by its own release conforms under an audit module; judged as 2.39 it shows the two changes', async () => {
    const l = of('2.42')!;
    const base = ['validate', '--impl', 'native', '--rtld', l.rtld, '--library-path', l.lib, '--audit', '--runs', '300', '--seed', '7', '--max-findings', '10', '--quiet', '--json'];
    const own = await runBin([...base, '--out', await tempDir()], { timeoutMs: 120_000 });
    expect(own.code, own.stderr).toBe(0);
    const old = await runBin([...base, '--glibc-version', '2.39', '--out', await tempDir()], { timeoutMs: 120_000 });
    expect(old.code, old.stderr).toBe(1);
    expect(rulesOf(JSON.parse(old.stdout) as Summary)).toEqual(['AUD2', 'AUD5']);
  }, 240_000);
});
