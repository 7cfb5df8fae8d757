import type { ExpectedObservation, LifecycleEvent, Observation } from '../model/observation.ts';
import { compareAudit } from '../spec/audit.ts';

/** Where an observation departs from the spec's expectation. */
export interface Divergence {
  readonly aspect: 'result' | 'namespaces' | 'events' | 'event order' | 'audit';
  readonly message: string;
}

const key = (e: LifecycleEvent) => `${e.event} ${e.object}@ns${e.ns}`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Judge one observation: result and namespace lists must be equal; events
 * must be the same multiset, in an order that satisfies every constraint.
 */
export function compareObservation(expected: ExpectedObservation, observed: Observation): Divergence | null {
  const results = [expected.result, ...(expected.alternatives ?? [])];
  if (!results.some((r) => same(normaliseResult(r), normaliseResult(observed.result)))) {
    return { aspect: 'result', message: `expected ${JSON.stringify(expected.result)}, observed ${JSON.stringify(observed.result)}` };
  }
  if (!same(expected.namespaces, observed.namespaces)) {
    return { aspect: 'namespaces', message: `expected ${formatNamespaces(expected.namespaces)}; observed ${formatNamespaces(observed.namespaces)}` };
  }
  const want = expected.events.map(key).sort();
  const got = observed.events.map(key).sort();
  if (!same(want, got)) return { aspect: 'events', message: `expected {${want.join(', ')}}, observed {${got.join(', ')}}` };
  // The k-th expected event of a key stands for the k-th observed one of that key (a traced function may run twice in a call).
  const positions = new Map<string, number[]>();
  observed.events.forEach((e, i) => positions.set(key(e), [...(positions.get(key(e)) ?? []), i]));
  const seen = new Map<string, number>();
  const position = expected.events.map((e) => {
    const k = seen.get(key(e)) ?? 0;
    seen.set(key(e), k + 1);
    return positions.get(key(e))![k]!;
  });
  for (const [a, b] of expected.order) {
    const ea = expected.events[a] as LifecycleEvent;
    const eb = expected.events[b] as LifecycleEvent;
    if ((position[a] as number) > (position[b] as number)) {
      return { aspect: 'event order', message: `${key(ea)} must run before ${key(eb)}; observed ${observed.events.map(key).join(', ')}` };
    }
  }
  return compareAuditOf(expected, observed);
}

/** Under an audit module (spec/audit.ts): the call's audit events. */
function compareAuditOf(expected: ExpectedObservation, observed: Observation): Divergence | null {
  if (expected.audited === undefined || expected.audited === null) return null;
  if (observed.audit === undefined) return { aspect: 'audit', message: 'the start-up state shows an audit module, but no audit events were reported (the hello declares no extensions.audit: PROTOCOL.md section 9)' };
  const message = compareAudit(expected.audited, observed.audit);
  return message === null ? null : { aspect: 'audit', message };
}

/** Key order is not significant in results. */
function normaliseResult(r: Observation['result']): unknown {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

export function formatNamespaces(views: Observation['namespaces']): string {
  return views.map((v) => `ns${v.ns}=[${v.entries.map((e) => e.object + (e.proxy ? '(proxy)' : '')).join(', ')}]`).join(' ');
}
