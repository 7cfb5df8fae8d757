/**
 * validate, replay and report through the real bin, on the spec as an
 * implementation (fast, no compiler) and on misbehaving external programs.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { formatSequence } from '../model/call.ts';
import { checkCounterexample, type CounterexampleFile } from '../harness/counterexample-file.ts';
import { schemaError } from '../schema/validate.ts';
import { BIN, FAKE_IMPL, runBin, tempDir } from './test-helpers.ts';

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('validate / replay / report on the spec', () => {
  let dir: string;
  let fail: Awaited<ReturnType<typeof runBin>>;
  let pass: Awaited<ReturnType<typeof runBin>>;
  const ce = () => join(dir, 'spec-glibc--rtld-shared--seed7.counterexample.json');

  beforeAll(async () => {
    dir = await tempDir();
    [fail, pass] = await Promise.all([
      // stock glibc's semantics judged by the RTLD_SHARED profile: diverges.
      runBin(['validate', '--impl', 'spec:glibc', '--profile', 'rtld-shared', '--runs', '200', '--seed', '7', '--out', dir], {
        env: { DLMSPEC_PROGRESS_INTERVAL_MS: '0' },
      }),
      runBin(['validate', '--impl', 'spec:rtld-shared', '--runs', '100', '--seed', '7', '--out', dir]),
    ]);
  });

  test('a divergence: exit 1, the C sequence, the divergence and the saved file', () => {
    expect(fail.code, fail.stderr).toBe(1);
    const c = read<CounterexampleFile>(ce());
    expect(checkCounterexample(c)).toBeNull();
    expect(c.shrunk).toBe(true);
    expect(c.impl).toBe('spec:glibc');
    expect(c.profile).toBe('rtld-shared');
    expect(c.seed).toBe(7);
    expect(c.path).toMatch(/^\d+(:\d+)*$/);
    expect(c.finding.kind).toBe('divergence');
    expect(c.finding.expected).not.toBeNull();
    expect(fail.stdout).toMatch(/^FAIL spec:glibc under rtld-shared: divergence at call \d+/);
    for (const line of formatSequence(c.calls).split('\n')) expect(fail.stdout).toContain(line);
    expect(fail.stdout).toMatch(/result {6}expected: .*\n {14}observed: /);
    expect(fail.stdout).toContain(`counterexample: ${ce()}`);
  });

  test('progress: plain lines when stderr is not a terminal', () => {
    expect(fail.stderr).toMatch(/^spec:glibc \/ rtld-shared: (\d+\/200|shrinking: \d+) runs, \d+ failing, [\d.]+ runs\/s, \d+ s$/m);
    expect(fail.stderr).toMatch(/divergence found at run \d+ .*saved to .*; shrinking/);
    expect(fail.stderr).not.toContain('\r');
  });

  test('conforming: exit 0 and a results file', () => {
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/^PASS spec:rtld-shared under rtld-shared: 100 sequences conform/);
    const results = read<Record<string, unknown>>(join(dir, 'spec-rtld-shared--rtld-shared--seed7.results.json'));
    expect(schemaError('results', results)).toBeNull();
    expect(results).toMatchObject({ verdict: 'conforms', runs: 100, completed: 100, counterexample: null, finding: null });
    expect(Object.keys(results.rules as object)).toContain('S2');
  });

  test('replay: still diverges on the implementation it was found on, conforms on the right one', async () => {
    const [again, fixed] = await Promise.all([runBin(['replay', ce(), '--impl', 'spec:glibc']), runBin(['replay', ce(), '--impl', 'spec:rtld-shared'])]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('DIVERGES: the recorded finding still holds');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('CONFORMS');
  });

  test('report: Markdown, HTML with the namespace diagram, JUnit XML', async () => {
    const out = join(dir, 'report');
    const r = await runBin(['report', '--in', dir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const c = read<CounterexampleFile>(ce());
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| rule | spec:glibc (rtld-shared) | spec:rtld-shared (rtld-shared) |');
    expect(md).toContain(formatSequence(c.calls));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg [^>]*class="dg"/);
    expect(html).toContain('dg-proxy'); // the spec expects a proxy, glibc makes none
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // no external assets
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="dlmspec" tests="\d+" failures="[1-9]\d*"/);
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
    expect(junit.match(/<testcase /g)!.length).toBe(junit.match(/<\/testcase>/g)!.length);
  });
});

describe('determinism and shards', () => {
  test('the same seed gives the same counterexample; shards get their own seeds and ceil(runs/n) runs', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const args = (out: string, extra: string[] = []) => ['validate', '--impl', 'spec:glibc', '--profile', 'rtld-shared', '--runs', '50', '--seed', '123', '--out', out, '--quiet', ...extra];
    const runs = await Promise.all([runBin(args(a)), runBin(args(b)), runBin(args(a, ['--shard', '1/3'])), runBin(args(a, ['--shard', '2/3']))]);
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1]);
    expect(runs[0]!.stderr).toBe(''); // --quiet
    const name = 'spec-glibc--rtld-shared--seed123.counterexample.json';
    const [x, y] = [read<CounterexampleFile>(join(a, name)), read<CounterexampleFile>(join(b, name))];
    expect(y.calls).toEqual(x.calls);
    expect(y.graph).toEqual(x.graph);
    expect(y.path).toEqual(x.path);
    const shards = readdirSync(a).filter((f) => f.includes('--shard') && f.endsWith('.results.json'));
    expect(shards).toHaveLength(2);
    const results = shards.map((f) => read<{ seed: number; baseSeed: number; runs: number; shard: unknown }>(join(a, f)));
    expect(new Set(results.map((r) => r.seed)).size).toBe(2);
    expect(results.every((r) => r.baseSeed === 123 && r.runs === 17 && r.seed !== 123)).toBe(true);
  });
});

describe('implementations that misbehave', () => {
  const cmd = (mode: string) => `cmd:${FAKE_IMPL} ${mode}`;

  test('a crash and a hang: exit 1, the finding saved; a failed handshake: exit 3, nothing saved', async () => {
    const dir = await tempDir();
    const helloDir = await tempDir();
    const [crash, hang, hello] = await Promise.all([
      // One short sequence each: every shrinking step restarts the program.
      runBin(['validate', '--impl', cmd('crash'), '--profile', 'glibc', '--runs', '1', '--max-calls', '1', '--seed', '1', '--out', dir, '--quiet']),
      runBin(['validate', '--impl', cmd('hang'), '--profile', 'glibc', '--runs', '1', '--max-calls', '1', '--seed', '1', '--timeout', '200', '--out', dir, '--quiet']),
      runBin(['validate', '--impl', cmd('hello-crash'), '--profile', 'glibc', '--runs', '1', '--seed', '1', '--out', helloDir, '--quiet']),
    ]);
    const saved = readdirSync(dir)
      .filter((f) => f.endsWith('.counterexample.json'))
      .map((f) => read<CounterexampleFile>(join(dir, f)));
    expect(saved).toHaveLength(2);
    for (const c of saved) expect(checkCounterexample(c)).toBeNull();
    const kinds = saved.map((c) => c.finding.kind).sort();
    expect(kinds).toEqual(['crash', 'timeout']);
    for (const r of [crash, hang]) {
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toBe('');
    }
    expect(crash.stdout).toMatch(/^FAIL cmd:.* under glibc: crash at call 0/);
    expect(hang.stdout).toMatch(/^FAIL cmd:.* under glibc: timeout at call 0/);
    // An implementation that cannot be talked to cannot be judged: not "diverges".
    expect(hello.code).toBe(3);
    expect(hello.stderr).toMatch(/^dlmspec: environment error: cannot validate cmd:.*handshake failed.*\n$/);
    expect(readdirSync(helloDir)).toEqual([]);
  });

  test('an interrupted run keeps its unshrunk counterexample', async () => {
    const dir = await tempDir();
    const { spawn } = await import('node:child_process');
    // Every run of this program takes 300 ms and fails: shrinking would take long; it is killed as soon as the file appears.
    const child = spawn(process.execPath, [BIN, 'validate', '--impl', cmd('slow-wrong'), '--profile', 'glibc', '--runs', '20', '--seed', '3', '--out', dir], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    let found: string | undefined;
    while (Date.now() < deadline && found === undefined) {
      await new Promise((r) => setTimeout(r, 100));
      found = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.counterexample.json')) : undefined;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(found).toBeDefined();
    const c = read<CounterexampleFile>(join(dir, found!));
    expect(checkCounterexample(c)).toBeNull();
    expect(c.shrunk).toBe(false);
    expect(c.path).toBeNull();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('past the first finding, over the protocol', () => {
  test('--max-findings: several distinct findings, a table, one file each that replays to its own finding; report lists them all', async () => {
    const dir = await tempDir();
    // The unmutated glibc spec served over PROTOCOL.md (mutants/server.ts), judged under rtld-shared.
    const impl = 'cmd:node --import tsx mutants/server.ts --mutant none --profile glibc';
    const r = await runBin(['validate', '--impl', impl, '--profile', 'rtld-shared', '--runs', '300', '--seed', '7', '--max-findings', '4', '--out', dir, '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^Distinct findings \(4; /m);
    expect(r.stdout).toMatch(/^ +# +rules +finding +calls +seen +file$/m);
    const resultsName = readdirSync(dir).find((f) => f.endsWith('.results.json'))!;
    const results = read<{ findings: { counterexample: string; rules: string[]; occurrences: number }[]; options: { maxFindings: number } }>(join(dir, resultsName));
    expect(schemaError('results', results)).toBeNull();
    expect(results.options.maxFindings).toBe(4);
    expect(results.findings).toHaveLength(4);
    const files = results.findings.map((f) => f.counterexample);
    expect(new Set(files).size).toBe(4);
    expect(readdirSync(dir).filter((f) => f.endsWith('.counterexample.json')).sort()).toEqual([...files].sort());
    for (const f of files) expect(r.stdout).toContain(join(dir, f));
    const replays = await Promise.all(files.map((f) => runBin(['replay', join(dir, f), '--impl', 'spec:glibc'])));
    for (const x of replays) {
      expect(x.code, x.stdout + x.stderr).toBe(1);
      expect(x.stdout).toContain('DIVERGES: the recorded finding still holds');
    }
    const rep = await runBin(['report', '--in', dir, '--out', join(dir, 'report')]);
    expect(rep.code, rep.stderr).toBe(0);
    const junit = readFileSync(join(dir, 'report', 'junit.xml'), 'utf8');
    // One JUnit failure per distinct finding.
    expect(junit).toMatch(/<testsuites name="dlmspec" tests="\d+" failures="4"/);
    const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
    for (const f of files) expect(md).toContain(f);
  });
});
