/**
 * `npm run strength`: the suite's power, measured on the mutant library.
 * Every mutant is validated with the same budget and seed, through the same
 * harness as any implementation (model mutants over PROTOCOL.md via
 * mutants/server.ts, shim mutants through the native driver), and the table
 * says, per mutant: killed or survived, sequences to the first failure, time
 * to kill, and the size of the shrunk counterexample.
 *
 *   tsx mutants/strength.ts [--runs 300] [--seed 1] [--only NAME,...] [--kind model|shim]
 *                           [--via protocol|in-process] [--no-controls] [--markdown FILE] [--json FILE]
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Implementation } from '../adapters/implementation.ts';
import { NativeImplementation } from '../adapters/native.ts';
import { ProcessImplementation } from '../adapters/process.ts';
import { formatSequence } from '../model/call.ts';
import type { Profile } from '../spec/profile.ts';
import { validate } from '../harness/validate.ts';
import { MUTANTS } from './index.ts';
import { ModelMutantImplementation, type Mutant } from './mutant.ts';
import { shimImplementation } from './shims.ts';

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const SERVER = join(REPO, 'mutants', 'server.ts');

export const DEFAULT_RUNS = 300;
export const DEFAULT_SEED = 1;

export type Via = 'protocol' | 'in-process';

/** What is measured: a mutant (should be killed) or a control (should conform). */
export interface Subject {
  readonly name: string;
  readonly kind: 'model' | 'shim' | 'control';
  readonly profile: Profile;
  readonly rule: string;
  readonly description: string;
  readonly make: () => Promise<Implementation>;
  /** A real loader: generate no call that hits a known loader bug (generators/known-bugs.ts), as `dlmspec validate` does for it. */
  readonly native?: boolean;
}

export interface Measurement {
  readonly subject: Omit<Subject, 'make'>;
  readonly killed: boolean;
  /** Sequences generated up to and including the first failing one (all of them if none failed). */
  readonly runs: number;
  /** Wall-clock from the start of validation (program start and hello included) to the first failing sequence. */
  readonly timeToKillMs: number | null;
  /** Wall-clock of the whole validation, shrinking included. */
  readonly totalMs: number;
  /** Calls in the shrunk counterexample. */
  readonly calls: number | null;
  readonly finding: string | null;
  readonly counterexample: string | null;
}

/** A model mutant served by mutants/server.ts, spoken to over PROTOCOL.md. */
export function protocolImplementation(args: readonly string[]): ProcessImplementation {
  return new ProcessImplementation(['node', '--import', 'tsx', SERVER, ...args], { cwd: REPO });
}

export function subjectOf(m: Mutant, via: Via = 'protocol'): Subject {
  const make = async (): Promise<Implementation> => {
    if (m.kind === 'shim') return shimImplementation(m);
    return via === 'protocol' ? protocolImplementation(['--mutant', m.name]) : new ModelMutantImplementation(m);
  };
  return { name: m.name, kind: m.kind, profile: m.profile, rule: m.rule, description: m.description, make, native: m.kind === 'shim' };
}

/** Implementations that must survive: the spec itself (over the protocol) and the unmodified native loader. */
export function controls(kinds: { model: boolean; shim: boolean }): Subject[] {
  const out: Subject[] = [];
  if (kinds.model) {
    for (const profile of ['glibc', 'rtld-shared'] as const) {
      out.push({
        name: `control: spec (${profile})`,
        kind: 'control',
        profile,
        rule: '-',
        description: 'the reference spec served over the protocol',
        make: async () => protocolImplementation(['--mutant', 'none', '--profile', profile]),
      });
    }
  }
  if (kinds.shim) {
    out.push({ name: 'control: native (no shim)', kind: 'control', profile: 'glibc', rule: '-', description: 'the machine glibc, no preload', make: async () => new NativeImplementation(), native: true });
  }
  return out;
}

/** Validate one subject with a fixed budget and seed. */
export async function measure(subject: Subject, opts: { runs?: number; seed?: number } = {}): Promise<Measurement> {
  const impl = await subject.make();
  const started = Date.now();
  let firstAt: number | null = null;
  try {
    const v = await validate(impl, {
      profile: subject.profile,
      runs: opts.runs ?? DEFAULT_RUNS,
      seed: opts.seed ?? DEFAULT_SEED,
      avoidKnownBugs: subject.native === true,
      onFirstFailure: () => (firstAt ??= Date.now() - started),
    });
    const c = v.counterexample;
    const { make: _make, native: _native, ...described } = subject;
    return {
      subject: described,
      killed: c !== null,
      runs: v.runs,
      timeToKillMs: c === null ? null : firstAt,
      totalMs: Date.now() - started,
      calls: c === null ? null : c.calls.length,
      finding: c === null ? null : `${c.finding.kind}${c.finding.aspect ? ` (${c.finding.aspect})` : ''} at call ${c.finding.step}: ${c.finding.message}`,
      counterexample: c === null ? null : formatSequence(c.calls),
    };
  } finally {
    await impl.close();
  }
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const secs = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(2));

export interface Summary {
  readonly mutants: number;
  readonly killed: number;
  readonly medianTimeToKillMs: number | null;
  readonly maxCalls: number | null;
  readonly medianCalls: number | null;
  readonly survivors: readonly string[];
  readonly controlsFlagged: readonly string[];
}

