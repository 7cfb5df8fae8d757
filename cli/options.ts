/**
 * Argument parsing shared by the subcommands: node:util parseArgs in strict
 * mode, every problem turned into a one-line InputError (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../harness/files.ts';
import { parseProfile, type Profile } from '../spec/profile.ts';
import { isReleaseText } from '../model/release.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

export const HELP_OPTION: OptionSpec = { help: { type: 'boolean', short: 'h' } };

export function parse(command: string, args: readonly string[], options: OptionSpec, positionals: { min: number; max: number; what: string }): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...HELP_OPTION, ...options }, strict: true, allowPositionals: true }) as Parsed;
  } catch (e) {
    throw new InputError(`${command}: ${parseArgsMessage(e as Error)}`);
  }
  if (parsed.values.help === true) return parsed;
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new InputError(`${command}: missing ${positionals.what}`);
  if (n > positionals.max) throw new InputError(`${command}: unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`);
  return parsed;
}

/** parseArgs messages are long and advise about `--`; keep the first sentence. */
function parseArgsMessage(e: Error): string {
  const code = (e as { code?: string }).code;
  const m = /^(Unknown option '[^']+')/.exec(e.message) ?? /^(Option '[^']+' argument missing)/.exec(e.message);
  if (m) return m[1]!.replace(/^Unknown option/, 'unknown option').replace(/^Option (.*) argument missing/, 'option $1 needs a value');
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const ambiguous = /^Option '(--[^ ']+)[^']*' argument is ambiguous/.exec(e.message);
    if (ambiguous) return `option '${ambiguous[1]}' has a value starting with '-': write ${ambiguous[1]}=VALUE`;
    return e.message.split('. ')[0]!.replace(/^Option/, 'option');
  }
  return e.message.split('\n')[0]!;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A whole number option within bounds. */
export function int(p: Parsed, name: string, bounds: { min: number; max?: number }): number | undefined {
  const text = str(p, name);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new InputError(`--${name} ${JSON.stringify(text)}: expected a whole number`);
  const n = Number(text);
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > max) {
    throw new InputError(`--${name} ${text}: expected a whole number ${bounds.max === undefined ? `of at least ${bounds.min}` : `from ${bounds.min} to ${max}`}`);
  }
  return n;
}

/** fast-check seeds are 32-bit integers. */
export function seed(p: Parsed): number | undefined {
  return int(p, 'seed', { min: -0x80000000, max: 0x7fffffff });
}

export function profile(p: Parsed): Profile | undefined {
  const text = str(p, 'profile');
  if (text === undefined) return undefined;
  try {
    return parseProfile(text);
  } catch (e) {
    throw new InputError(`--profile: ${(e as Error).message}`);
  }
}

/** `--glibc-version X.Y`: judge by this glibc release instead of the one the loader reports (model/release.ts). */
export const RELEASE_OPTION: OptionSpec = { 'glibc-version': { type: 'string' } };
export const RELEASE_HELP = `  --glibc-version V      judge by glibc release V (2.36, 2.42.9000) instead of the one the loader
                         reports (native reads gnu_get_libc_version(); CONFORMANCE.md, release ranges)`;
export function glibcVersion(p: Parsed): string | undefined {
  const text = str(p, 'glibc-version');
  if (text === undefined) return undefined;
  if (!isReleaseText(text)) throw new InputError(`--glibc-version ${JSON.stringify(text)}: expected a glibc version like 2.36 or 2.42.9000`);
  return text.trim();
}

/** A fresh 31-bit seed, printed with the results so a run can be repeated. */
export function freshSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) & 0x7fffffff;
}

/** `--jobs N` (validate, check): sequences run on N native driver servers at once (adapters/pool.ts). */
export const JOBS_OPTION: OptionSpec = { jobs: { type: 'string' } };
export const JOBS_HELP = '  --jobs N               native: run sequences on N driver servers at once (default: the core count)';
export function jobs(p: Parsed): number | undefined {
  return int(p, 'jobs', { min: 1, max: 256 });
}
