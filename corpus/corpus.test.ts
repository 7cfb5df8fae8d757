/**
 * The regression corpus: every counterexample file of this directory is
 * replayed through the spec, which must still expect what it recorded at the
 * first divergence.
 *
 * Files whose profile is the one this machine's loader calls for, found on
 * that loader (same start-up objects), are also run on it. A sequence that
 * triggers a known loader bug (generators/known-bugs.ts) must still diverge at that
 * call: when it no longer does, the bug is fixed and the registry is out of
 * date. Any other sequence recorded a bug of the spec (or of the harness),
 * fixed since: the loader must now agree with the spec on every call.
 * Files of the other profile say what a loader of that profile must do;
 * nothing is asserted about this machine's loader for them.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { reproFiles } from '../repro/generate.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import { profileFor } from '../cli/impl.ts';
import { formatSequence } from '../model/call.ts';
import type { ExpectedObservation, LifecycleEvent } from '../model/observation.ts';
import { readCounterexample } from '../harness/counterexample-file.ts';
import { judge } from '../harness/judge.ts';
import { KNOWN_BUGS, knownBug } from '../generators/known-bugs.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { rtldSharedLoader } from '../native/loaders.ts';

const shared = rtldSharedLoader();
if (shared.options === null) console.warn(`corpus/corpus.test.ts: files found on an RTLD_SHARED build are checked on the spec only: ${shared.missing}`);
import { runSpec } from '../spec/run.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** Event order as constraints between event keys: the indices of `order` are not significant. */
function normalise(e: ExpectedObservation) {
  const key = (x: LifecycleEvent) => `${x.event} ${x.object}@ns${x.ns}`;
  return {
    result: e.result,
    namespaces: e.namespaces,
    events: e.events.map(key).sort(),
    order: e.order.map(([a, b]) => `${key(e.events[a]!)} < ${key(e.events[b]!)}`).sort(),
  };
}

/** The real loaders a file can be about: this machine's, and the RTLD_SHARED build when configured. */
const LOADERS = [
  { label: "this machine's loader", impl: new NativeImplementation() },
  ...(shared.options ? [{ label: 'the RTLD_SHARED build', impl: new NativeImplementation(shared.options) }] : []),
  // Under dlmspec's audit module (--audit): the start-up state shows its namespace, so files found so match these.
  { label: "this machine's loader under audit", impl: new NativeImplementation({ audit: true }) },
  ...(shared.options ? [{ label: 'the RTLD_SHARED build under audit', impl: new NativeImplementation({ ...shared.options, audit: true }) }] : []),
];
const hellos = LOADERS.map((l) => l.impl.hello().catch(() => null));
afterAll(async () => Promise.all(LOADERS.map((l) => l.impl.close())));

/** The loader a file was found on (the same start-up objects, the profile it calls for), or undefined. */
async function loaderOf(c: Counterexample): Promise<(typeof LOADERS)[number] | undefined> {
  for (let i = 0; i < LOADERS.length; i++) {
    const info = await hellos[i]!;
    if (info === null) continue;
    const sameSystem = JSON.stringify(info.initial) === JSON.stringify(c.system.initial) && JSON.stringify(info.system) === JSON.stringify(c.system.system);
    if (sameSystem && profileFor(info.system) === c.profile) return LOADERS[i];
  }
  return undefined;
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

describe.skipIf(shared.options === null)('C reproducers of the RTLD_SHARED build\'s known bugs', () => {
  // The C reproducer does not run under an audit module: audit bugs are checked through the driver only.
  const files = FILES.filter((f) => f.startsWith('shared-') && !f.startsWith('shared-audit-'));
  test.each(files)('dlmspec repro %s builds with make and fails on that build', async (name) => {
    const c = await readCounterexample(join(DIR, name));
    const dir = await mkdtemp(join(tmpdir(), 'dlmspec-corpus-repro-'));
    try {
      for (const [path, text] of reproFiles(c)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      expect((await make(dir, [])).code, 'make').toBe(0);
      const lib = shared.options!.libraryPath as string;
      const run = await make(dir, ['run', `RTLD=${shared.options!.rtld}`, `RTLD_LIBRARY_PATH=${lib}`]);
      expect(run.code, run.out).not.toBe(0);
      expect(run.out).toMatch(/DIVERGES|Segmentation fault|Inconsistency detected by ld\.so/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

test('every known loader bug has a corpus file whose sequence triggers it', async () => {
  const triggered = new Set<string>();
  for (const name of FILES) {
    const c = await readCounterexample(join(DIR, name));
    const run = runSpec(c.profile, c.graph, c.calls, c.system);
    run.steps.forEach((s, i) => {
      const bug = knownBug(run.ctx, s.before, s.call, run.steps.slice(0, i).map((p) => ({ call: p.call, before: p.before })));
      if (bug) triggered.add(bug.id);
    });
  }
  expect(KNOWN_BUGS.map((b) => b.id).filter((id) => !triggered.has(id))).toEqual([]);
});

describe.each(FILES)('%s', (name) => {
  test('the spec still expects what the file recorded', async () => {
    const c = await readCounterexample(join(DIR, name));
    const steps = runSpec(c.profile, c.graph, c.calls, c.system).steps;
    const f = c.finding;
    if (f.expected === null) return;
    const step = steps[f.step];
    expect(step, `no step ${f.step}`).toBeDefined();
    expect(normalise(step!.expected), formatSequence(c.calls)).toEqual(normalise(f.expected));
    // And the recorded observation is still a divergence from it.
    if (f.kind === 'divergence') expect(judge(steps.slice(0, f.step + 1), { status: 'ok', observations: [...steps.slice(0, f.step).map((s) => s.expected), f.observed!] })).not.toBeNull();
  });

  test('the loader it was found on agrees, but where a known bug of that loader shows', async (ctx) => {
    const c = await readCounterexample(join(DIR, name));
    if (c.impl !== 'native') return ctx.skip();
    const loader = await loaderOf(c);
    if (loader === undefined) return ctx.skip();
    const run = runSpec(c.profile, c.graph, c.calls, c.system);
    const finding = judge(run.steps, await loader.impl.run(c.graph, c.calls));
    const past = (i: number) => run.steps.slice(0, i).map((p) => ({ call: p.call, before: p.before }));
    const bugStep = run.steps.findIndex((s, i) => knownBug(run.ctx, s.before, s.call, past(i)) !== undefined);
    if (bugStep < 0) {
      expect(finding, `${loader.label}: ${formatSequence(c.calls)}`).toBeNull();
    } else {
      // A trigger can be broader than its bug: the loader agrees before the
      // first call that triggers it, and diverges at that call or later.
      const bug = knownBug(run.ctx, run.steps[bugStep]!.before, run.steps[bugStep]!.call, past(bugStep))!;
      expect(finding, `known loader bug ${bug.id} no longer shows on ${loader.label}: fixed? update generators/known-bugs.ts`).not.toBeNull();
      expect(finding!.step).toBeGreaterThanOrEqual(bugStep);
    }
  });
});
