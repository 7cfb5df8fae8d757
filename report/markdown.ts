/** The conformance report as Markdown (for a pull request or an issue). */
import { formatGraph } from '../cli/format.ts';
import { eventsText } from '../repro/generate.ts';
import type { ReportData } from './load.ts';
import { allRules, cellText, failingCall, headline, namespacesLines, resultText, seconds, sequenceText, verdictText } from './render-common.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

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
    out.push(`### ${headline(x)}`, '');
    out.push(`- file: \`${x.file}\``, `- implementation: ${c.implementation}`, `- seed ${c.seed}${c.path ? `, path ${c.path}` : ''}${c.shrunk ? '' : ' (not shrunk: the run was interrupted)'}`, '');
    out.push('DSOs:', '', '```', formatGraph(c.graph), '```', '');
    out.push('Calls:', '', '```c', sequenceText(x), '```', '');
    // A divergence of the result, namespaces or events is shown in full by the table.
    const detail = f.kind !== 'divergence' || f.aspect === 'event order' || f.expected === null ? `: ${f.message}` : ` (${f.aspect})`;
    out.push(`First ${f.kind} at \`${failingCall(x)}\`${detail}`, '');
    if (f.expected !== null) {
      out.push('| | expected (spec) | observed |', '| --- | --- | --- |');
      out.push(`| result | ${cell(resultText(f.expected.result))} | ${f.observed ? cell(resultText(f.observed.result)) : '–'} |`);
      out.push(`| events | ${cell(eventsText(f.expected.events))} | ${f.observed ? cell(eventsText(f.observed.events)) : '–'} |`);
      out.push('');
      out.push('Namespaces after the call, expected:', '', '```', ...namespacesLines(f.expected.namespaces), '```', '');
      if (f.observed !== null) out.push('observed:', '', '```', ...namespacesLines(f.observed.namespaces), '```', '');
    }
  }
  return out.join('\n');
}
