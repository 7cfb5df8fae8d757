/**
 * The conformance report as one self-contained HTML page: inline CSS and SVG,
 * no scripts, no external assets.
 */
import { formatCall } from '../model/call.ts';
import { formatGraph } from '../harness/format.ts';
import { eventsText, namespacesText } from '../repro/generate.ts';
import { DIAGRAM_CSS, namespaceDiagram } from './diagram.ts';
import type { ReportCounterexample, ReportData } from './load.ts';
import { allRules, cellText, headline, resultText, ruleStatements, seconds, verdictText } from './render-common.ts';
import { escapeXml as h } from './xml.ts';

const CSS = `
* { box-sizing: border-box; }
body { font-family: system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; color: #24292f; margin: 0; padding: 24px 32px 48px; background: #fff; font-size: 14px; line-height: 1.45; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 15px; margin: 0 0 8px; }
.meta { color: #57606a; margin: 0 0 8px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { background: #dafbe1; color: #116329; text-align: right; }
td.fail { background: #ffebe9; color: #a40e26; font-weight: 700; text-align: right; }
td.none { color: #8c959f; text-align: center; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; margin: 6px 0 12px; overflow-x: auto; }
pre .hit { background: #ffebe9; color: #a40e26; font-weight: 700; display: inline-block; width: 100%; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.badge.pass { background: #dafbe1; color: #116329; }
.badge.fail { background: #ffebe9; color: #a40e26; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: 14px 18px; margin: 14px 0 22px; }
.card .sub { color: #57606a; margin: 0 0 8px; }
.cols { display: flex; gap: 18px; flex-wrap: wrap; }
.cols > div { flex: 1 1 300px; min-width: 0; }
.cols > div:first-child { flex: 2 1 480px; }
pre.calls { white-space: pre-wrap; }
.diagrams { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; margin: 8px 0 4px; }
.diagrams > figure { margin: 0; padding: 4px; border: 1px solid #d0d7de; border-radius: 8px; max-width: 100%; overflow-x: auto; }
.legend { color: #57606a; font-size: 12px; margin: 4px 0 0; }
.legend span { display: inline-block; margin-right: 14px; }
.sw { display: inline-block; width: 22px; height: 12px; border: 1px solid #8c959f; vertical-align: -1px; margin-right: 4px; border-radius: 2px; }
.sw.proxy { background: #ddf4ff; border: 1px dashed #0969da; }
.sw.system { background: #eaeef2; }
.sw.diff { border: 2px solid #cf222e; }
td.obs-diff { background: #fff8c5; }
span[title] { text-decoration: underline dotted #8c959f; cursor: help; }
${DIAGRAM_CSS}`;

