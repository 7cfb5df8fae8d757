/**
 * `--impl native | spec:PROFILE | cmd:PROGRAM [ARGS]` and the options that go
 * with it (`--rtld`, `--library-path`, `--env`, `--timeout`, `--audit`): checked up front
 * (a bad value is an input error, exit 2) and turned into an Implementation.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Implementation } from '../adapters/implementation.ts';
import { NativeImplementation } from '../adapters/native.ts';
import { PooledImplementation } from '../adapters/pool.ts';
import { ProcessImplementation, splitCommand } from '../adapters/process.ts';
import { SpecImplementation } from '../adapters/spec.ts';
import type { ImplOptions } from '../harness/counterexample-file.ts';
import { InputError } from '../harness/files.ts';
import { parseProfile, type Profile } from '../spec/profile.ts';
import { isReleaseText } from '../model/release.ts';
import { referenceSystem } from '../spec/initial.ts';
import { flag, int, jobs, list, str, type OptionSpec, type Parsed } from './options.ts';

export const IMPL_OPTIONS: OptionSpec = {
  impl: { type: 'string' },
  rtld: { type: 'string' },
  'library-path': { type: 'string' },
  env: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  audit: { type: 'boolean' },
};

export const IMPL_HELP = `  --impl IMPL            native (this machine's loader, default), spec:glibc, spec:rtld-shared
                         (the spec's newest behaviour; spec:glibc@2.36: as of glibc 2.36),
                         or cmd:PROGRAM [ARGS] (a program speaking PROTOCOL.md)
  --rtld PATH            native: run the driver under this ld.so
  --library-path DIRS    native: directories (colon-separated) searched first for libc & co.
  --env K=V              native/cmd: extra environment for the implementation (repeatable)
  --timeout MS           native/cmd: a sequence must finish within MS ms (default 10000)
  --audit                native: run the driver under dlmspec's LD_AUDIT module and judge its audit events`;

export type ImplKind =
  | { readonly kind: 'native' }
  /** `spec:PROFILE[@RELEASE]`: the spec as an implementation, at a glibc release (absent: the newest behaviour). */
  | { readonly kind: 'spec'; readonly profile: Profile; readonly release?: string }
  | { readonly kind: 'cmd'; readonly argv: readonly string[] };

export interface ImplChoice {
  /** The `--impl` text, normalised. */
  readonly impl: string;
  readonly kind: ImplKind;
  readonly options: ImplOptions;
}

export function parseImpl(text: string): ImplKind {
  if (text === 'native') return { kind: 'native' };
  if (text.startsWith('spec:')) {
    const [name, release, ...rest] = text.slice(5).split('@');
    let profile: Profile;
    try {
      profile = parseProfile(name!);
    } catch {
      throw new InputError(`--impl ${text}: unknown spec profile "${name}" (expected spec:glibc or spec:rtld-shared, optionally @RELEASE)`);
    }
    if (release === undefined) return { kind: 'spec', profile };
    if (rest.length > 0 || !isReleaseText(release)) throw new InputError(`--impl ${text}: "${release}" is not a glibc release like 2.36 or 2.42.9000`);
    return { kind: 'spec', profile, release };
  }
  if (text.startsWith('cmd:')) {
    let argv: string[];
    try {
      argv = splitCommand(text.slice(4));
    } catch (e) {
      throw new InputError(`--impl ${text}: ${(e as Error).message}`);
    }
    if (argv.length === 0) throw new InputError(`--impl ${text}: cmd: needs a program`);
    return { kind: 'cmd', argv };
  }
  throw new InputError(`--impl ${JSON.stringify(text)}: unknown implementation (expected native, spec:glibc, spec:rtld-shared or cmd:PROGRAM)`);
}

