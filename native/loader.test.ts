/**
 * What the machine's loader really does (glibc 2.36, measured through the
 * native driver): hand-written sequences with the observations written out
 * in full. A loader that behaves differently fails here, and so does a driver
 * that observes wrongly.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import type { RunOutcome } from '../adapters/implementation.ts';
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { NamespaceView, Observation } from '../model/observation.ts';
import { LM_ID_NEWLM, RTLD_GLOBAL, RTLD_ISOLATE, RTLD_LAZY, RTLD_NOLOAD, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';
import { buildProgram } from './build-programs.ts';

const dso = (name: string, extra: Partial<Dso> = {}): Dso => ({
  name,
  needed: [],
  unique: false,
  nodelete: false,
  libc: false,
  symbols: [`f_${name.slice(3, -3)}`],
  ...extra,
});

/** liba -> libb, both libc-linked; libn libc-free; libu with an undefined symbol; libd needs a missing file. */
const graph: DsoGraph = {
  dsos: [
    dso('liba.so', { needed: ['libb.so'], libc: true }),
    dso('libb.so', { libc: true }),
    dso('libn.so', { needed: ['libb.so'] }),
    dso('libu.so', { undefinedSymbol: 'nosuch' }),
    dso('libd.so', { needed: ['libmissing.so'] }),
  ],
};

const LDSO = 'ld-linux-x86-64.so.2';
const NS0 = `0:[<main> linux-vdso.so.1 libc.so.6 ${LDSO}]`;

/** Namespaces as `ns:[a b(p)]`, proxies marked, ascending. */
function lists(namespaces: readonly NamespaceView[]): string {
  return namespaces.map((n) => `${n.ns}:[${n.entries.map((e) => e.object + (e.proxy ? '(p)' : '')).join(' ')}]`).join(' ');
}

const events = (o: Observation) => o.events.map((e) => `${e.event} ${e.object}@${e.ns}`);

const impl = new NativeImplementation();
afterAll(() => impl.close());

async function run(calls: Call[], g: DsoGraph = graph): Promise<Observation[]> {
  const out: RunOutcome = await impl.run(g, calls);
  expect(out.status, JSON.stringify(out)).toBe('ok');
  return [...out.observations];
}

beforeAll(async () => {
  await impl.hello(); // builds the driver
  await run([]); // builds the DSOs
});

