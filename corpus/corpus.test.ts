/**
 * The regression corpus: every counterexample file of this directory is
 * replayed through the spec, which must still expect what it recorded at the
 * first divergence (at the release it recorded, as strictly).
 *
 * Each file keeps a known loader bug (spec/loader-bugs.ts) or says why it is
 * kept. On every shared loader (../shared/loaders: each release, master and
 * the RTLD_SHARED build, native/loaders.ts), each bug file of the loader's
 * profile is replayed strictly at the loader's own release, as the
 * compatibility matrix does: it must diverge exactly on the loaders whose
 * profile and release the bug's record names, so a fixed release, or a
 * release wrongly left out of a range, is noticed. Its C reproducer fails on
 * a loader with the bug and passes on one without.
 *
 * Files found on this machine's own loader (no --rtld) must agree with it
 * but where a known bug of its release shows.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { KNOWN_BUGS, knownBug } from '../generators/known-bugs.ts';
import { readCounterexample, type CounterexampleFile } from '../harness/counterexample-file.ts';
import { judge } from '../harness/judge.ts';
import { replayCorpus } from '../matrix/run.ts';
import { formatSequence } from '../model/call.ts';
import type { ExpectedObservation, LifecycleEvent } from '../model/observation.ts';
import { parseRelease } from '../model/release.ts';
import { sharedLoaders, type LoaderDir } from '../native/loaders.ts';
import { reproFiles } from '../repro/generate.ts';
import { affects, LOADER_BUGS, loaderBug, type LoaderBug } from '../spec/loader-bugs.ts';
import { profileFor, type Profile } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const { loaders: SHARED, missing } = sharedLoaders();
if (missing !== null) console.warn(`corpus/corpus.test.ts: corpus files are checked on the spec and this machine's loader only: ${missing}`);

/** Files kept for another reason than a loader bug: what they show. */
const NOT_BUGS: Readonly<Record<string, string>> = {
  'stock-glibc-rtld-shared-flag.json': 'stock glibc is no RTLD_SHARED loader: judged by the rtld-shared profile it diverges',
  'stock-glibc-rtld-shared-unique-dlmopen.json': 'stock glibc ignores DF_GNU_1_UNIQUE: judged by the rtld-shared profile it diverges',
};

const bugOfFile = (name: string): LoaderBug | undefined => LOADER_BUGS.find((b) => b.corpus.includes(name));
const read = (name: string) => readCounterexample(join(DIR, name));
const specRun = (c: CounterexampleFile) => runSpec(c.profile, c.graph, c.calls, c.system, { strict: c.strict === true });

/** Event order as constraints between event keys: the indices of `order` are not significant. */
function normalise(e: ExpectedObservation) {
  const key = (x: LifecycleEvent) => `${x.event} ${x.object}@ns${x.ns}`;
  return {
    result: e.result,
    namespaces: e.namespaces,
    events: e.events.map(key).sort(),
    order: e.order.map(([a, b]) => `${key(e.events[a]!)} < ${key(e.events[b]!)}`).sort(),
    audited: e.audited,
  };
}

/** Runs `make` in `dir` with `args`; its exit status and output. */
function make(dir: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile('make', ['-s', '-C', dir, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      done({ code, out: stdout + stderr });
    });
  });
}

describe('the corpus files', () => {
  test('each keeps a known loader bug, named once, or says why it is kept', () => {
    const named = LOADER_BUGS.flatMap((b) => b.corpus);
    expect(named.filter((f, i) => named.indexOf(f) !== i), 'named by two bugs').toEqual([]);
    expect(named.filter((f) => !FILES.includes(f)), 'named but missing').toEqual([]);
    expect(FILES.filter((f) => !named.includes(f) && NOT_BUGS[f] === undefined), 'neither a bug file nor explained').toEqual([]);
  });

  test('every known loader bug has a corpus file that shows it at the release it was found on', async () => {
    const shown = new Set<string>();
    for (const name of FILES) {
      const c = await read(name);
      const bug = bugOfFile(name);
      if (bug === undefined) continue;
      const run = specRun(c);
      if (bug.handling === 'trigger') {
        // The file's calls trigger the bug at the release and profile recorded.
        const found = run.steps.some((s, i) => knownBug(run.ctx, s.before, s.call, run.steps.slice(0, i))?.id === bug.id);
        if (found) shown.add(bug.id);
      } else {
        // A modelled bug: judged as the release is (not strictly), the spec follows it on some step.
        const lenient = runSpec(c.profile, c.graph, c.calls, c.system, { strict: false });
        if (lenient.steps.some((s) => s.bugs.includes(bug.id))) shown.add(bug.id);
      }
    }
    // A bug only `dlmspec probe` shows (a libc copy's own services) has no corpus file: probe/probe.test.ts checks it on every loader.
    expect(LOADER_BUGS.filter((b) => b.handling !== 'probe').map((b) => b.id).filter((id) => !shown.has(id))).toEqual([]);
    expect(LOADER_BUGS.filter((b) => b.handling === 'probe' && (b.corpus.length > 0 || b.probe === undefined)).map((b) => b.id)).toEqual([]);
  });
});

describe.each(FILES)('%s', (name) => {
  test('the spec still expects what the file recorded', async () => {
    const c = await read(name);
    const steps = specRun(c).steps;
    const f = c.finding;
    if (f.expected === null) return;
    const step = steps[f.step];
    expect(step, `no step ${f.step}`).toBeDefined();
    expect(normalise(step!.expected), formatSequence(c.calls)).toEqual(normalise(f.expected));
    // And the recorded observation is still a divergence from it.
    if (f.kind === 'divergence') expect(judge(steps.slice(0, f.step + 1), { status: 'ok', observations: [...steps.slice(0, f.step).map((s) => s.expected), f.observed!] })).not.toBeNull();
  });
});

