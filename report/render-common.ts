/** Pieces shared by the Markdown, HTML and JUnit renderings. */
import { readFileSync } from 'node:fs';
import { formatCall, formatSequence } from '../model/call.ts';
import type { NamespaceView } from '../model/observation.ts';
import { compareRules, type RuleCount } from '../harness/rules.ts';
import { INVARIANTS } from '../spec/invariants.ts';
import { resultText } from '../repro/generate.ts';
import type { ReportColumn, ReportCounterexample, ReportData } from './load.ts';

/**
 * What each rule says: CONFORMANCE.md's catalogue (`| ID | Rule | ...` rows),
 * and the invariants' own statements.
 */
export function ruleStatements(): Map<string, string> {
  const statements = new Map(INVARIANTS.map((i) => [i.id, i.statement]));
  let text = '';
  try {
    text = readFileSync(new URL('../CONFORMANCE.md', import.meta.url), 'utf8');
  } catch {
    return statements;
  }
  for (const line of text.split('\n')) {
    const m = /^\| ([A-Z][A-Z0-9-]*\d|INV-[A-Z-]+) \| ([^|]+) \|/.exec(line);
    if (m && !statements.has(m[1]!)) statements.set(m[1]!, m[2]!.replace(/`/g, '').trim());
  }
  return statements;
}

export function allRules(data: ReportData): string[] {
  return [...new Set(data.columns.flatMap((c) => Object.keys(c.rules)))].sort(compareRules);
}

export function cellText(n: RuleCount | undefined): string {
  if (n === undefined) return '–';
  return n.failures > 0 ? `✗ ${n.failures} (${n.exercised})` : `✓ ${n.exercised}`;
}

export function headline(x: ReportCounterexample): string {
  const f = x.counterexample.finding;
  const name = x.results.implementation.includes(' (') ? x.results.implementation.slice(0, x.results.implementation.indexOf(' (')) : x.results.impl;
  return `${name} under ${x.counterexample.profile}: ${f.kind}${f.aspect ? ` in ${f.aspect}` : ''} at call ${f.step}`;
}

export function sequenceText(x: ReportCounterexample): string {
  return x.counterexample.calls.length === 0 ? '(no calls: the handshake failed)' : formatSequence(x.counterexample.calls);
}

export function failingCall(x: ReportCounterexample): string {
  const f = x.counterexample.finding;
  return f.call === null ? '(none)' : formatCall(f.call, f.step);
}

/** The namespaces as lines of text: `ns1: liba.so (proxy → ns0 liba.so)`. */
export function namespacesLines(views: readonly NamespaceView[]): string[] {
  const ns0 = new Set(views.find((v) => v.ns === 0)?.entries.filter((e) => !e.proxy).map((e) => e.object) ?? []);
  return views.map(
    (v) =>
      `ns${v.ns}: ${v.entries
        .map((e) => (e.proxy ? `${e.object} (proxy → ${ns0.has(e.object) ? `ns0 ${e.object}` : 'no master!'})` : e.object))
        .join(', ')}`,
  );
}

export { resultText };

export function verdictText(c: ReportColumn): string {
  return c.verdict === 'conforms' ? 'conforms' : `diverges (${c.counterexamples.length} counterexample${c.counterexamples.length === 1 ? '' : 's'})`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
