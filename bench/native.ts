/**
 * Native throughput: sequences/s and calls/s through the full harness path
 * (NativeImplementation: request encoding, driver fork, namespace walks,
 * events, JSON, validation), beside a raw C loop making the same calls with
 * one fork per sequence and no observation, built and measured in this run.
 *
 *   npx tsx bench/native.ts [--seconds S] [--rounds R]
 *
 * Each side runs S seconds per scenario, in R alternating slices. Target:
 * harness time per sequence <= 3x the raw loop's ("ratio": raw seq/s over
 * harness seq/s). "cpu ratio" compares processor time per sequence (harness:
 * this process + driver + its children; raw: the loop + its children), which
 * load from other programs on the machine disturbs far less than wall time.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { DsoGraph } from '../model/graph.ts';
import { LM_ID_NEWLM, RTLD_LAZY, RTLD_NOW } from '../model/mode.ts';
import { driverEnv, encodeRun, NativeImplementation } from '../adapters/native.ts';
import { materialize } from '../native/build-dsos.ts';
import { buildProgram } from '../native/build-programs.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, rounds: { type: 'string', default: '8' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

const dso = (name: string, extra: Partial<Dso> = {}): Dso => ({
  name,
  needed: [],
  unique: false,
  nodelete: false,
  libc: false,
  symbols: [`f_${name.slice(3, -3)}`],
  ...extra,
});

interface Scenario {
  readonly name: string;
  readonly graph: DsoGraph;
  readonly calls: readonly Call[];
}

const scenarios: Scenario[] = [
  {
    // Private libc copies: every dlmopen maps and relocates a libc.
    name: 'libc-linked',
    graph: { dsos: [dso('liba.so', { needed: ['libb.so'], libc: true }), dso('libb.so', { libc: true }), dso('libn.so')] },
    calls: [
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW },
      { op: 'dlsym', handle: 0, symbol: 'f_b' },
      { op: 'dlinfo', handle: 0 },
      { op: 'dlopen', file: 'libn.so', mode: RTLD_LAZY },
      { op: 'dlmopen', lmid: 1, file: 'libn.so', mode: RTLD_NOW },
      { op: 'dlsym', handle: 4, symbol: 'f_n' },
      { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW, caller: 0 },
      { op: 'dlclose', handle: 6, caller: 0 },
      { op: 'dlclose', handle: 4 },
      { op: 'dlclose', handle: 3 },
      { op: 'dlclose', handle: 0 },
    ],
  },
  {
    // libc-free objects: loading is cheap, so the harness's share is largest.
    name: 'nostdlib',
    graph: { dsos: [dso('libx.so', { needed: ['liby.so'] }), dso('liby.so', { needed: ['libx.so'] }), dso('libz.so')] },
    calls: [
      ...[0, 1, 2, 3].flatMap((k): Call[] => [
        { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'libx.so', mode: RTLD_NOW },
        { op: 'dlsym', handle: k * 3, symbol: 'f_y' },
        { op: 'dlopen', file: 'libz.so', mode: RTLD_LAZY },
      ]),
      { op: 'dlclose', handle: 0 },
      { op: 'dlinfo', handle: 3 },
      { op: 'dlclose', handle: 3 },
    ],
  },
];

const TICK_NS = 1e9 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Processor time of a process and its waited-for children (/proc/PID/stat utime..cstime). */
function processCpuNs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14..17.
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) * TICK_NS;
}

/** Processor time of the whole harness path: this process, the driver, its children. */
function harnessCpuNs(pid: number): number {
  const own = process.cpuUsage();
  return (own.user + own.system) * 1000 + processCpuNs(pid);
}

function rawLoop(binary: string, iterations: number, request: string): Promise<{ sequences: number; calls: number; ns: number; cpuNs: number }> {
  return new Promise((resolve, reject) => {
    const child = execFile(binary, [String(iterations)], { env: driverEnv({}) }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin!.end(request);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const impl = new NativeImplementation();
const info = await impl.hello();
const loop = await buildProgram('bench-loop');
const systemNames = new Set(info.system.map((o) => o.name));
console.log(`${info.implementation}; ${rounds} interleaved rounds of ${seconds / rounds} s per side and scenario (medians)`);
console.log('scenario      calls/seq  harness seq/s  harness calls/s  raw seq/s  raw calls/s  ratio  harness cpu/seq  raw cpu  cpu ratio');

for (const s of scenarios) {
  const check = await impl.run(s.graph, s.calls);
  if (check.status !== 'ok') throw new Error(`${s.name}: ${JSON.stringify(check)}`);
  const request = encodeRun('bench', await materialize(s.graph), s.graph, systemNames, s.calls, 10_000);
  for (let i = 0; i < 20; i++) await impl.run(s.graph, s.calls); // warm-up
  await rawLoop(loop, 20, request);

  // Alternate the two sides in short slices, so that load from elsewhere on
  // the machine falls on both alike.
  const harness: number[] = [];
  const raw: number[] = [];
  let harnessCpu = 0;
  let harnessRuns = 0;
  let rawCpu = 0;
  let rawRuns = 0;
  for (let r = 0; r < rounds; r++) {
    let runs = 0;
    const cpu0 = harnessCpuNs(impl.driverPid!);
    const t0 = process.hrtime.bigint();
    const end = Date.now() + (seconds / rounds) * 1000;
    while (Date.now() < end) {
      const out = await impl.run(s.graph, s.calls);
      if (out.status !== 'ok') throw new Error(`${s.name}: ${out.status}`);
      runs++;
    }
    const rate = runs / (Number(process.hrtime.bigint() - t0) / 1e9);
    harnessCpu += harnessCpuNs(impl.driverPid!) - cpu0;
    harnessRuns += runs;
    harness.push(rate);
    const measured = await rawLoop(loop, Math.max(20, Math.round(rate * (seconds / rounds))), request);
    raw.push(measured.sequences / (measured.ns / 1e9));
    rawCpu += measured.cpuNs;
    rawRuns += measured.sequences;
  }
  const cpuPerRun = harnessCpu / harnessRuns / 1000;
  const rawCpuPerRun = rawCpu / rawRuns / 1000;
  const h = median(harness);
  const w = median(raw);
  const n = s.calls.length;
  console.log(
    [
      s.name.padEnd(12),
      String(n).padStart(9),
      h.toFixed(0).padStart(14),
      (h * n).toFixed(0).padStart(16),
      w.toFixed(0).padStart(10),
      (w * n).toFixed(0).padStart(12),
      `${(w / h).toFixed(2)}x`.padStart(6),
      `${cpuPerRun.toFixed(0)} us`.padStart(13),
      `${rawCpuPerRun.toFixed(0)} us`.padStart(9),
      `${(cpuPerRun / rawCpuPerRun).toFixed(2)}x`.padStart(9),
    ].join(' '),
  );
}
await impl.close();
