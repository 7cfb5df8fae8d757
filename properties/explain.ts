import { formatSequence } from '../model/call.ts';
import type { Validation } from '../harness/validate.ts';

/** A validation's first finding as a differential suite prints it on failure: seed, path, graph, calls. */
export function explainValidation(v: Validation): string {
  const c = v.counterexample;
  if (c === null) return 'conforms';
  return [
    `${v.implementation} diverges from the ${v.profile} profile (seed ${v.seed}, path ${c.path}; replay with DLMSPEC_SEED=${v.seed})`,
    `graph: ${JSON.stringify(c.graph)}`,
    formatSequence(c.calls),
    `at call ${c.finding.step} (${c.finding.kind}${c.finding.aspect ? `, ${c.finding.aspect}` : ''}): ${c.finding.message}`,
  ].join('\n');
}