describe('start-up state, read from the loader', () => {
  test('hello names the objects of namespace 0, their DT_NEEDED, and the loader', async () => {
    const info = await impl.hello();
    expect(info.implementation).toMatch(/^glibc 2\.\d+/);
    expect(info.system).toEqual([
      { name: '<main>', needed: ['libc.so.6'], unique: false, rtld: false },
      { name: 'linux-vdso.so.1', needed: [], unique: false, rtld: false },
      { name: 'libc.so.6', needed: [LDSO], unique: false, rtld: false },
      { name: LDSO, needed: [], unique: false, rtld: true },
    ]);
    expect(lists(info.initial)).toBe(NS0);
  });

  test('run under the loader as a command, the main program is still <main>', async () => {
    // The loader the driver names as its interpreter (PT_INTERP), run by hand.
    const headers = execFileSync('readelf', ['-lW', await buildProgram('driver')], { encoding: 'utf8' });
    const interpreter = /Requesting program interpreter: (.*)\]/.exec(headers)![1]!;
    const other = new NativeImplementation({ rtld: interpreter });
    try {
      const info = await other.hello();
      expect(info.system.map((s) => s.name)).toEqual(['<main>', 'linux-vdso.so.1', 'libc.so.6', LDSO]);
      expect(info.system.find((s) => s.rtld)?.name).toBe(LDSO);
      const [o] = (await other.run(graph, [{ op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libb.so', mode: RTLD_NOW }])).observations;
      expect(lists(o!.namespaces)).toBe(`${NS0} 1:[libb.so libc.so.6 ${LDSO}(p)]`);
    } finally {
      await other.close();
    }
  });
});

describe('namespaces', () => {
  test('dlmopen(LM_ID_NEWLM) of a libc-linked DSO: private libc, proxy of ld.so, constructors dependencies first', async () => {
    const [o] = await run([{ op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW }]);
    expect(o!.result).toEqual({ kind: 'handle', handle: 0, ns: 1, object: 'liba.so', proxy: false });
    expect(lists(o!.namespaces)).toBe(`${NS0} 1:[liba.so libb.so libc.so.6 ${LDSO}(p)]`);
    expect(events(o!)).toEqual(['ctor libb.so@1', 'ctor liba.so@1']);
  });

  test('a libc-free DSO brings nothing else into its namespace', async () => {
    const [o] = await run([{ op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_LAZY }]);
    expect(lists(o!.namespaces)).toBe(`${NS0} 1:[libu.so]`);
  });

  test('the same DSO in two namespaces: two copies, each constructor and destructor reported with its namespace', async () => {
    const obs = await run([
      { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libb.so', mode: RTLD_NOW },
      { op: 'dlclose', handle: 1 },
      { op: 'dlclose', handle: 0 },
    ]);
    expect(obs.map(events)).toEqual([['ctor libb.so@0'], ['ctor libb.so@1'], ['dtor libb.so@1'], ['dtor libb.so@0']]);
    expect(lists(obs[1]!.namespaces)).toBe(`0:[<main> linux-vdso.so.1 libc.so.6 ${LDSO} libb.so] 1:[libb.so libc.so.6 ${LDSO}(p)]`);
    expect(lists(obs[3]!.namespaces)).toBe(NS0);
  });

  test('a namespace emptied by dlclose is taken again by LM_ID_NEWLM; an explicit empty one is refused', async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_LAZY },
      { op: 'dlclose', handle: 0 },
      { op: 'dlmopen', lmid: 1, file: 'libu.so', mode: RTLD_LAZY },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_LAZY },
    ]);
    expect(obs[2]!.result).toEqual({ kind: 'null', error: 'libu.so: invalid target namespace in dlmopen(): Invalid argument' });
    expect(obs[3]!.result).toMatchObject({ kind: 'handle', ns: 1 });
  });

  test('15 namespaces with libc copies fit (GLIBC_TUNABLES=glibc.rtld.nns=16); the 16th dlmopen finds none free', async () => {
    const calls: Call[] = Array.from({ length: 16 }, () => ({ op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libb.so', mode: RTLD_NOW }));
    const obs = await run(calls);
    expect(obs.slice(0, 15).map((o) => (o.result.kind === 'handle' ? o.result.ns : o.result))).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    expect(obs[15]!.result).toEqual({ kind: 'null', error: 'libb.so: no more namespaces available for dlmopen(): Invalid argument' });
  });

  test('without the tunable, static TLS runs out before the namespaces do (and the message names no system directory)', async () => {
    const bare = new NativeImplementation({ env: { GLIBC_TUNABLES: undefined } });
    try {
      const calls: Call[] = Array.from({ length: 15 }, () => ({ op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libb.so', mode: RTLD_NOW }));
      const out = await bare.run(graph, calls);
      const failed = out.observations.findIndex((o) => o.result.kind === 'null');
      expect(failed).toBeGreaterThan(1);
      expect(out.observations[failed]!.result).toEqual({ kind: 'null', error: 'libc.so.6: cannot allocate memory in static TLS block' });
    } finally {
      await bare.close();
    }
  });
});

describe('modes and errors', () => {
  test('RTLD_GLOBAL into a namespace other than 0: invalid mode, no file named', async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW | RTLD_GLOBAL },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_LAZY },
      { op: 'dlmopen', lmid: 1, file: 'libb.so', mode: RTLD_NOW | RTLD_GLOBAL },
    ]);
    expect(obs[0]!.result).toEqual({ kind: 'null', error: 'invalid mode: Invalid argument' });
    expect(obs[2]!.result).toEqual({ kind: 'null', error: 'invalid mode: Invalid argument' });
    expect(lists(obs[2]!.namespaces)).toBe(`${NS0} 1:[libu.so]`);
  });

  test('neither RTLD_LAZY nor RTLD_NOW: invalid mode for dlopen(); both are accepted', async () => {
    const obs = await run([
      { op: 'dlopen', file: 'libu.so', mode: 0 },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_LAZY | RTLD_NOW },
    ]);
    expect(obs[0]!.result).toEqual({ kind: 'null', error: 'libu.so: invalid mode for dlopen(): Invalid argument' });
    expect(obs[1]!.result).toMatchObject({ kind: 'handle', ns: 0, object: 'libn.so' });
  });

  test('RTLD_NOLOAD: NULL without a message for a file not loaded, an error for a file that does not exist', async () => {
    const obs = await run([
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW | RTLD_NOLOAD },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libn.so', mode: RTLD_NOW | RTLD_NOLOAD },
      { op: 'dlopen', file: 'libzz.so', mode: RTLD_NOW | RTLD_NOLOAD },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW | RTLD_NOLOAD },
    ]);
    expect(obs.map((o) => o.result)).toEqual([
      { kind: 'null', error: null },
      { kind: 'null', error: null },
      { kind: 'null', error: 'libzz.so: cannot open shared object file: No such file or directory' },
      { kind: 'handle', handle: 3, ns: 0, object: 'libn.so', proxy: false },
      { kind: 'handle', handle: 3, ns: 0, object: 'libn.so', proxy: false },
    ]);
    expect(obs[1]!.namespaces).toEqual(obs[0]!.namespaces); // no namespace taken
  });

  test('an undefined symbol: RTLD_NOW fails and leaves no trace, RTLD_LAZY loads; NOW later finds the lazy entry', async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_NOW },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_LAZY },
      { op: 'dlmopen', lmid: 1, file: 'libu.so', mode: RTLD_NOW },
    ]);
    expect(obs[0]!.result).toEqual({ kind: 'null', error: 'libu.so: undefined symbol: nosuch' });
    expect(obs[0]!.events).toEqual([]);
    expect(lists(obs[0]!.namespaces)).toBe(NS0);
    expect(obs[1]!.result).toEqual({ kind: 'handle', handle: 1, ns: 1, object: 'libu.so', proxy: false });
    // Already loaded: glibc returns the entry without binding its PLT now.
    expect(obs[2]!.result).toEqual({ kind: 'handle', handle: 1, ns: 1, object: 'libu.so', proxy: false });
  });

  test('bits dlopen does not know are refused by dlopen and ignored by dlmopen', async () => {
    const obs = await run([
      { op: 'dlopen', file: 'libu.so', mode: RTLD_LAZY | RTLD_SHARED },
      { op: 'dlopen', file: 'libu.so', mode: RTLD_LAZY | 0x200 },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_LAZY | RTLD_SHARED },
      { op: 'dlmopen', lmid: 0, file: 'libu.so', mode: RTLD_LAZY | RTLD_ISOLATE },
    ]);
    expect(obs.map((o) => o.result)).toEqual([
      { kind: 'null', error: 'invalid mode parameter' },
      { kind: 'null', error: 'invalid mode parameter' },
      { kind: 'handle', handle: 2, ns: 1, object: 'libu.so', proxy: false },
      { kind: 'handle', handle: 3, ns: 0, object: 'libu.so', proxy: false },
    ]);
  });

  test('dlclose of a nodelete object succeeds every time; of an entry not open, fails', async () => {
    const g: DsoGraph = { dsos: [dso('libk.so', { nodelete: true })] };
    const obs = await run(
      [
        { op: 'dlopen', file: 'libk.so', mode: RTLD_NOW },
        { op: 'dlclose', handle: 0 },
        { op: 'dlclose', handle: 0 },
        { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libc.so.6', mode: RTLD_NOW },
        { op: 'dlmopen', lmid: 1, file: LDSO, mode: RTLD_NOW },
        { op: 'dlclose', handle: 4 },
        { op: 'dlclose', handle: 4 },
      ],
      g,
    );
    expect(obs.map((o) => o.result)).toEqual([
      { kind: 'handle', handle: 0, ns: 0, object: 'libk.so', proxy: false },
      { kind: 'ok' },
      { kind: 'ok' },
      { kind: 'handle', handle: 3, ns: 1, object: 'libc.so.6', proxy: false },
      { kind: 'handle', handle: 4, ns: 1, object: LDSO, proxy: true },
      { kind: 'ok' },
      { kind: 'fail', error: `${LDSO}: shared object not open` },
    ]);
    expect(lists(obs[6]!.namespaces)).toBe(`0:[<main> linux-vdso.so.1 libc.so.6 ${LDSO} libk.so] 1:[libc.so.6 ${LDSO}(p)]`);
  });

  test('a namespace can hold nothing but the proxy of ld.so', async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: LDSO, mode: RTLD_NOW },
      { op: 'dlclose', handle: 0 },
    ]);
    expect(lists(obs[0]!.namespaces)).toBe(`${NS0} 1:[${LDSO}(p)]`);
    expect(lists(obs[1]!.namespaces)).toBe(NS0);
  });

  test('a missing DT_NEEDED file: the error names it, the namespace stays free', async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libd.so', mode: RTLD_NOW },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libu.so', mode: RTLD_LAZY },
    ]);
    expect(obs[0]!.result).toEqual({ kind: 'null', error: 'libmissing.so: cannot open shared object file: No such file or directory' });
    expect(obs[1]!.result).toMatchObject({ kind: 'handle', ns: 1 });
  });
});

