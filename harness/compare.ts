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
  if (!same(normaliseResult(expected.result), normaliseResult(observed.result))) {
    return { aspect: 'result', message: `expected ${JSON.stringify(expected.result)}, observed ${JSON.stringify(observed.result)}` };
  }
  if (!same(expected.namespaces, observed.namespaces)) {
    return { aspect: 'namespaces', message: `expected ${formatNamespaces(expected.namespaces)}; observed ${formatNamespaces(observed.namespaces)}` };
  }
  const want = expected.events.map(key).sort();
  const got = observed.events.map(key).sort();
  if (!same(want, got)) return { aspect: 'events', message: `expected {${want.join(', ')}}, observed {${got.join(', ')}}` };
  const position = new Map(observed.events.map((e, i) => [key(e), i]));
  for (const [a, b] of expected.order) {
    const ea = expected.events[a] as LifecycleEvent;
    const eb = expected.events[b] as LifecycleEvent;
    if ((position.get(key(ea)) as number) > (position.get(key(eb)) as number)) {
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
