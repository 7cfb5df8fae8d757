/**
 * Running the probe's checks on a loader: each capability a process of its
 * own (native/probe.c under the loader, with the probe's DSOs), so that one
 * that crashes or hangs cannot hide the rest; a time limit each.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { MALLOC_PERTURB } from '../adapters/native.ts';
import { parseRelease } from '../model/release.ts';
import { buildProgram } from '../native/build-programs.ts';
import { profileFor, type Profile } from '../spec/profile.ts';
import { bugsOf, CAPABILITIES, type Capability, type ProbeStatus } from './capabilities.ts';

export interface ProbeTarget {
  /** The loader to run under: `RTLD --library-path DIRS probe ...`; absent: this machine's. */
  readonly rtld?: string;
  readonly libraryPath?: string;
}

export interface ProbeResult {
  readonly name: string;
  readonly status: ProbeStatus;
  /** What the check saw: its own line, the signal and the loader's message, or the time limit. */
  readonly detail: string;
  /** For the namespace counts: how many. */
  readonly count?: number;
  /** Known loader bugs of this loader's release that explain a failure (spec/loader-bugs.ts). */
  readonly knownBugs: readonly string[];
}

export interface ProbeReport {
  readonly format: 'dlmspec-probe';
  readonly version: 1;
  readonly release: string | null;
  readonly profile: Profile | null;
  readonly results: readonly ProbeResult[];
}

/** A check's time limit: no check can hang the probe. */
export const CHECK_TIMEOUT_MS = 3_000;

interface Kit {
  readonly program: string;
  readonly libs: readonly string[];
  readonly audit: string;
}

async function kit(): Promise<Kit> {
  const [program, lib, lib2, libu, libk, audit] = await Promise.all(
    (['probe', 'probe-lib', 'probe-lib2', 'probe-unique', 'probe-keep', 'audit'] as const).map((p) => buildProgram(p)),
  );
  return { program: program!, libs: [lib!, lib2!, libu!, libk!], audit: audit! };
}

/** The environment of a check: ours without LD_* and tunables, freed memory poisoned as in every native run, what the capability asks for. */
function checkEnv(cap: { tunables?: string; audit?: boolean }, k: Kit): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, v] of Object.entries(process.env)) if (!key.startsWith('LD_') && key !== 'GLIBC_TUNABLES') env[key] = v;
  env.GLIBC_TUNABLES = [MALLOC_PERTURB, ...(cap.tunables !== undefined ? [cap.tunables] : [])].join(':');
  if (cap.audit) env.LD_AUDIT = k.audit;
  return env;
}

interface Ran {
  readonly status: ProbeStatus;
  readonly json: Record<string, unknown> | null;
  readonly detail: string;
}

/** Objects named without their directory: where the probe's kit and the loader live is no part of the answer. */
const shortPaths = (text: string) => text.replace(/(?:\/[^\s/:"]+)+\/([^\s/:"]+\.so[.0-9]*)/g, '$1');

/** One check in a process of its own. */
function runCheck(target: ProbeTarget, k: Kit, check: string, cap: { tunables?: string; audit?: boolean }, timeoutMs: number): Promise<Ran> {
  const args = [check, ...k.libs];
  const [file, argv] =
    target.rtld === undefined
      ? [k.program, args]
      : [resolve(target.rtld), [...(target.libraryPath !== undefined ? ['--library-path', target.libraryPath.split(':').map((d) => resolve(d)).join(':')] : []), k.program, ...args]];
  return new Promise((done) => {
    execFile(file, argv, { env: checkEnv(cap, k), timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const tail = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      let json: Record<string, unknown> | null = null;
      try {
        json = line === undefined ? null : (JSON.parse(line) as Record<string, unknown>);
      } catch {
        json = null;
      }
      const e = error as (NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string | null }) | null;
      if (e !== null && e.killed && e.signal === 'SIGKILL') return done({ status: 'timeout', json: null, detail: `no answer within ${timeoutMs} ms` });
      if (e !== null && typeof e.signal === 'string') return done({ status: 'crashes', json: null, detail: shortPaths(`${e.signal}${tail ? `: ${tail}` : ''}`) });
      if (e !== null && json === null) return done({ status: 'crashes', json: null, detail: shortPaths(`exit ${e.code}${tail ? `: ${tail}` : ''}`) });
      if (json === null) return done({ status: 'crashes', json: null, detail: shortPaths(`no answer${tail ? `: ${tail}` : ''}`) });
      const status = json.status === 'works' ? 'works' : 'fails';
      done({ status, json, detail: typeof json.detail === 'string' ? shortPaths(json.detail) : '' });
    });
  });
}

/** Runs the probe's checks (all, or `only` those) on a loader, `concurrency` at a time. */
export async function runProbe(target: ProbeTarget, opts: { only?: readonly string[]; timeoutMs?: number; concurrency?: number } = {}): Promise<ProbeReport> {
  const k = await kit();
  const timeoutMs = opts.timeoutMs ?? CHECK_TIMEOUT_MS;
  const hello = await runCheck(target, k, 'hello', {}, timeoutMs);
  const release = typeof hello.json?.release === 'string' ? hello.json.release : null;
  const profile: Profile | null = hello.json === null ? null : profileFor([{ name: 'libc.so.6', unique: hello.json.libcUnique === true }]);
  const caps: Capability[] = opts.only === undefined ? [...CAPABILITIES] : CAPABILITIES.filter((c) => opts.only!.includes(c.name));
  const results: ProbeResult[] = new Array(caps.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < caps.length; i = next++) {
      const cap = caps[i]!;
      const ran = hello.json === null ? { status: 'crashes' as const, json: null, detail: `the loader does not start a program: ${hello.detail}` } : await runCheck(target, k, cap.check, cap, timeoutMs);
      const count = typeof ran.json?.count === 'number' ? ran.json.count : undefined;
      const knownBugs = ran.status === 'works' || profile === null ? [] : bugsOf(cap, profile, release === null ? null : parseRelease(release));
      results[i] = { name: cap.name, status: ran.status, detail: ran.detail, ...(count !== undefined ? { count } : {}), knownBugs };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? availableParallelism()) }, worker));
  return { format: 'dlmspec-probe', version: 1, release, profile, results };
}