describe('handles, symbols, callers', () => {
  test('a handle is the lowest live call index with that pointer; an unloaded entry gets a fresh number', async () => {
    const obs = await run([
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_LAZY },
      { op: 'dlclose', handle: 0 },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW },
      { op: 'dlclose', handle: 1 },
      { op: 'dlclose', handle: 3 },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW },
    ]);
    expect(obs.map((o) => (o.result.kind === 'handle' ? o.result.handle : o.result.kind))).toEqual([0, 0, 'ok', 0, 'ok', 'ok', 6]);
    expect(events(obs[5]!)).toEqual(['dtor libn.so@0', 'dtor libb.so@0']);
  });

  test('dlsym names the real entry that defines the symbol; dlinfo gives the namespace', async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW },
      { op: 'dlsym', handle: 0, symbol: 'f_b' },
      { op: 'dlsym', handle: 0, symbol: 'malloc' },
      { op: 'dlsym', handle: 0, symbol: 'f_nowhere' },
      { op: 'dlinfo', handle: 0 },
      { op: 'dlmopen', lmid: 1, file: LDSO, mode: RTLD_NOW },
      { op: 'dlinfo', handle: 5 },
    ]);
    expect(obs.map((o) => o.result)).toEqual([
      { kind: 'handle', handle: 0, ns: 1, object: 'liba.so', proxy: false },
      { kind: 'symbol', ns: 1, object: 'libb.so' },
      { kind: 'symbol', ns: 1, object: 'libc.so.6' },
      { kind: 'null', error: 'liba.so: undefined symbol: f_nowhere' },
      { kind: 'lmid', lmid: 1 },
      { kind: 'handle', handle: 5, ns: 1, object: LDSO, proxy: true },
      { kind: 'lmid', lmid: 1 },
    ]);
  });

  test("dlopen and dlclose from a DSO's code act in that copy's namespace", async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW, caller: 0 },
      { op: 'dlclose', handle: 1, caller: 0 },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW },
    ]);
    expect(obs[1]!.result).toEqual({ kind: 'handle', handle: 1, ns: 1, object: 'libn.so', proxy: false });
    expect(events(obs[1]!)).toEqual(['ctor libn.so@1']);
    expect(events(obs[2]!)).toEqual(['dtor libn.so@1']);
    expect(obs[3]!.result).toMatchObject({ ns: 0, object: 'libn.so' });
  });

  test("a failed call from a DSO's code: the message is that of the caller's libc copy", async () => {
    const obs = await run([
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW },
      { op: 'dlopen', file: 'libu.so', mode: RTLD_NOW, caller: 0 },
      { op: 'dlopen', file: 'libzz.so', mode: RTLD_LAZY, caller: 0 },
      { op: 'dlopen', file: 'libzz.so', mode: RTLD_LAZY | RTLD_NOLOAD, caller: 0 },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_LAZY | RTLD_NOLOAD, caller: 0 },
    ]);
    expect(obs.slice(1).map((o) => o.result)).toEqual([
      { kind: 'null', error: 'libu.so: undefined symbol: nosuch' },
      { kind: 'null', error: 'libzz.so: cannot open shared object file: No such file or directory' },
      { kind: 'null', error: 'libzz.so: cannot open shared object file: No such file or directory' },
      { kind: 'null', error: null },
    ]);
  });

  test('glibc 2.36 bug: dlopen(RTLD_GLOBAL) from code in a secondary namespace crashes (add_to_global_resize)', async () => {
    const out = await impl.run(graph, [
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW | RTLD_GLOBAL, caller: 0 },
    ]);
    expect(out).toMatchObject({ status: 'crash', signal: 'SIGSEGV', exitCode: null });
    expect(out.observations).toHaveLength(1);
  });

  test('a call on a handle whose entry is gone is refused, not made', async () => {
    const out = await impl.run(graph, [
      { op: 'dlopen', file: 'libn.so', mode: RTLD_NOW },
      { op: 'dlclose', handle: 0 },
      { op: 'dlsym', handle: 0, symbol: 'f_n' },
    ]);
    expect(out.status).toBe('protocol-error');
    expect(out.observations).toHaveLength(2);
    expect(out.status === 'protocol-error' && out.detail).toMatch(/call 2 uses h0, whose entry is no longer loaded/);
    // The server goes on serving.
    expect((await impl.run(graph, [{ op: 'dlopen', file: 'libn.so', mode: RTLD_NOW }])).status).toBe('ok');
  });
});
