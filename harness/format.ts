/**
 * Text a person reads: graphs, observations and divergences, in the
 * terminal and in reports and reproducers alike (hence here, not in cli/).
 * The C of the calls comes from model/call.ts (formatCall, formatSequence).
 */
import { formatCall, type Call } from '../model/call.ts';
import type { DsoGraph } from '../model/graph.ts';
import type { CallResult, LifecycleEvent, Observation } from '../model/observation.ts';
import { formatNamespaces } from './compare.ts';
import type { Finding } from './judge.ts';

/** One line per DSO: `liba.so  needs libb.so, libc  UNIQUE nodelete  defines f0 f1`. */
export function formatGraph(graph: DsoGraph): string {
  if (graph.dsos.length === 0) return '(no DSOs)';
  const width = Math.max(...graph.dsos.map((d) => d.name.length));
  return graph.dsos
    .map((d) => {
      const needs = [...d.needed, ...(d.libc ? ['libc.so.6'] : [])];
      const flags = [d.unique ? 'UNIQUE' : '', d.nodelete ? 'NODELETE' : '', d.libc ? '' : '-nostdlib'].filter(Boolean);
      const parts = [
        needs.length ? `needs ${needs.join(', ')}` : 'needs nothing',
        ...flags,
        d.symbols.length ? `defines ${d.symbols.join(' ')}` : '',
        d.undefinedSymbol ? `calls undefined ${d.undefinedSymbol}` : '',
      ].filter(Boolean);
      return `${d.name.padEnd(width)}  ${parts.join('; ')}`;
    })
    .join('\n');
}

/** The C sequence with the failing call marked. */
export function formatMarkedSequence(calls: readonly Call[], step: number | null): string {
  if (calls.length === 0) return '(no calls)';
  return calls.map((c, i) => `${i === step ? '>' : ' '} ${formatCall(c, i)}${i === step ? '   <-- first divergence' : ''}`).join('\n');
}

export function formatResult(r: CallResult): string {
  switch (r.kind) {
    case 'handle':
      return `handle h${r.handle}: ${r.object} in ns ${r.ns}${r.proxy ? ' (proxy)' : ''}`;
    case 'null':
      return r.error === null ? 'NULL, no dlerror' : `NULL, dlerror "${r.error}"`;
    case 'fail':
      return r.error === null ? 'failure, no dlerror' : `failure, dlerror "${r.error}"`;
    case 'ok':
      return '0 (success)';
    case 'symbol':
      return `symbol defined in ${r.object} of ns ${r.ns}`;
    case 'lmid':
      return `lmid ${r.lmid}`;
    case 'started':
      return 'started';
    case 'called':
      return 'called, returned';
    case 'exited':
      return 'exited (status 0)';
    case 'fatal':
      return `the process ends (status 127): ${r.error}`;
  }
}

export function formatEvents(events: readonly LifecycleEvent[]): string {
  return events.length === 0 ? '(none)' : events.map((e) => `${e.event} ${e.object}@ns${e.ns}`).join(', ');
}

/** The divergence: what the spec expected and what the implementation showed, aspect by aspect. */
export function formatFinding(f: Finding): string {
  const lines: string[] = [];
  const at = f.call !== null ? `call ${f.step}: ${formatCall(f.call, f.step)}` : `after the last call (step ${f.step})`;
  lines.push(`${f.kind}${f.aspect ? ` in ${f.aspect}` : ''} at ${at}`);
  if (f.kind !== 'divergence' || f.aspect === 'event order' || f.expected === null) lines.push(`  ${f.message}`);
  const e = f.expected;
  const o: Observation | null = f.observed;
  if (e !== null) {
    lines.push(`  result      expected: ${formatResult(e.result)}`);
    if (o !== null) lines.push(`              observed: ${formatResult(o.result)}`);
    lines.push(`  namespaces  expected: ${formatNamespaces(e.namespaces)}`);
    if (o !== null) lines.push(`              observed: ${formatNamespaces(o.namespaces)}`);
    lines.push(`  events      expected: ${formatEvents(e.events)}`);
    if (o !== null) lines.push(`              observed: ${formatEvents(o.events)}`);
  }
  return lines.join('\n');
}

/** ` glibc 2.42` after a profile name, or nothing when no release is judged (the newest behaviour). */
export function releaseText(release: string | undefined | null): string {
  return release === undefined || release === null ? '' : ` ${release}`;
}
