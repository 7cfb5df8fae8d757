/**
 * JUnit XML for CI: one test suite per implementation and profile, with a
 * failing test case per distinct finding (a conforming run is one passing
 * case), and one passing case per rule saying how often it was exercised.
 */
import { formatFinding } from '../harness/format.ts';
import { formatSequence } from '../model/call.ts';
import type { ReportData } from './load.ts';
import { allRules } from './render-common.ts';
import { escapeXml as x } from './xml.ts';

export function renderJunit(data: ReportData): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let time = 0;
  for (const c of data.columns) {
    const cases: string[] = [];
    let suiteFailures = 0;
    const classname = `dlmspec.${c.impl.replace(/[^A-Za-z0-9]+/g, '_')}.${c.profile}`;
    for (const r of c.runs) {
      const shard = r.shard !== null && r.shard.count > 1 ? ` shard ${r.shard.index}/${r.shard.count}` : '';
      const name = `validate seed ${r.baseSeed}${shard}: ${r.completed} sequences${r.interrupted ? ' (interrupted)' : ''}`;
      const found = c.counterexamples.filter((k) => k.results === r);
      if (found.length === 0) {
        // A diverging run whose counterexamples could not be read still fails once.
        const inner = r.verdict === 'diverges' ? `<failure type="${x(r.finding?.kind ?? 'divergence')}" message="${x(r.finding?.message ?? 'diverges')}"/>` : '';
        if (inner !== '') suiteFailures++;
        cases.push(`    <testcase classname="${x(classname)}" name="${x(name)}" time="${(r.elapsedMs / 1000).toFixed(3)}">${inner}</testcase>`);
        continue;
      }
      // One failing test case per distinct finding: one divergence, one failure.
      found.forEach((ce, i) => {
        suiteFailures++;
        const f = ce.counterexample.finding;
        const text = `${formatSequence(ce.counterexample.calls)}\n\n${formatFinding(f)}\n\nseen ${ce.occurrences} time(s); counterexample: ${ce.file}`;
        const inner = `<failure type="${x(f.kind)}" message="${x(f.message)}">${x(text)}</failure>`;
        cases.push(`    <testcase classname="${x(classname)}" name="${x(`${name}: finding ${i + 1}`)}" time="${i === 0 ? (r.elapsedMs / 1000).toFixed(3) : '0'}">${inner}</testcase>`);
      });
    }
    // Rules as passing cases that say what was exercised; their failures are the findings above.
    for (const rule of allRules(data)) {
      const n = c.rules[rule];
      if (n === undefined) continue;
      const failing = n.failures > 0 ? `, ${n.failures} finding(s) attributed` : '';
      cases.push(`    <testcase classname="${x(`${classname}.rules`)}" name="${x(`${rule}: exercised ${n.exercised} times${failing}`)}" time="0"></testcase>`);
    }
    tests += cases.length;
    failures += suiteFailures;
    time += c.elapsedMs / 1000;
    suites.push(
      `  <testsuite name="${x(c.title)}" tests="${cases.length}" failures="${suiteFailures}" errors="0" skipped="0" time="${(c.elapsedMs / 1000).toFixed(3)}" timestamp="${x(data.generatedAt.replace(/Z$/, ''))}">\n` +
        `    <properties><property name="implementation" value="${x(c.implementation)}"/><property name="profile" value="${x(c.profile)}"/></properties>\n` +
        `${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dlmspec" tests="${tests}" failures="${failures}" errors="0" time="${time.toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
