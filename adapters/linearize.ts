import type { AuditEvent, ExpectedAudit, ExpectedObservation, LifecycleEvent, Observation } from '../model/observation.ts';

/** The observation a model reports for an expectation: events in one allowed order, audit events when audited. */
export function reported(expected: ExpectedObservation): Observation {
  const base = { result: expected.result, events: linearize(expected), namespaces: expected.namespaces };
  if (expected.audited === undefined) return base;
  return { ...base, audit: expected.audited === null ? [] : linearizeAudit(expected.audited) };
}

/**
 * One event order that satisfies every constraint: a stable topological sort
 * (the constraints form a strict partial order, so one always exists).
 */
export function linearize(expected: Pick<ExpectedObservation, 'events' | 'order'>): LifecycleEvent[] {
  const n = expected.events.length;
  const indegree = new Array<number>(n).fill(0);
  for (const [, b] of expected.order) indegree[b]! += 1;
  const out: LifecycleEvent[] = [];
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const done = new Array<boolean>(n).fill(false);
  for (let placed = 0; placed < n; placed++) {
    const next = indegree.findIndex((d, i) => d === 0 && !done[i]);
    if (next < 0) throw new Error('internal: cyclic event order constraints');
    done[next] = true;
    out.push(expected.events[next] as LifecycleEvent);
    for (const [a, b] of expected.order) if (a === next) indegree[b]! -= 1;
  }
  return out;
}

/** One report that satisfies the expectation (glibc's order at the release judged): for models that serve the spec. */
export function linearizeAudit(want: ExpectedAudit): AuditEvent[] {
  const act = (activity: 'add' | 'delete' | 'consistent', ns: number): AuditEvent => ({ event: 'activity', activity, ns });
  const deleteFirst = want.removed.filter((r) => r.deleteFirst === true);
  return [
    ...want.added.map(({ ns }) => act('add', ns)),
    ...want.opens,
    ...want.added.map(({ ns }) => act('consistent', ns)),
    ...deleteFirst.map(({ ns }) => act('delete', ns)),
    ...want.closes,
    ...want.removed.flatMap(({ ns, emptied, deleteFirst: first }) => [...(first === true ? [] : [act('delete', ns)]), ...(emptied ? [] : [act('consistent', ns)])]),
  ];
}
