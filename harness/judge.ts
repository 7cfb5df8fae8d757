import type { Call } from '../model/call.ts';
import type { ExpectedObservation, Observation } from '../model/observation.ts';
import type { RunOutcome } from '../adapters/implementation.ts';
import { compareObservation } from './compare.ts';
import type { Step } from '../spec/step.ts';

/** The first way an implementation's run departs from the spec. */
export interface Finding {
  /** Index of the call at which it happened. */
  readonly step: number;
  readonly kind: 'divergence' | 'crash' | 'timeout' | 'protocol-error';
  /** For divergences: which part of the observation differs. */
  readonly aspect: string | null;
  readonly message: string;
  readonly call: Call | null;
  readonly expected: ExpectedObservation | null;
  readonly observed: Observation | null;
}

/**
 * Whether the run ended as ld.so ends a process whose lazy binding failed:
 * exit status 127, its message (`symbol lookup error: ...: undefined
 * symbol: NAME`, the object named by path or name) in what it printed.
 */
function endedAsExpected(error: string, outcome: RunOutcome): boolean {
  if (outcome.status !== 'crash' || outcome.exitCode !== 127 || outcome.signal !== null) return false;
  const symbol = /undefined symbol: (\S+)$/.exec(error)?.[1];
  return symbol !== undefined && outcome.detail.includes('symbol lookup error') && outcome.detail.includes(`undefined symbol: ${symbol}`);
}

/** Compare every observation of a run with the spec's steps; null when it conforms. */
export function judge(steps: readonly Step[], outcome: RunOutcome): Finding | null {
  const obs = outcome.observations;
  for (let i = 0; i < Math.min(obs.length, steps.length); i++) {
    const s = steps[i] as Step;
    const d = compareObservation(s.expected, obs[i] as Observation);
    if (d !== null) {
      return { step: i, kind: 'divergence', aspect: d.aspect, message: d.message, call: s.call, expected: s.expected, observed: obs[i] as Observation };
    }
  }
  const at = obs.length;
  const s = steps[at];
  const base = { step: at, aspect: null, call: s?.call ?? null, expected: s?.expected ?? null, observed: null };
  // PROC2: the spec expects the process to end here (a binding the loader cannot make): a run that ends so conforms.
  if (s !== undefined && s.expected.result.kind === 'fatal' && endedAsExpected(s.expected.result.error, outcome)) return null;
  switch (outcome.status) {
    case 'crash':
      return { ...base, kind: 'crash', message: `implementation crashed${outcome.signal ? ` (${outcome.signal})` : ''}${outcome.exitCode !== null ? ` (exit ${outcome.exitCode})` : ''}: ${outcome.detail}` };
    case 'timeout':
      return { ...base, kind: 'timeout', message: `implementation timed out: ${outcome.detail}` };
    case 'protocol-error':
      return { ...base, kind: 'protocol-error', message: outcome.detail };
    case 'ok':
      if (obs.length < steps.length) return { ...base, kind: 'protocol-error', message: `${steps.length - obs.length} observation(s) missing` };
      if (obs.length > steps.length) return { ...base, step: steps.length, kind: 'protocol-error', message: 'more observations than calls' };
      return null;
  }
}
