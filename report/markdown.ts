/** The conformance report as Markdown (for a pull request or an issue). */
import { formatGraph } from '../harness/format.ts';
import { eventsText } from '../repro/generate.ts';
import type { ReportData } from './load.ts';
import { allRules, cellText, failingCall, headline, namespacesLines, resultText, seconds, sequenceText, verdictText } from './render-common.ts';

/** Text from input files in a table cell or a line: no markup, no HTML, one line. */
const cell = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/[\\`*_[\]<>|&#!~]/g, (ch) => `\\${ch}`);

/** A fenced block that no line of `lines` can close. */
function fenced(info: string, lines: readonly string[]): string[] {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  const fence = '`'.repeat(longest + 1);
  return [fence + info, ...lines.map((l) => l.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?')), fence];
}

export function renderMarkdown(data: ReportData): string {
  const out: string[] = [];
  out.push('# dlmspec conformance report', '');
  out.push(`Generated ${data.generatedAt}; spec version ${data.specVersions.join(', ')}.`, '');
  out.push('## Implementations', '');
  out.push('| implementation | profile | sequences | time | verdict |', '| --- | --- | ---: | ---: | --- |');
  for (const c of data.columns) {
    out.push(`| ${cell(c.impl)} — ${cell(c.implementation)} | ${c.profile} | ${c.sequences} | ${seconds(c.elapsedMs)} | ${c.verdict === 'conforms' ? '✓' : '✗'} ${verdictText(c)} |`);
  }
  out.push('', '## Rules', '');
  out.push('Steps that exercised each rule (for an `INV-` invariant: steps it was checked after); ✗ n: failures attributed to the rule.', '');
  out.push(`| rule | ${data.columns.map((c) => cell(c.title)).join(' | ')} |`, `| --- | ${data.columns.map(() => '---:').join(' | ')} |`);
  for (const r of allRules(data)) {
    out.push(`| ${r} | ${data.columns.map((c) => cellText(c.rules[r])).join(' | ')} |`);
  }
  const ces = data.columns.flatMap((c) => c.counterexamples);
  out.push('', '## Counterexamples', '');
  if (ces.length === 0) out.push('None: every implementation conformed.', '');
  for (const x of ces) {
    const c = x.counterexample;
    const f = c.finding;
    out.push(`### ${cell(headline(x))}`, '');
    out.push(`- file: ${cell(x.file)}`, `- implementation: ${cell(c.implementation)}`, `- seen ${x.occurrences} time(s) in its run`, `- seed ${c.seed}${c.path ? `, path ${c.path}` : ''}${c.shrunk ? '' : ' (not shrunk: the run was interrupted)'}`, '');
    out.push('DSOs:', '', ...fenced('', formatGraph(c.graph).split('\n')), '');
    out.push('Calls:', '', ...fenced('c', sequenceText(x).split('\n')), '');
    // A divergence of the result, namespaces or events is shown in full by the table.
    const detail = f.kind !== 'divergence' || f.aspect === 'event order' || f.expected === null ? `: ${f.message}` : ` (${f.aspect})`;
    out.push(cell(`First ${f.kind} at ${failingCall(x)}${detail}`), '');
    if (f.expected !== null) {
      out.push('| | expected (spec) | observed |', '| --- | --- | --- |');
      out.push(`| result | ${cell(resultText(f.expected.result))} | ${f.observed ? cell(resultText(f.observed.result)) : '–'} |`);
      out.push(`| events | ${cell(eventsText(f.expected.events))} | ${f.observed ? cell(eventsText(f.observed.events)) : '–'} |`);
      out.push('');
      out.push('Namespaces after the call, expected:', '', ...fenced('', namespacesLines(f.expected.namespaces)), '');
      if (f.observed !== null) out.push('observed:', '', ...fenced('', namespacesLines(f.observed.namespaces)), '');
    }
  }
  return out.join('\n');
}
