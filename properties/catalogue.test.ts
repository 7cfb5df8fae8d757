/**
 * CONFORMANCE.md is the rule catalogue; this suite keeps it honest:
 * - every rule ID of the catalogue is checked by at least one test, and the
 *   catalogue's "Checked by" cell names exactly the test files that cite it;
 * - every ID a test cites, every ID in `INVARIANTS`, and every rule ID the
 *   spec's code cites is in the catalogue;
 * - both directions between the catalogue and the spec: every rule has an
 *   implementing site in spec/ (a doc comment that begins with its ID, a
 *   call `exercise(ctx, ...)` naming it, or an `INVARIANTS` entry of
 *   spec/invariants.ts for a pure invariant), and every ID cited at such a
 *   site is in the catalogue.
 * Citing convention (see the top of CONFORMANCE.md): a test cites a rule by
 * writing `[ID]` in its name (or its describe's name); the invariant suite
 * names one test per `INVARIANTS` entry as `[${inv.id}] ...`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { INVARIANTS } from '../spec/invariants.ts';
import { formatRange } from '../model/release.ts';
import { fixText, LOADER_BUGS, loadersOf } from '../spec/loader-bugs.ts';
import { RELEASE_RANGES } from '../spec/release-ranges.ts';
import { CAPABILITIES } from '../probe/capabilities.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Never scanned: dependencies, generated output; directories whose name starts with a dot are skipped too. */
const SKIP = new Set(['node_modules', 'dist', 'out', 'report']);

/** Rule IDs: NS1, MODE3, S13, INV-SINGLE-MASTER, ... */
const ID = String.raw`(?:[A-Z]+[0-9]+|INV(?:-[A-Z]+)+)`;
const CITED = new RegExp(String.raw`\[(${ID})\]`, 'g');
/** The spec code cites rules bare, in comments and strings ("S4:", "(LOAD4)"). */
const BARE = new RegExp(String.raw`\b(${ID})\b`, 'g');

export interface CatalogueRow {
  readonly id: string;
  readonly profiles: string;
  readonly checkedBy: readonly string[];
  readonly line: number;
}

