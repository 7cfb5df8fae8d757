/**
 * `--json`: one machine-readable summary on stdout, the same shape for every
 * command that takes it (README, "Machine-readable output"). The human text
 * goes to stderr instead, so stdout holds exactly one JSON document.
 */
import type { Validation } from '../harness/validate.ts';
import type { Io } from './command.ts';
import { displayPath } from './paths.ts';

export interface SummaryFinding {
  /** The input file the finding is about (a scenario, a counterexample). */
  readonly file: string | null;
  readonly kind: string;
  readonly step: number | null;
  readonly message: string;
  /** A counterexample file written for it, if any. */
  readonly counterexample: string | null;
}

export interface Summary {
  readonly format: 'dlmspec-summary';
  readonly version: 1;
  readonly command: string;
  readonly verdict: 'conforms' | 'diverges' | 'done';
  readonly counts: Readonly<Record<string, number>>;
  readonly findings: readonly SummaryFinding[];
  /** Command-specific data, documented with the command. */
  readonly data?: unknown;
}

export const JSON_OPTION = { json: { type: 'boolean' as const } };
export const JSON_HELP = '  --json                 one JSON summary on stdout (the text goes to stderr)';

/** The stream for human text: stderr when a JSON summary takes stdout. */
export const textStream = (io: Io, json: boolean): NodeJS.WritableStream => (json ? io.err : io.out);

export function writeSummary(io: Io, s: Omit<Summary, 'format' | 'version'>): void {
  io.out.write(JSON.stringify({ format: 'dlmspec-summary', version: 1, ...s }) + '\n');
}

/** The summary of a validation (validate, and check's implementation part). */
export function validationSummary(command: string, r: Validation, steer: readonly { rule: string; steps: number }[]): Omit<Summary, 'format' | 'version'> {
  const findings = r.findings.map((f) => {
    const file = f.file === null ? null : displayPath(f.file);
    const x = f.counterexample.finding;
    return { file, kind: x.kind, step: x.step, message: x.message, counterexample: file };
  });
  return {
    command,
    verdict: r.counterexample === null ? 'conforms' : 'diverges',
    counts: { runs: r.runs, executions: r.executions, findings: r.findings.length, unexercisedRules: steer.filter((s) => s.steps === 0).length },
    findings,
    data: {
      implementation: r.implementation,
      profile: r.profile,
      seed: r.results?.seed ?? r.seed,
      interrupted: r.interrupted,
      results: r.resultsPath === null ? null : displayPath(r.resultsPath),
      rules: steer,
      elapsedMs: r.elapsedMs,
    },
  };
}
