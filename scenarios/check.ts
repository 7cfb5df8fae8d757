/**
 * A row's expectations against one observation (the spec's or an
 * implementation's), and the scenario notation of results and lists that
 * tables print (`h1 ns 1 proxy libnorm.so`, `NULL "..."`).
 */
import type { DsoGraph } from '../model/graph.ts';
import type { CallResult, EntryView, LifecycleEvent, Observation } from '../model/observation.ts';
import type { NamespaceExpectation, ResultExpectation, RowExpectation } from './scenario.ts';

const quote = (s: string): string => `"${s}"`;

/** A result as a row writes it; an observed result always prints in full. */
export function formatResultExpectation(r: ResultExpectation | CallResult): string {
  switch (r.kind) {
    case 'handle': {
      const parts = [r.handle === undefined ? 'handle' : `h${r.handle}`];
      if (r.ns !== undefined) parts.push(`ns ${r.ns}`);
      if (r.proxy !== undefined) parts.push(r.proxy ? 'proxy' : 'real');
      if (r.object !== undefined) parts.push(r.object);
      return parts.join(' ');
    }
    case 'null':
    case 'fail': {
      const head = r.kind === 'null' ? 'NULL' : '-1';
      return r.error === undefined ? head : r.error === null ? `${head} no error` : `${head} ${quote(r.error)}`;
    }
    case 'ok':
      return '0';
    case 'symbol':
      return ['symbol', ...(r.object !== undefined ? [r.object] : []), ...(r.ns !== undefined ? [`ns ${r.ns}`] : [])].join(' ');
    case 'lmid':
      return `lmid ${r.lmid}`;
    case 'started':
    case 'called':
    case 'exited':
      return r.kind;
    case 'fatal':
      return r.error === undefined ? 'fatal' : `fatal ${quote(r.error)}`;
  }
}

export const formatEntries = (entries: readonly EntryView[]): string => (entries.length === 0 ? '-' : entries.map((e) => e.object + (e.proxy ? '(proxy)' : '')).join(' '));

export const formatEvent = (e: LifecycleEvent): string => `${e.event} ${e.object}@ns${e.ns}`;

function resultMismatch(want: ResultExpectation, got: CallResult): boolean {
  if (want.kind !== got.kind) return true;
  const fields = Object.entries(want).filter(([k]) => k !== 'kind');
  return fields.some(([k, v]) => {
    const g = (got as Record<string, unknown>)[k];
    if (k === 'error' && typeof v === 'string') return typeof g !== 'string' || !g.includes(v);
    return g !== v;
  });
}

/**
 * The namespace's list as the expectation reads it: unless `all`, only the
 * graph's objects and the objects the expectation itself names (so
 * `libc.so.6(proxy)` on the line checks libc's entry too).
 */
export function listed(want: NamespaceExpectation, obs: Observation, graph: DsoGraph): EntryView[] {
  const names = new Set([...graph.dsos.map((d) => d.name), ...want.entries.map((e) => e.object)]);
  const view = obs.namespaces.find((v) => v.ns === want.ns)?.entries ?? [];
  return want.all ? [...view] : view.filter((e) => names.has(e.object));
}

/** The first expectation of the row the observation breaks, as one line; null when all hold. */
export function rowMismatch(want: RowExpectation, obs: Observation, graph: DsoGraph): string | null {
  if (want.result !== undefined && resultMismatch(want.result, obs.result)) {
    return `result: expected ${formatResultExpectation(want.result)}, got ${formatResultExpectation(obs.result)}`;
  }
  for (const ns of want.namespaces ?? []) {
    const got = listed(ns, obs, graph);
    if (formatEntries(got) !== formatEntries(ns.entries)) return `ns ${ns.ns}${ns.all ? ' all' : ''}: expected ${formatEntries(ns.entries)}, got ${formatEntries(got)}`;
  }
  if (want.events !== undefined) {
    const a = want.events.map(formatEvent).sort();
    const b = obs.events.map(formatEvent).sort();
    if (a.join(', ') !== b.join(', ')) return `events: expected ${a.join(', ') || 'none'}, got ${b.join(', ') || 'none'}`;
  }
  if (want.trace !== undefined) {
    const a = want.trace.map(formatEvent).join(', ');
    const b = obs.events.map(formatEvent).join(', ');
    if (a !== b) return `trace: expected ${a || 'none'}, got ${b || 'none'}`;
  }
  return null;
}