/** Loaders and their hellos, opened once for every test below. */
const opened: { impl: NativeImplementation; close(): Promise<void> }[] = [];
afterAll(async () => Promise.all(opened.map((o) => o.close())));
function driver(options: ConstructorParameters<typeof NativeImplementation>[0]): NativeImplementation {
  const impl = new NativeImplementation(options);
  opened.push({ impl, close: () => impl.close() });
  return impl;
}

describe.skipIf(SHARED.length === 0).each(SHARED.map((l) => [l.label, l] as const))('on %s', (_label, loader: LoaderDir) => {
  const plain = driver({ rtld: loader.rtld, libraryPath: loader.lib });
  const audit = driver({ rtld: loader.rtld, libraryPath: loader.lib, audit: true });

  test('every known bug\'s corpus file of its profile diverges exactly when the bug\'s record names this loader', async () => {
    const info = await plain.hello();
    const profile: Profile = profileFor(info.system);
    const release = info.release === undefined ? null : parseRelease(info.release);
    const replays = await replayCorpus(plain, audit, profile);
    const wrong = replays.filter((r) => (r.verdict === 'diverges') !== affects(loaderBug(r.bug)!, profile, release));
    expect(wrong.map((r) => `${r.file} (${r.bug}): ${r.verdict}${r.message ? `: ${r.message}` : ''}`), `glibc ${info.release} (${profile})`).toEqual([]);
  });
});

describe.skipIf(SHARED.length === 0)('C reproducers of the known bugs', () => {
  // The C reproducer runs no audit module: audit bugs are checked through the driver only.
  const cases: { name: string; bug: LoaderBug }[] = FILES.flatMap((name) => {
    const bug = bugOfFile(name);
    return bug === undefined || bug.mode === 'audit' ? [] : [{ name, bug }];
  });
  const profileOf = async (l: LoaderDir) => {
    const info = await driver({ rtld: l.rtld, libraryPath: l.lib }).hello();
    return { profile: profileFor(info.system), release: info.release === undefined ? null : parseRelease(info.release) };
  };
  test.each(cases.map((x) => [x.name, x] as const))('dlmspec repro %s builds with make, fails on a loader with the bug and passes on one without', async (_n, { name, bug }) => {
    const c = await read(name);
    const dir = await mkdtemp(join(tmpdir(), 'dlmspec-corpus-repro-'));
    try {
      for (const [path, text] of reproFiles(c)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      expect((await make(dir, [])).code, 'make').toBe(0);
      const described = await Promise.all(SHARED.map(async (l) => ({ l, ...(await profileOf(l)) })));
      const sameProfile = described.filter((d) => d.profile === c.profile);
      const withBug = sameProfile.find((d) => affects(bug, d.profile, d.release));
      const without = sameProfile.find((d) => !affects(bug, d.profile, d.release));
      expect(withBug, `a shared loader of the ${c.profile} profile with ${bug.id}`).toBeDefined();
      const run = (l: LoaderDir) => make(dir, ['run', `RTLD=${l.rtld}`, `RTLD_LIBRARY_PATH=${l.lib}`]);
      const bad = await run(withBug!.l);
      expect(bad.code, `${withBug!.l.label}: ${bad.out}`).not.toBe(0);
      expect(bad.out).toMatch(/DIVERGES|Segmentation fault|Inconsistency detected by ld\.so/);
      if (without !== undefined) {
        const good = await run(without.l);
        expect(good.code, `${without.l.label}: ${good.out}`).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe("this machine's loader", () => {
  const loaders = [driver({}), driver({ audit: true })];
  const hellos = loaders.map((l) => l.hello().catch(() => null));
  test.each(FILES)('%s: agrees, but where a known bug of its release shows', async (name) => {
    const c = await read(name);
    if (c.impl !== 'native' || c.implOptions?.rtld !== undefined) return;
    const at = (await Promise.all(hellos)).findIndex((info) => info !== null && JSON.stringify(info.initial) === JSON.stringify(c.system.initial) && profileFor(info.system) === c.profile);
    if (at < 0) return;
    const run = specRun(c);
    const finding = judge(run.steps, await loaders[at]!.run(c.graph, c.calls));
    const bugStep = run.steps.findIndex((s, i) => knownBug(run.ctx, s.before, s.call, run.steps.slice(0, i)) !== undefined);
    if (bugStep < 0) {
      expect(finding, formatSequence(c.calls)).toBeNull();
    } else {
      // A trigger can be broader than its bug: the loader agrees before the first call that triggers it, and diverges at that call or later.
      const bug = knownBug(run.ctx, run.steps[bugStep]!.before, run.steps[bugStep]!.call, run.steps.slice(0, bugStep))!;
      expect(finding, `known loader bug ${bug.id} no longer shows here: fixed? update spec/loader-bugs.ts`).not.toBeNull();
      expect(finding!.step).toBeGreaterThanOrEqual(bugStep);
    }
  });
  test('the bugs left out by trigger are the ones generators/known-bugs.ts has triggers for', () => {
    expect(KNOWN_BUGS.map((b) => b.id).sort()).toEqual(LOADER_BUGS.filter((b) => b.handling === 'trigger').map((b) => b.id).sort());
  });
});