/** The rule rows of CONFORMANCE.md: table rows whose first cell is an ID. */
export function parseCatalogue(text: string): CatalogueRow[] {
  const rows: CatalogueRow[] = [];
  const first = new RegExp(String.raw`^\|\s*(${ID})\s*\|`);
  text.split('\n').forEach((line, i) => {
    const m = first.exec(line);
    if (m === null) return;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()); // \| is a pipe inside a cell
    const checked = cells[cells.length - 1] ?? '';
    rows.push({
      id: m[1] as string,
      profiles: cells[2] ?? '',
      checkedBy: [...checked.matchAll(/`([^`]+\.test\.ts)`/g)].map((x) => x[1] as string).sort(),
      line: i + 1,
    });
  });
  return rows;
}

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(d.name) || d.name.startsWith('.')) continue;
    const p = join(dir, d.name);
    if (d.isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** test file (relative to the repository) -> the IDs it cites. */
export function citations(): Map<string, Set<string>> {
  const cites = new Map<string, Set<string>>();
  const self = fileURLToPath(import.meta.url);
  // This file is the checker: its own text mentions the marker and cites nothing.
  for (const file of walk(ROOT, (p) => p.endsWith('.test.ts') && p !== self)) {
    const text = readFileSync(file, 'utf8');
    const ids = new Set([...text.matchAll(CITED)].map((m) => m[1] as string));
    // The invariant suite names its tests from INVARIANTS (`[${inv.id}] ...`).
    if (text.includes('[${inv.id}]')) for (const inv of INVARIANTS) ids.add(inv.id);
    if (ids.size > 0) cites.set(relative(ROOT, file), ids);
  }
  return cites;
}

/** A doc comment's first words when they are rule IDs: `/** S1, S2: ...`, `/**\n * LOAD2: ...`. */
const DOC_IDS = new RegExp(String.raw`/\*\*\s*(?:\*\s*)?((?:${ID})(?:,\s*(?:${ID}))*)\b`, 'g');
/** The arguments of an `exercise(ctx, ...)` call. */
const EXERCISE = /\bexercise\(\s*ctx\s*,([^)]*)\)/g;

/** rule ID -> the implementing sites in spec/'s non-test files that cite it (`file: how`), read from the files' text. */
export function specSites(): Map<string, string[]> {
  const sites = new Map<string, string[]>();
  const add = (id: string, site: string) => sites.set(id, [...(sites.get(id) ?? []), site]);
  for (const file of walk(join(ROOT, 'spec'), (p) => p.endsWith('.ts') && !p.endsWith('.test.ts'))) {
    const text = readFileSync(file, 'utf8');
    const name = relative(ROOT, file);
    for (const m of text.matchAll(DOC_IDS)) for (const id of (m[1] as string).split(/,\s*/)) add(id, `${name}: doc comment`);
    for (const m of text.matchAll(EXERCISE)) {
      const args = m[1] as string;
      const quoted = [...args.matchAll(/'([^']*)'/g)].map((q) => q[1] as string);
      if (quoted.length === 0) throw new Error(`${name}: exercise(ctx, ${args.trim()}) names no rule ID literally`);
      for (const id of quoted) add(id, `${name}: exercise`);
    }
  }
  for (const inv of INVARIANTS) add(inv.id, 'spec/invariants.ts: INVARIANTS');
  return sites;
}

const catalogue = parseCatalogue(readFileSync(join(ROOT, 'CONFORMANCE.md'), 'utf8'));
const ids = new Set(catalogue.map((r) => r.id));
const cites = citations();
const sites = specSites();
const citedBy = (id: string) => [...cites].filter(([, s]) => s.has(id)).map(([f]) => f).sort();

describe('rule catalogue (CONFORMANCE.md)', () => {
  test('lists each rule once, with its profiles', () => {
    expect(catalogue.length).toBeGreaterThan(40);
    const dup = catalogue.filter((r, i) => catalogue.findIndex((x) => x.id === r.id) !== i).map((r) => `${r.id} (line ${r.line})`);
    expect(dup, 'rule IDs listed twice').toEqual([]);
    const bad = catalogue.filter((r) => !['glibc', 'rtld-shared', 'both'].includes(r.profiles)).map((r) => `${r.id}: "${r.profiles}"`);
    expect(bad, 'the Profiles cell must be glibc, rtld-shared or both').toEqual([]);
  });

  test('every rule is checked by at least one test that cites it as [ID]', () => {
    const unchecked = catalogue.filter((r) => citedBy(r.id).length === 0).map((r) => r.id);
    expect(unchecked, 'rules no test cites').toEqual([]);
  });

  test('every "Checked by" cell names exactly the test files citing the rule', () => {
    const wrong = catalogue
      .filter((r) => JSON.stringify(r.checkedBy) !== JSON.stringify(citedBy(r.id)))
      .map((r) => `${r.id} (line ${r.line}): write ${citedBy(r.id).map((f) => `\`${f}\``).join(', ')}`);
    expect(wrong, 'stale "Checked by" cells').toEqual([]);
  });

  test('every ID a test cites is in the catalogue', () => {
    const unknown = [...cites].flatMap(([file, s]) => [...s].filter((id) => !ids.has(id)).map((id) => `${id} in ${file}`));
    expect(unknown, 'cited IDs missing from CONFORMANCE.md').toEqual([]);
  });

  test('every invariant of spec/invariants.ts is in the catalogue', () => {
    expect(INVARIANTS.map((i) => i.id).filter((id) => !ids.has(id))).toEqual([]);
  });

  test('every rule ID the spec code cites is in the catalogue', () => {
    const unknown: string[] = [];
    for (const file of walk(join(ROOT, 'spec'), (p) => p.endsWith('.ts'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(BARE)) {
        if (!ids.has(m[1] as string)) unknown.push(`${m[1]} in ${relative(ROOT, file)}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
  });

  test('every rule of the catalogue has an implementing site in spec/', () => {
    expect(catalogue.filter((r) => !sites.has(r.id)).map((r) => `${r.id} (line ${r.line})`), 'rules no spec/ site cites').toEqual([]);
  });

  test('every ID cited at an implementing site in spec/ is in the catalogue', () => {
    const unknown = [...sites].filter(([id]) => !ids.has(id)).map(([id, at]) => `${id} at ${at.join(', ')}`);
    expect(unknown, 'spec/ sites citing IDs missing from CONFORMANCE.md').toEqual([]);
  });
});

/** The rows of the table under a `## heading` of CONFORMANCE.md, as cells. */
function tableUnder(heading: string): string[][] {
  const text = readFileSync(join(ROOT, 'CONFORMANCE.md'), 'utf8');
  const at = text.indexOf(`\n## ${heading}\n`);
  if (at < 0) return [];
  const section = text.slice(at + 1).split('\n## ')[0]!;
  const lines = section.split('\n');
  const first = lines.findIndex((l) => l.startsWith('| '));
  const rows: string[][] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('| ')) break;
    rows.push(l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

describe('releases and loader bugs (CONFORMANCE.md, the spec\'s data)', () => {
  test('the Probe table is every capability of probe/capabilities.ts, with what it runs, what counts as works and its rules', () => {
    const want = CAPABILITIES.map((c) => [`\`${c.name}\``, c.runs, c.works, c.rules ? c.rules.join(', ') : 'not modelled'].join(' | '));
    expect(tableUnder('Probe (`dlmspec probe`)').map((c) => c.map((x) => x.replace(/\\\|/g, '|')).join(' | '))).toEqual(want);
  });

  test('the Releases table is every range of spec/release-ranges.ts, line for line', () => {
    const want = RELEASE_RANGES.flatMap((r) => r.ranges.map((x) => [formatRange(x.releases), r.rule, x.says, `${x.source}${x.bug !== undefined ? `; known bug ${x.bug}` : ''}`].join(' | ')));
    expect(tableUnder('Releases').map((c) => c.join(' | '))).toEqual(want);
  });

  test('every loader bug of spec/loader-bugs.ts has its row, naming the loaders that have it and the fix', () => {
    const rows = new Map(tableUnder('Loader bugs found').map((c) => [c[0]!, c]));
    const wrong = LOADER_BUGS.filter((b) => rows.get(b.id)?.[1] !== `${loadersOf(b)}; ${fixText(b)}`).map((b) => `${b.id}: write "${loadersOf(b)}; ${fixText(b)}"`);
    expect(wrong).toEqual([]);
    const handling = LOADER_BUGS.filter((b) => !rows.get(b.id)?.[4]?.startsWith(b.handling)).map((b) => `${b.id}: ${b.handling}`);
    expect(handling).toEqual([]);
  });
});
