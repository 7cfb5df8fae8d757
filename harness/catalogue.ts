/**
 * The rule catalogue as data: the rows of CONFORMANCE.md's rule tables (a
 * table row whose first cell is a rule ID), with statement, profiles and
 * source as written there.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from './files.ts';

export interface CatalogueRule {
  readonly id: string;
  readonly statement: string;
  readonly profiles: string;
  readonly source: string;
  /** The section heading the table stands under. */
  readonly section: string;
}

const ROW = /^\|\s*((?:[A-Z]+\d+[a-z]?)|(?:INV-[A-Za-z0-9-]+))\s*\|/;

/** Markdown inline code and emphasis as plain text: the terminal shows the text, not the markup. */
const plain = (cell: string): string => cell.replace(/\\\|/g, '|').replace(/`([^`]*)`/g, '$1').replace(/\*\*([^*]*)\*\*/g, '$1');

export function parseCatalogue(text: string): CatalogueRule[] {
  const rules: CatalogueRule[] = [];
  let section = '';
  let inRuleTable = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (/^\|\s*ID\s*\|\s*Rule\s*\|\s*Profiles\s*\|\s*Source\s*\|/.test(line)) inRuleTable = true;
    else if (!line.startsWith('|')) inRuleTable = false;
    const m = inRuleTable ? ROW.exec(line) : null;
    if (m === null) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    rules.push({ id: m[1]!, statement: plain(cells[1] ?? ''), profiles: cells[2] ?? '', source: plain(cells[3] ?? ''), section });
  }
  return rules;
}

export async function readCatalogue(path: string): Promise<CatalogueRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InputError(`${path}: cannot read the rule catalogue`);
  }
  const rules = parseCatalogue(text);
  if (rules.length === 0) throw new InputError(`${path}: no rule tables (| ID | Rule | Profiles | Source | ...)`);
  return rules;
}
