/**
 * `--rule ID` (repeatable) on validate and check: the IDs checked against the
 * catalogue (CONFORMANCE.md), and after the run how many steps exercised
 * each. A rule no generation reaches stops the run before it starts
 * (harness/steer.ts, UnreachableRules, exit 2); one the run then did not
 * exercise is said so and also exits 2, unless a divergence (exit 1) says more.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCatalogue } from '../harness/catalogue.ts';
import { InputError } from '../harness/files.ts';
import { isInvariantOnly, type RuleCounts } from '../harness/rules.ts';
import { list, type OptionSpec, type Parsed } from './options.ts';

export const RULE_OPTION: OptionSpec = { rule: { type: 'string', multiple: true } };
export const RULE_HELP = `  --rule ID              steer generation to sequences with a step exercising rule ID (repeatable;
                         IDs of CONFORMANCE.md, see dlmspec rules) and report how many steps did;
                         a rule generation cannot reach under the profile is an error (exit 2)`;

const CATALOGUE = join(dirname(dirname(fileURLToPath(import.meta.url))), 'CONFORMANCE.md');

/** The `--rule` IDs, each a step rule of the catalogue; anything else is bad input. */
export async function steerRules(p: Parsed): Promise<string[]> {
  const wanted = [...new Set(list(p, 'rule'))];
  if (wanted.length === 0) return [];
  const catalogue = await readCatalogue(CATALOGUE);
  for (const id of wanted) {
    if (!catalogue.some((r) => r.id === id)) throw new InputError(`--rule ${id}: no such rule in the catalogue (see dlmspec rules)`);
    if (isInvariantOnly(id)) throw new InputError(`--rule ${id}: an invariant, checked after every step; no step exercises it as such, so it cannot steer generation`);
  }
  return wanted;
}

export interface SteerCount {
  readonly rule: string;
  readonly steps: number;
}

export const steerCounts = (rules: readonly string[], counts: RuleCounts): SteerCount[] => rules.map((rule) => ({ rule, steps: counts[rule]?.exercised ?? 0 }));

/** One line: how many steps of the run exercised each wanted rule; the ones none did marked. */
export function steerLine(counts: readonly SteerCount[], sequences: number): string {
  const parts = counts.map((c) => (c.steps === 0 ? `${c.rule} NOT EXERCISED` : `${c.rule} ${c.steps} step${c.steps === 1 ? '' : 's'}`));
  return `steered (--rule): ${parts.join(', ')} in ${sequences} sequences`;
}

/** The line that makes an unexercised rule an error, or null. */
export function unexercisedLine(counts: readonly SteerCount[], sequences: number): string | null {
  const never = counts.filter((c) => c.steps === 0).map((c) => c.rule);
  if (never.length === 0) return null;
  return `dlmspec: error: --rule ${never.join(', ')}: no step of the ${sequences} sequences run exercised ${never.length === 1 ? 'it' : 'them'} (more --runs, or dlmspec rules --reach N)`;
}
