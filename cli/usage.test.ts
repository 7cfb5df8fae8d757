/** `--help` everywhere, and bad input: one line on stderr, exit status 2, nothing written. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { specCounterexample } from './fixtures.ts';
import { runBin, runMain, tempDir, type BinResult } from './test-helpers.ts';

const COMMANDS = ['check', 'validate', 'replay', 'repro', 'report', 'run', 'import', 'convert', 'rules', 'dsos'];

/** Runs at most two bins at a time (two cores). */
async function all<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

describe('help', () => {
  test('top level and every subcommand have --help', async () => {
    // The bin for two of them; main() in process for the rest.
    const runs = await all([
      () => runBin(['--help']),
      () => runMain(['help', 'repro']),
      ...COMMANDS.map((c) => () => (c === 'validate' ? runBin([c, '--help']) : runMain([c, '--help']))),
      () => runMain(['validate', '-h']),
    ]);
    const [top, helpRepro, ...rest] = runs as [BinResult, BinResult, ...BinResult[]];
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toContain(`  ${c} `);
    expect(helpRepro.stdout).toMatch(/^Usage: dlmspec repro /);
    COMMANDS.forEach((c, i) => {
      expect(rest[i]!.code, c).toBe(0);
      expect(rest[i]!.stdout).toMatch(new RegExp(`^Usage: dlmspec ${c} `));
    });
    expect(rest[COMMANDS.length]!.stdout).toMatch(/^Usage: dlmspec validate /);
    // --json on every command, --rule on validate and check.
    COMMANDS.forEach((c, i) => expect(rest[i]!.stdout, c).toMatch(/^  --json {2,}one JSON summary on stdout/m));
    for (const c of ['validate', 'check']) expect(rest[COMMANDS.indexOf(c)]!.stdout, c).toMatch(/^  --rule ID {2,}steer generation/m);
  });

  test('no command: usage on stderr, exit 2', async () => {
    const r = await runMain([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: dlmspec COMMAND/);
  });
});

describe('bad input', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = await tempDir();
    out = join(dir, 'never');
    const valid = await specCounterexample('glibc', 'rtld-shared');
    const write = (name: string, value: unknown) => writeFile(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
    await write('valid.json', valid);
    await write('malformed.json', '{"format": "dlmspec-counterexample", ');
    await write('schema.json', { ...valid, profile: 'musl' });
    await write('graph.json', { ...valid, graph: { dsos: [{ ...valid.graph.dsos[0], needed: ['liba.so'] }] } });
    await write('calls.json', { ...valid, calls: [...valid.calls, { op: 'dlclose', handle: 5 }] });
    await write('sym.json', { ...valid, calls: [...valid.calls, { op: 'dlsym', handle: 0, symbol: 'f0' }, { op: 'dlinfo', handle: 1 }] });
    await mkdir(join(dir, 'foreign'));
    await writeFile(join(dir, 'foreign', 'keep.txt'), 'mine');
    await mkdir(join(dir, 'empty'));
    await mkdir(join(dir, 'badresults'));
    await writeFile(join(dir, 'badresults', 'x.results.json'), JSON.stringify({ format: 'dlmspec-results' }));
  });

  const cases: [string, (d: string, o: string) => string[], RegExp][] = [
    ['unknown command', () => ['frob'], /unknown command "frob"/],
    ['unknown top-level option', () => ['--frob'], /unknown option "--frob"/],
    ['unknown option', (_d, o) => ['validate', '--bogus', '--out', o], /unknown option '--bogus'/],
    ['option without value', (_d, o) => ['validate', '--out', o, '--runs'], /'--runs <value>' needs a value/],
    ['unexpected argument', (_d, o) => ['validate', 'extra', '--out', o], /unexpected argument "extra"/],
    ['shard index 0', (_d, o) => ['validate', '--shard', '0/2', '--seed', '1', '--out', o], /--shard 0\/2: i must be between 1 and 2/],
    ['shard index past n', (_d, o) => ['validate', '--shard', '3/2', '--seed', '1', '--out', o], /i must be between 1 and 2/],
    ['shard not i/n', (_d, o) => ['validate', '--shard', 'half', '--seed', '1', '--out', o], /expected i\/n/],
    ['shard zero shards', (_d, o) => ['validate', '--shard', '0/0', '--seed', '1', '--out', o], /at least 1/],
    ['shard without seed', (_d, o) => ['validate', '--shard', '1/2', '--out', o], /--shard needs --seed/],
    ['unknown impl', (_d, o) => ['validate', '--impl', 'musl', '--out', o], /--impl "musl": unknown implementation/],
    ['unknown spec profile', (_d, o) => ['validate', '--impl', 'spec:musl', '--out', o], /unknown spec profile "musl"/],
    ['missing program', (_d, o) => ['validate', '--impl', 'cmd:/nonexistent/loader --x', '--out', o], /cannot run "\/nonexistent\/loader": no such executable file/],
    ['unknown profile', (_d, o) => ['validate', '--impl', 'spec:glibc', '--profile', 'musl', '--out', o], /--profile: unknown profile "musl"/],
    ['runs 0', (_d, o) => ['validate', '--impl', 'spec:glibc', '--runs', '0', '--out', o], /--runs 0: expected a whole number/],
    ['seed not a number', (_d, o) => ['validate', '--impl', 'spec:glibc', '--seed', '1.5', '--out', o], /--seed "1.5": expected a whole number/],
    ['--rtld with spec', (_d, o) => ['validate', '--impl', 'spec:glibc', '--rtld', '/bin/true', '--out', o], /--rtld applies to --impl native only/],
    ['--rtld missing', (_d, o) => ['validate', '--rtld', '/nonexistent/ld.so', '--out', o], /--rtld \/nonexistent\/ld.so: no such executable file/],
    ['bad --env', (_d, o) => ['validate', '--env', 'NOEQUALS', '--out', o], /--env "NOEQUALS": expected NAME=VALUE/],
    ['check runs negative', (_d, o) => ['check', '--runs=-1', '--out', o], /--runs -1: expected a whole number/],
    ['value starting with a dash', (_d, o) => ['check', '--runs', '-1', '--out', o], /option '--runs' has a value starting with '-': write --runs=VALUE/],
    ['replay without file', () => ['replay'], /replay: missing the counterexample FILE/],
    ['replay missing file', (d) => ['replay', join(d, 'nope.json')], /nope.json: cannot read: no such file/],
    ['replay a directory', (d) => ['replay', d], /cannot read: is a directory/],
    ['replay malformed JSON', (d) => ['replay', join(d, 'malformed.json')], /malformed.json: not valid JSON/],
    ['replay schema violation', (d) => ['replay', join(d, 'schema.json')], /schema.json: not a valid counterexample: \/profile: must be one of "glibc", "rtld-shared" \(got "musl"\)/],
    ['replay invalid graph', (d) => ['replay', join(d, 'graph.json')], /graph.json: invalid graph: .*needs itself/],
    ['replay invalid calls', (d) => ['replay', join(d, 'calls.json')], /calls.json: invalid calls: call 1: handle h5 is not an earlier call/],
    ['replay handle of a non-open call', (d) => ['replay', join(d, 'sym.json')], /call 2: handle h1 names a dlsym call/],
    ['repro without --out', (d) => ['repro', join(d, 'valid.json')], /repro: --out DIR is required/],
    ['repro into a foreign directory', (d) => ['repro', join(d, 'valid.json'), '--out', join(d, 'foreign')], /not empty and was not written by dlmspec repro/],
    ['repro of a malformed file', (d, o) => ['repro', join(d, 'malformed.json'), '--out', o], /not valid JSON/],
    ['report on no results', (d, o) => ['report', '--in', join(d, 'empty'), '--out', o], /no validation results/],
    ['report on a missing directory', (d, o) => ['report', '--in', join(d, 'nope'), '--out', o], /cannot read directory: no such directory/],
    ['unknown --rule', (_d, o) => ['validate', '--impl', 'spec:glibc', '--rule', 'NOPE1', '--out', o], /--rule NOPE1: no such rule in the catalogue/],
    ['unreachable --rule', (_d, o) => ['validate', '--impl', 'spec:glibc', '--rule', 'S2', '--runs', '1', '--seed', '1', '--out', o, '--quiet'], /--rule S2: no generated step reaches it under profile glibc/],
    ['report on bad results', (d, o) => ['report', '--in', join(d, 'badresults'), '--out', o], /x.results.json: not a valid results file: \(top level\): missing property/],
  ];

  /** Through the real bin: one case of each kind; all of them in process (the same main()). */
  const THROUGH_BIN = new Set(['unknown command', 'unknown option', 'shard index past n', 'unknown impl', 'missing program', 'replay schema violation', 'repro into a foreign directory', 'report on bad results']);

  test(`${cases.length} cases: one line on stderr, exit 2, nothing written`, async () => {
    const results = await all(cases.map(([name, args]) => () => (THROUGH_BIN.has(name) ? runBin(args(dir, out)) : runMain(args(dir, out)))));
    cases.forEach(([name, , message], i) => {
      const r = results[i]!;
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toMatch(/^dlmspec: error: [^\n]+\n$/);
      expect(r.stderr, name).toMatch(message);
      expect(r.stdout, name).toBe('');
    });
    expect(existsSync(out)).toBe(false);
  });
});
