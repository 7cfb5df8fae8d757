/**
 * `dlmspec rules`: the rule catalogue (CONFORMANCE.md) with each rule's
 * statement, profiles and source; with `--results DIR`, how often validation
 * runs exercised each rule and which finding failed it; with `--reach N`,
 * how often generated sequences reach each rule at all.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCatalogue, type CatalogueRule } from '../harness/catalogue.ts';
import { InputError } from '../harness/files.ts';
import { listResults, readResults } from '../harness/results.ts';
import { mergeCounts, type RuleCounts } from '../harness/rules.ts';
import { reach, type Reach } from '../harness/steer.ts';
import { EXIT, println, type Command } from './command.ts';
import { JSON_HELP, JSON_OPTION, textStream, writeSummary } from './summary.ts';
import { flag, freshSeed, int, list, parse, profile as profileOption, seed as seedOption, str } from './options.ts';

const help = `Usage: dlmspec rules [--rule ID]... [--results DIR] [--reach N [--profile P] [--seed S]]

Every rule of the catalogue (CONFORMANCE.md): its ID, profiles, source and
statement.

Options:
  --rule ID              only this rule, with its statement and source in full (repeatable)
  --results DIR          add, from the validation results files of DIR (validate/check --out),
                         how many steps exercised each rule and the findings it failed by
  --reach N              sample N generated sequences (the generators of validate) and count,
                         per rule, the sequences and steps that exercise it; a rule no step
                         reaches is said so
  --profile P            glibc or rtld-shared, for --reach (default rtld-shared)
  --seed S               seed for --reach (default: random, printed)
  --catalogue FILE       the catalogue to read (default: CONFORMANCE.md of dlmspec)
${JSON_HELP} (data: the rules with their counts)
  -h, --help             this help

Exit status: 0 listed, 2 bad input (an unknown rule, an unreadable directory).
`;

interface Tally {
  readonly counts: RuleCounts;
  /** rule -> counterexample files (or results files) of the findings attributed to it. */
  readonly failedBy: Record<string, string[]>;
  readonly files: number;
}

async function tallyResults(dir: string): Promise<Tally> {
  const counts: RuleCounts = {};
  const failedBy: Record<string, string[]> = {};
  const paths = await listResults(dir);
  if (paths.length === 0) throw new InputError(`${dir}: no *.results.json files (validate and check write them with --out)`);
  for (const path of paths) {
    const r = await readResults(path);
    mergeCounts(counts, r.rules);
    if (r.finding === null) continue;
    for (const [rule, c] of Object.entries(r.rules)) if (c.failures > 0) (failedBy[rule] ??= []).push(r.counterexample !== null ? join(dir, r.counterexample) : path);
  }
  return { counts, failedBy, files: paths.length };
}

/** dlmspec's own directory: its CONFORMANCE.md is the default catalogue. */
const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'the rule catalogue: statement, profile, source; how often results exercised and failed each',
  help,
  async run(args, io) {
    const p = parse(
      'rules',
      args,
      { ...JSON_OPTION, rule: { type: 'string', multiple: true }, results: { type: 'string' }, reach: { type: 'string' }, profile: { type: 'string' }, seed: { type: 'string' }, catalogue: { type: 'string' } },
      { min: 0, max: 0, what: '' },
    );
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const catalogue = await readCatalogue(str(p, 'catalogue') ?? join(REPO_ROOT, 'CONFORMANCE.md'));
    const wanted = list(p, 'rule');
    for (const id of wanted) if (!catalogue.some((r) => r.id === id)) throw new InputError(`--rule ${id}: no such rule in the catalogue (see dlmspec rules)`);
    const rules = wanted.length > 0 ? catalogue.filter((r) => wanted.includes(r.id)) : catalogue;
    const dir = str(p, 'results');
    const tally = dir !== undefined ? await tallyResults(dir) : null;
    const samples = int(p, 'reach', { min: 1, max: 1_000_000 });
    if (samples === undefined && (str(p, 'profile') !== undefined || str(p, 'seed') !== undefined)) throw new InputError('--profile and --seed go with --reach');
    const profile = profileOption(p) ?? 'rtld-shared';
    const seed = seedOption(p) ?? freshSeed();
    const reached = samples !== undefined ? new Map(reach({ profile }, rules.map((r) => r.id), samples, seed).map((r) => [r.rule, r])) : null;

    const out = textStream(io, flag(p, 'json'));
    if (flag(p, 'json')) {
      const data = rules.map((r) => ({ ...r, ...(tally ? { exercised: tally.counts[r.id]?.exercised ?? 0, failedBy: tally.failedBy[r.id] ?? [] } : {}), ...(reached ? { reach: reached.get(r.id) } : {}) }));
      const findings = tally ? Object.entries(tally.failedBy).flatMap(([rule, files]) => files.map((file) => ({ file, kind: 'rule-failed', step: null, message: `failed ${rule}`, counterexample: file }))) : [];
      const unreached = reached ? rules.filter((r) => reached.get(r.id)!.steps === 0).length : 0;
      writeSummary(io, { command: 'rules', verdict: 'done', counts: { rules: rules.length, ...(tally ? { resultsFiles: tally.files } : {}), ...(reached ? { unreached } : {}) }, findings, data });
    }
    if (tally !== null) println(out, `results: ${tally.files} file(s) in ${dir}`);
    if (reached !== null) println(out, `reach: ${samples} generated sequences, profile ${profile}, seed ${seed}`);
    const detail = wanted.length > 0;
    for (const r of rules) println(out, detail ? ruleBlock(r, tally, reached?.get(r.id)) : ruleLine(r, tally, reached?.get(r.id)));
    if (reached !== null) {
      const never = rules.filter((r) => reached.get(r.id)!.steps === 0).map((r) => r.id);
      println(out, never.length === 0 ? `every rule listed was reached by a generated step` : `not reached by any generated step: ${never.join(', ')}`);
    }
    return EXIT.ok;
  },
};

function counts(r: CatalogueRule, tally: Tally | null, reached: Reach | undefined): string[] {
  const parts: string[] = [];
  if (tally !== null) {
    const c = tally.counts[r.id];
    const failed = tally.failedBy[r.id];
    parts.push(c === undefined ? 'not exercised' : `exercised ${c.exercised}`);
    if (failed !== undefined) parts.push(`FAILED by ${failed.join(', ')}`);
  }
  if (reached !== undefined) parts.push(reached.steps === 0 ? 'NOT REACHED by generation' : `reached in ${reached.reached}/${reached.sequences} sequences (${reached.steps} steps)`);
  return parts;
}

function ruleLine(r: CatalogueRule, tally: Tally | null, reached: Reach | undefined): string {
  const extra = counts(r, tally, reached);
  return `${r.id.padEnd(9)} ${r.profiles.padEnd(11)} ${extra.length > 0 ? `[${extra.join('; ')}] ` : ''}${clip(r.statement, 110)}`;
}

function ruleBlock(r: CatalogueRule, tally: Tally | null, reached: Reach | undefined): string {
  const extra = counts(r, tally, reached);
  return [`${r.id} (${r.profiles}; ${r.section})`, `  ${r.statement}`, `  source: ${r.source}`, ...extra.map((e) => `  ${e}`), ''].join('\n');
}
