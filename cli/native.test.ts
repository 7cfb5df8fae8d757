/**
 * This machine's loader through the real bin: validate finds stock glibc's
 * divergence from the rtld-shared profile, replay repeats it, repro turns it
 * into a C program that `make` builds and `make run` shows failing; a
 * sequence the loader handles as the spec says gives a reproducer that
 * passes.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import type { Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import { RTLD_LAZY, RTLD_NOLOAD, RTLD_NOW } from '../model/mode.ts';
import type { CounterexampleFile } from '../harness/counterexample-file.ts';
import { judge } from '../harness/judge.ts';
import { runSpec } from '../spec/run.ts';
import { runBin, tempDir } from './test-helpers.ts';

function make(dir: string, target?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('make', ['-C', dir, ...(target ? [target] : [])], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, output: stdout + stderr });
    });
  });
}

describe('native: validate -> replay -> repro -> make', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await tempDir();
    const v = await runBin(['validate', '--impl', 'native', '--profile', 'rtld-shared', '--runs', '30', '--seed', '2', '--out', dir, '--quiet']);
    expect(v.code, v.stdout + v.stderr).toBe(1);
    file = join(dir, readdirSync(dir).find((f) => f.endsWith('.counterexample.json'))!);
  });

  test('stock glibc diverges from rtld-shared, and still does on replay', async () => {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CounterexampleFile;
    expect(c.impl).toBe('native');
    expect(c.implementation).toMatch(/^native \(glibc /);
    expect(c.finding.kind).toBe('divergence');
    const r = await runBin(['replay', file]); // on the loader it was found on: native
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('on native under rtld-shared');
    expect(r.stdout).toContain('DIVERGES: the recorded finding still holds');
  });

  test('the reproducer builds with make and shows the divergence with make run', async () => {
    const out = join(dir, 'repro');
    const r = await runBin(['repro', file, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const makefile = readFileSync(join(out, 'Makefile'), 'utf8');
    for (const flag of ['-Wl,--no-as-needed', '-Wl,-z,lazy', "'-Wl,-rpath,$$ORIGIN'", '-nostdlib']) expect(makefile).toContain(flag);
    const main = readFileSync(join(out, 'main.c'), 'utf8');
    expect(main).toContain('#include "dlmspec-repro.h"');
    expect(readFileSync(join(out, 'dlmspec-repro.h'), 'utf8')).toContain('#define RTLD_SHARED 0x00080');
    const built = await make(out);
    expect(built.code, built.output).toBe(0);
    const run = await make(out, 'run');
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/DIVERGES in the (result|namespaces|constructors)/);
    expect(run.output).toMatch(/\n {6}expected [^\n]+\n {6}actual {3}/);
    const { finding } = JSON.parse(readFileSync(file, 'utf8')) as CounterexampleFile;
    expect(run.output).toContain(`The loader departs from the dlmspec specification at call ${finding.step}.`);
    // A second repro into the same directory is allowed: it was written by repro.
    expect((await runBin(['repro', file, '--out', out])).code).toBe(0);
  });
});

describe('native: a sequence the loader gets right', () => {
  /** Every kind of call and result: handles, symbols, lmid, errors, a caller, unloading, NOLOAD. */
  const graph: DsoGraph = {
    dsos: [
      { name: 'liba.so', needed: ['libb.so'], unique: false, nodelete: false, libc: true, symbols: ['f0'] },
      { name: 'libb.so', needed: [], unique: false, nodelete: false, libc: false, symbols: ['f0', 'f1'] },
    ],
  };
  const calls: Call[] = [
    { op: 'dlmopen', lmid: -1, file: 'liba.so', mode: RTLD_NOW },
    { op: 'dlsym', handle: 0, symbol: 'f1' },
    { op: 'dlinfo', handle: 0 },
    { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW, caller: 0 },
    { op: 'dlmopen', lmid: -1, file: 'libmissing.so', mode: RTLD_NOW },
    { op: 'dlsym', handle: 0, symbol: 'nosuch' },
    { op: 'dlclose', handle: 3 },
    { op: 'dlopen', file: 'liba.so', mode: RTLD_LAZY },
    { op: 'dlclose', handle: 0 },
    { op: 'dlopen', file: 'liba.so', mode: RTLD_NOW | RTLD_NOLOAD },
  ];

  test('the harness and the reproducer both find it conforming (glibc)', async () => {
    const impl = new NativeImplementation();
    const info = await impl.hello();
    const steps = runSpec('glibc', graph, calls, info).steps;
    const finding = judge(steps, await impl.run(graph, calls));
    await impl.close();
    expect(finding).toBeNull();

    const dir = await tempDir();
    const file = join(dir, 'conforming.json');
    const c: CounterexampleFile = {
      format: 'dlmspec-counterexample',
      specVersion: '1',
      profile: 'glibc',
      implementation: `native (${info.implementation})`,
      impl: 'native',
      shrunk: true,
      note: 'test fixture: no divergence',
      system: { system: info.system, initial: info.initial },
      graph,
      calls,
      seed: 0,
      path: null,
      finding: { step: calls.length, kind: 'crash', aspect: null, message: 'none', call: null, expected: null, observed: null },
    };
    await writeFile(file, JSON.stringify(c));
    const replay = await runBin(['replay', file]);
    expect(replay.code, replay.stdout).toBe(0);
    const out = join(dir, 'repro');
    expect((await runBin(['repro', file, '--out', out])).code).toBe(0);
    const run = await make(out, 'run');
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('All 10 calls behaved as the dlmspec specification (glibc) expects.');
    expect(run.output).toContain('ok: handle h3: libb.so in ns 1');
    expect(run.output).toContain('ok: symbol defined in libb.so of ns 1');
    expect(run.output).toContain('ok: NULL, dlerror "liba.so: undefined symbol: nosuch"');
  });
});