export function summarize(ms: readonly Measurement[]): Summary {
  const mutants = ms.filter((m) => m.subject.kind !== 'control');
  const killed = mutants.filter((m) => m.killed);
  const calls = killed.map((m) => m.calls as number);
  return {
    mutants: mutants.length,
    killed: killed.length,
    medianTimeToKillMs: median(killed.map((m) => m.timeToKillMs as number)),
    maxCalls: calls.length ? Math.max(...calls) : null,
    medianCalls: median(calls),
    survivors: mutants.filter((m) => !m.killed).map((m) => m.subject.name),
    controlsFlagged: ms.filter((m) => m.subject.kind === 'control' && m.killed).map((m) => m.subject.name),
  };
}

/** The table as Markdown (BENCHMARKS.md "Suite strength"). */
export function markdown(ms: readonly Measurement[], s: Summary, how: string): string {
  const rows = ms.map((m) => {
    const verdict = m.subject.kind === 'control' ? (m.killed ? '**FLAGGED**' : 'conforms') : m.killed ? 'killed' : '**SURVIVED**';
    return `| ${m.subject.name} | ${m.subject.kind} | ${m.subject.profile} | ${m.subject.rule} | ${verdict} | ${m.runs} | ${secs(m.timeToKillMs)} | ${secs(m.totalMs)} | ${m.calls ?? '-'} |`;
  });
  return [
    how,
    '',
    '| mutant | kind | profile | rule | verdict | runs to first failure | time to kill (s) | total incl. shrinking (s) | counterexample calls |',
    '| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Kill rate: **${s.killed}/${s.mutants}** (${((100 * s.killed) / Math.max(1, s.mutants)).toFixed(1)}%); ` +
      `median time to kill **${secs(s.medianTimeToKillMs)} s**; shrunk counterexamples: median ${s.medianCalls ?? '-'} calls, at most **${s.maxCalls ?? '-'}**.` +
      (s.survivors.length ? ` Survivors: ${s.survivors.join(', ')}.` : '') +
      (s.controlsFlagged.length ? ` Controls flagged (the suite is wrong, or the control is): ${s.controlsFlagged.join(', ')}.` : ''),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      kind: { type: 'string' },
      via: { type: 'string' },
      'no-controls': { type: 'boolean' },
      markdown: { type: 'string' },
      json: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    },
  });
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  const via: Via = values.via === 'in-process' ? 'in-process' : 'protocol';
  const only = values.only?.split(',').map((s) => s.trim());
  const picked = MUTANTS.filter((m) => (only === undefined || only.includes(m.name)) && (values.kind === undefined || m.kind === values.kind));
  if (only !== undefined && picked.length < only.length) throw new Error(`unknown mutant in --only: ${only.filter((n) => !MUTANTS.some((m) => m.name === n)).join(', ')}`);
  const subjects: Subject[] = [
    ...(values['no-controls'] ? [] : controls({ model: picked.some((m) => m.kind === 'model'), shim: picked.some((m) => m.kind === 'shim') })),
    ...picked.map((m) => subjectOf(m, via)),
  ];

  const out: Measurement[] = [];
  const width = Math.max(...subjects.map((s) => s.name.length));
  process.stdout.write(`mutant${' '.repeat(width - 6)}  kind     profile      rule     verdict     runs  kill(s)  total(s)  calls\n`);
  for (const subject of subjects) {
    const m = await measure(subject, { runs, seed });
    out.push(m);
    const verdict = subject.kind === 'control' ? (m.killed ? 'FLAGGED' : 'conforms') : m.killed ? 'killed' : 'SURVIVED';
    process.stdout.write(
      `${subject.name.padEnd(width)}  ${subject.kind.padEnd(7)}  ${subject.profile.padEnd(11)}  ${subject.rule.padEnd(7)}  ${verdict.padEnd(9)}  ${String(m.runs).padStart(5)}  ${secs(m.timeToKillMs).padStart(7)}  ${secs(m.totalMs).padStart(8)}  ${String(m.calls ?? '-').padStart(5)}\n`,
    );
    if (values.verbose && m.counterexample !== null) process.stdout.write(`    ${m.counterexample.replaceAll('\n', '\n    ')}\n    -> ${m.finding}\n`);
  }
  const s = summarize(out);
  process.stdout.write(
    `\nkill rate ${s.killed}/${s.mutants} (${((100 * s.killed) / Math.max(1, s.mutants)).toFixed(1)}%), median time to kill ${secs(s.medianTimeToKillMs)} s, ` +
      `counterexample calls: median ${s.medianCalls ?? '-'}, max ${s.maxCalls ?? '-'}` +
      (s.survivors.length ? `\nSURVIVED: ${s.survivors.join(', ')}` : '') +
      (s.controlsFlagged.length ? `\nCONTROLS FLAGGED: ${s.controlsFlagged.join(', ')}` : '') +
      '\n',
  );
  const how = `\`npm run strength -- --runs ${runs} --seed ${seed}${only ? ` --only ${only.join(',')}` : ''}${values.kind ? ` --kind ${values.kind}` : ''}\` (model mutants ${via === 'protocol' ? 'over PROTOCOL.md via mutants/server.ts' : 'in-process'}; shim mutants through the native driver with LD_PRELOAD).`;
  if (values.markdown) await writeFile(values.markdown, markdown(out, s, how) + '\n');
  if (values.json) await writeFile(values.json, JSON.stringify({ runs, seed, via, measurements: out, summary: s }, null, 2) + '\n');
  if (s.survivors.length > 0 || s.controlsFlagged.length > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