/** The implementation options of the command line, and only those: nothing read from a file ever chooses what runs. */
export function implChoice(p: Parsed): ImplChoice {
  const text = str(p, 'impl') ?? 'native';
  const kind = parseImpl(text);
  const env: Record<string, string> = {};
  for (const kv of list(p, 'env')) {
    const eq = kv.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(kv.slice(0, eq))) throw new InputError(`--env ${JSON.stringify(kv)}: expected NAME=VALUE`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const rtld = str(p, 'rtld');
  const libraryPath = str(p, 'library-path');
  const timeoutMs = int(p, 'timeout', { min: 1, max: 24 * 3600 * 1000 });
  const options: ImplOptions = {
    ...(rtld !== undefined ? { rtld } : {}),
    ...(libraryPath !== undefined ? { libraryPath } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(flag(p, 'audit') ? { audit: true } : {}),
  };
  if (kind.kind !== 'native') {
    for (const [opt, v] of [['--rtld', options.rtld], ['--library-path', options.libraryPath], ['--audit', options.audit]] as const) {
      if (v !== undefined) throw new InputError(`${opt} applies to --impl native only, not ${text}`);
    }
  }
  if (kind.kind === 'spec') {
    for (const [opt, v] of [['--env', options.env], ['--timeout', options.timeoutMs]] as const) {
      if (v !== undefined) throw new InputError(`${opt} does not apply to ${text}`);
    }
  }
  if (kind.kind === 'native' && options.rtld !== undefined) checkExecutable(options.rtld, `--rtld ${options.rtld}`);
  if (kind.kind === 'cmd') checkExecutable(kind.argv[0]!, `--impl ${text}: cannot run ${JSON.stringify(kind.argv[0])}`, true);
  return { impl: text, kind, options };
}

/** A program that cannot be started at all is the user's mistake, not a finding. */
function checkExecutable(program: string, label: string, searchPath = false): void {
  const candidates = program.includes('/') || !searchPath ? [program] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, program));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return;
    } catch {
      // next candidate
    }
  }
  const why = program.includes('/') || !searchPath ? 'no such executable file' : 'not found in PATH';
  throw new InputError(`${label}: ${why}`);
}

/** `--jobs`: for native, the option or the core count; another implementation runs one sequence at a time. */
export function jobsFor(choice: ImplChoice, p: Parsed): number {
  const n = jobs(p);
  if (choice.kind.kind !== 'native') {
    if (n !== undefined && n > 1) throw new InputError(`--jobs applies to --impl native only, not ${choice.impl}`);
    return 1;
  }
  return n ?? availableParallelism();
}

/** The implementation; native with `jobs` above 1 is a pool of that many driver servers. */
/**
 * The implementation `choice` names. `tunables`: GLIBC_TUNABLES it runs
 * under besides dlmspec's own (a scenario's, scenarios/FORMAT.md): the
 * native driver's and a program's environment, the spec's system.
 */
export function openImpl(choice: ImplChoice, jobs = 1, tunables?: string): Implementation {
  const { kind, options } = choice;
  switch (kind.kind) {
    case 'spec': {
      const base = referenceSystem(kind.profile === 'rtld-shared');
      const sys = { ...base, ...(kind.release !== undefined ? { release: kind.release } : {}), ...(tunables !== undefined ? { tunables } : {}) };
      return new SpecImplementation(kind.profile, kind.release === undefined && tunables === undefined ? undefined : sys);
    }
    case 'native': {
      const server = () =>
        new NativeImplementation({
          ...(options.rtld !== undefined ? { rtld: options.rtld } : {}),
          ...(options.libraryPath !== undefined ? { libraryPath: options.libraryPath } : {}),
          ...(options.env !== undefined ? { env: options.env } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.audit ? { audit: true } : {}),
          ...(tunables !== undefined ? { tunables } : {}),
        });
      return jobs > 1 ? new PooledImplementation(Array.from({ length: jobs }, server)) : server();
    }
    case 'cmd':
      return new ProcessImplementation(kind.argv, {
        env: { ...process.env, ...(options.env ?? {}), ...(tunables !== undefined ? { GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, options.env?.GLIBC_TUNABLES, tunables].filter(Boolean).join(':') } : {}) },
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
  }
}

export { profileFor } from '../spec/profile.ts';