export function renderHtml(data: ReportData): string {
  const rules = allRules(data);
  const statements = ruleStatements();
  const body: string[] = [];
  body.push('<h1>dlmspec conformance report</h1>');
  body.push(`<p class="meta">Generated ${h(data.generatedAt)} · spec version ${h(data.specVersions.join(', '))}</p>`);

  body.push('<h2>Implementations</h2>');
  body.push('<table><tr><th>implementation</th><th>profile</th><th>sequences</th><th>time</th><th>verdict</th></tr>');
  for (const c of data.columns) {
    const ok = c.verdict === 'conforms';
    body.push(
      `<tr><td><code>${h(c.impl)}</code><br><span class="meta">${h(c.implementation)}</span></td><td>${h(c.profile)}</td>` +
        `<td class="num">${c.sequences}</td><td class="num">${seconds(c.elapsedMs)}</td>` +
        `<td><span class="badge ${ok ? 'pass' : 'fail'}">${h(verdictText(c))}</span></td></tr>`,
    );
  }
  body.push('</table>');

  body.push('<h2>Rules</h2>');
  body.push('<p class="meta">Steps that exercised each rule (for an INV- invariant: steps it was checked after); ✗ n (m): n failures attributed to the rule in m steps (a divergence counts against every rule its step exercised). Hover a rule for what it says (CONFORMANCE.md).</p>');
  body.push(`<table><tr><th>rule</th>${data.columns.map((c) => `<th>${h(c.title)}</th>`).join('')}</tr>`);
  for (const r of rules) {
    const statement = statements.get(r);
    const name = statement !== undefined ? `<span title="${h(statement)}">${h(r)}</span>` : h(r);
    const cells = data.columns.map((c) => {
      const n = c.rules[r];
      const cls = n === undefined ? 'none' : n.failures > 0 ? 'fail' : 'pass';
      return `<td class="${cls}">${h(cellText(n))}</td>`;
    });
    body.push(`<tr><td><code>${name}</code></td>${cells.join('')}</tr>`);
  }
  body.push('</table>');

  const ces = data.columns.flatMap((c) => c.counterexamples);
  body.push('<h2>Counterexamples</h2>');
  if (ces.length === 0) body.push('<p>None: every implementation conformed.</p>');
  ces.forEach((x, i) => body.push(counterexampleCard(x, `ce-${i + 1}`)));

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dlmspec conformance report</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

function counterexampleCard(x: ReportCounterexample, id: string): string {
  const c = x.counterexample;
  const f = c.finding;
  const system = new Set(c.system.system.map((s) => s.name));
  const out: string[] = [];
  out.push(`<section class="card" id="${id}">`);
  out.push(`<h3>${h(headline(x))}</h3>`);
  out.push(
    `<p class="sub">${h(c.implementation)} · seed ${c.seed}${c.path ? ` · path ${h(c.path)}` : ''}${c.shrunk ? '' : ' · <b>not shrunk</b> (interrupted)'} · <code>${h(x.file)}</code></p>`,
  );
  const seq =
    c.calls.length === 0
      ? '(no calls: the handshake failed)'
      : c.calls.map((call, i) => (i === f.step && f.call !== null ? `<span class="hit">${h(formatCall(call, i))}</span>` : h(formatCall(call, i)))).join('\n');
  out.push('<div class="cols">');
  out.push(`<div><b>Calls</b><pre class="calls">${seq}</pre></div>`);
  out.push(`<div><b>DSOs</b><pre>${h(formatGraph(c.graph))}</pre></div>`);
  out.push('</div>');
  // The table below shows a divergence of the result, namespaces or events in full.
  const detail = f.kind !== 'divergence' || f.aspect === 'event order' || f.expected === null ? `: ${h(f.message)}` : ` (${h(f.aspect ?? '')})`;
  out.push(`<p><b>First ${h(f.kind === 'divergence' ? 'divergence' : f.kind)}</b> at call ${f.step}${detail}</p>`);
  if (f.expected !== null) {
    const e = f.expected;
    const o = f.observed;
    const row = (what: string, a: string, b: string | null) =>
      `<tr><th>${what}</th><td><code>${h(a)}</code></td><td class="${b !== null && b !== a ? 'obs-diff' : ''}"><code>${b === null ? '–' : h(b)}</code></td></tr>`;
    out.push('<table><tr><th></th><th>expected (spec)</th><th>observed</th></tr>');
    out.push(row('result', resultText(e.result), o ? resultText(o.result) : null));
    out.push(row('namespaces', namespacesText(e.namespaces), o ? namespacesText(o.namespaces) : null));
    out.push(row('events', eventsText(e.events), o ? eventsText(o.events) : null));
    out.push('</table>');
    out.push(`<p><b>Namespaces after call ${f.step}</b>${o === null ? ' (as the spec expects them; nothing was observed)' : ''}</p>`);
    out.push('<div class="diagrams">');
    out.push(`<figure>${namespaceDiagram({ title: 'expected (spec)', namespaces: e.namespaces, ...(o ? { compareWith: o.namespaces } : {}), system })}</figure>`);
    if (o !== null) out.push(`<figure>${namespaceDiagram({ title: 'observed', namespaces: o.namespaces, compareWith: e.namespaces, system })}</figure>`);
    out.push('</div>');
    out.push(
      '<p class="legend"><span><i class="sw"></i>real entry</span><span><i class="sw system"></i>loader\'s own object</span>' +
        '<span><i class="sw proxy"></i>proxy, arrow to its master in namespace 0</span><span><i class="sw diff"></i>not on the other side</span></p>',
    );
  }
  out.push('</section>');
  return out.join('\n');
}
