/**
 * JUnit XML for CI: one test suite per implementation and profile, with a
 * test case per validation run (shard/seed) that fails with the
 * counterexample, and one per rule that fails when a failure is attributed
 * to it.
 */
import { formatFinding } from '../cli/format.ts';
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
      const name = `validate seed ${r.baseSeed}${shard}: ${r.completed} sequences`;
      const ce = c.counterexamples.find((k) => k.results === r);
      let inner = '';
      if (r.verdict === 'diverges') {
        suiteFailures++;
        const f = ce?.counterexample.finding;
        const text = ce && f ? `${formatSequence(ce.counterexample.calls)}\n\n${formatFinding(f)}\n\ncounterexample: ${ce.file}` : (r.finding?.message ?? '');
        inner = `<failure type="${x(r.finding?.kind ?? 'divergence')}" message="${x(r.finding?.message ?? 'diverges')}">${x(text)}</failure>`;
      }
      cases.push(`    <testcase classname="${x(classname)}" name="${x(name)}" time="${(r.elapsedMs / 1000).toFixed(3)}">${inner}</testcase>`);
    }
    for (const rule of allRules(data)) {
      const n = c.rules[rule];
      if (n === undefined) continue;
      let inner = '';
      if (n.failures > 0) {
        suiteFailures++;
        inner = `<failure type="rule" message="${x(`${n.failures} failure(s) attributed to ${rule} in ${n.exercised} steps`)}"/>`;
      }
      cases.push(`    <testcase classname="${x(`${classname}.rules`)}" name="${x(`${rule}: exercised ${n.exercised} times`)}" time="0">${inner}</testcase>`);
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
