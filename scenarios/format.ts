/**
 * A scenario back to the text a person writes (scenarios/FORMAT.md), and a
 * counterexample file as a scenario: its calls as rows, with the spec's
 * expectation written on the row where the implementation departed.
 */
import { formatCall } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { ExpectedObservation } from '../model/observation.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { formatEntries, formatEvent, formatResultExpectation } from './check.ts';
import type { Row, RowExpectation, Scenario } from './scenario.ts';

function dsoLine(d: Dso): string {
  const words = [`dso ${d.name}`];
  if (d.needed.length > 0) words.push(`needs ${d.needed.join(' ')}`);
  if (d.unique) words.push('unique');
  if (d.nodelete) words.push('nodelete');
  if (d.libc) words.push('libc');
  if (d.symbols.length > 0) words.push(`defines ${d.symbols.join(' ')}`);
  if (d.undefinedSymbol !== undefined) words.push(`undefined ${d.undefinedSymbol}`);
  if (d.fn !== undefined) words.push(`fn ${d.fn}`);
  if (d.calls !== undefined && d.calls.length > 0) words.push(`calls ${d.calls.join(' ')}`);
  return words.join(' ');
}

function expectationLines(e: RowExpectation): string[] {
  const lines: string[] = [];
  if (e.result !== undefined) lines.push(`  => ${formatResultExpectation(e.result)}`);
  for (const ns of e.namespaces ?? []) lines.push(`  ns ${ns.ns}${ns.all ? ' all' : ''}: ${formatEntries(ns.entries)}`);
  if (e.events !== undefined) lines.push(`  events: ${e.events.length === 0 ? 'none' : e.events.map(formatEvent).join(', ')}`);
  if (e.trace !== undefined) lines.push(`  trace: ${e.trace.length === 0 ? 'none' : e.trace.map(formatEvent).join(', ')}`);
  return lines;
}

const oneLine = (s: string): string => s.replace(/[\r\n#]+/g, ' ').trim();

export function formatScenario(s: Scenario): string {
  const names = new Set(s.graph.dsos.map((d) => d.name));
  const missing = [...new Set(s.graph.dsos.flatMap((d) => d.needed).filter((n) => !names.has(n)))];
  const lines = [`scenario ${s.name}`];
  if (s.about !== undefined) lines.push(`about ${oneLine(s.about)}`);
  if (s.source !== undefined) lines.push(`source ${oneLine(s.source)}`);
  lines.push(`profile ${s.profile}`);
  if (s.tunables !== undefined) lines.push(`tunables ${s.tunables}`);
  lines.push('');
  const p = s.graph.program;
  if (p !== undefined) lines.push(`program${p.needed.length > 0 ? ` needs ${p.needed.join(' ')}` : ''}${p.soname !== undefined ? ` soname ${p.soname}` : ''}`);
  lines.push(...s.graph.dsos.map(dsoLine));
  if (missing.length > 0) lines.push(`missing ${missing.join(' ')}`);
  lines.push('');
  s.rows.forEach((r, i) => {
    lines.push(formatCall(r.call, i));
    if (r.label !== undefined) lines.push(`  label ${oneLine(r.label)}`);
    if (r.expect !== undefined) lines.push(...expectationLines(r.expect));
  });
  return lines.join('\n') + '\n';
}

/** Every expectation of one of the spec's observations, the graph's objects only in namespace lists. */
export function expectationOf(e: ExpectedObservation, graphNames: ReadonlySet<string>): RowExpectation {
  return {
    result: e.result,
    namespaces: e.namespaces
      .map((v) => ({ ns: v.ns, all: false, entries: v.entries.filter((x) => graphNames.has(x.object)) }))
      .filter((v) => v.entries.length > 0),
    events: e.events,
  };
}

/** A counterexample as a scenario: the finding's row states what the spec expected there. */
export function scenarioOfCounterexample(c: Counterexample, name: string): Scenario {
  const names = new Set(c.graph.dsos.map((d) => d.name));
  const rows: Row[] = c.calls.map((call, i) =>
    i === c.finding.step && c.finding.expected !== null ? { call, label: `${c.finding.kind} found on ${c.implementation}`, expect: expectationOf(c.finding.expected, names) } : { call },
  );
  return {
    format: 'dlmspec-scenario',
    name,
    about: oneLine(`${c.finding.kind}${c.finding.aspect ? ` in ${c.finding.aspect}` : ''} at call ${c.finding.step}: ${c.finding.message}`).slice(0, 300),
    source: `counterexample found on ${oneLine(c.implementation)}`,
    profile: c.profile,
    graph: c.graph,
    rows,
  };
}
