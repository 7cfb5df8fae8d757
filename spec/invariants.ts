import { LM_ID_NEWLM } from '../model/mode.ts';
import { entriesOf, freeNamespaces, type Entry, type LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from './context.ts';
import type { Profile } from './profile.ts';
import type { Step } from './step.ts';

/**
 * Running totals over a trace, kept by the checker rather than the spec, so
 * that count and lifecycle invariants compare the spec with its own history.
 */
export interface Ledger {
  /** entry id -> successful opens returning it minus closes that decremented it. */
  readonly opens: Readonly<Record<number, number>>;
  /** entry id -> constructor events seen for it. */
  readonly ctors: Readonly<Record<number, number>>;
  /** entry ids whose destructor ran. */
  readonly dtors: Readonly<Record<number, number>>;
}

export const emptyLedger: Ledger = { opens: {}, ctors: {}, dtors: {} };

export interface Invariant {
  readonly id: string;
  readonly statement: string;
  readonly profiles: readonly Profile[];
  /** A description of the violation, or null when the step keeps the invariant. */
  check(ctx: SpecContext, step: Step, ledger: Ledger): string | null;
}

const BOTH: readonly Profile[] = ['glibc', 'rtld-shared'];

const all = (s: LoaderState): Entry[] => Object.values(s.entries);
const label = (e: Entry) => `${e.object}@ns${e.ns}${e.kind === 'proxy' ? '(proxy)' : ''}`;
const first = <T>(xs: T[], f: (x: T) => string | null): string | null => {
  for (const x of xs) {
    const r = f(x);
    if (r !== null) return r;
  }
  return null;
};

export const INVARIANTS: readonly Invariant[] = [
  {
    id: 'INV-SINGLE-MASTER',
    statement: 'Every proxied object has exactly one master: the one real entry of that object in namespace 0.',
    profiles: BOTH,
    check: (_c, { after }) =>
      first(all(after).filter((e) => e.kind === 'proxy'), (p) => {
        const reals = entriesOf(after, 0).filter((e) => e.object === p.object && e.kind === 'real');
        return reals.length === 1 && reals[0]!.id === p.master ? null : `${label(p)} does not point at the single namespace-0 copy`;
      }),
  },
  {
    id: 'INV-MASTER-PINNED',
    statement: 'A master lives in namespace 0 and is nodelete (S5): no proxy outlives its master.',
    profiles: BOTH,
    check: (_c, { after }) =>
      first(all(after).filter((e) => e.kind === 'proxy'), (p) => {
        const m = p.master === null ? undefined : after.entries[p.master];
        if (m === undefined) return `${label(p)} outlived its master`;
        return m.ns === 0 && (m.nodelete || m.startup) ? null : `master ${label(m)} of ${label(p)} is not pinned in namespace 0`;
      }),
  },
  {
    id: 'S13',
    statement: 'Namespace 0 never holds a proxy, and a proxy never points at another proxy.',
    profiles: BOTH,
    check: (_c, { after }) =>
      first(all(after), (e) => {
        if (e.kind !== 'proxy') return null;
        if (e.ns === 0) return `proxy ${label(e)} in namespace 0`;
        const m = e.master === null ? undefined : after.entries[e.master];
        return m !== undefined && m.kind === 'real' && m.object === e.object ? null : `${label(e)} does not point at a real entry of its object`;
      }),
  },
  {
    id: 'INV-ONE-ENTRY',
    statement: 'A namespace holds at most one entry per object.',
    profiles: BOTH,
    check: (_c, { after }) =>
      first([...after.namespaces.keys()], (ns) => {
        const names = entriesOf(after, ns).map((e) => e.object);
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        return dup === undefined ? null : `namespace ${ns} holds ${dup} twice`;
      }),
  },
  {
    id: 'INV-CLOSURE',
    statement: "Every real entry's DT_NEEDED objects are present in its namespace (as real entries or proxies).",
    profiles: BOTH,
    check: (ctx, { after }) =>
      first(all(after).filter((e) => e.kind === 'real' && !e.startup), (e) => {
        const needed = objectInfo(ctx, e.object)?.needed ?? [];
        const deps = e.deps.map((d) => after.entries[d]);
        const ok = deps.length === needed.length && deps.every((d, i) => d !== undefined && d.ns === e.ns && d.object === needed[i]);
        return ok ? null : `${label(e)} is missing a dependency of ${needed.join(', ')}`;
      }),
  },
  {
    id: 'INV-NO-GARBAGE',
    statement: 'Nothing unreachable survives: every entry is reachable through DT_NEEDED from a root (open count > 0, nodelete or start-up) of its namespace.',
    profiles: BOTH,
    check: (_c, { after }) =>
      first([...after.namespaces.keys()], (ns) => {
        const list = entriesOf(after, ns);
        const live = new Set<number>();
        const stack = list.filter((e) => e.openCount > 0 || e.nodelete || e.startup).map((e) => e.id);
        while (stack.length > 0) {
          const id = stack.pop() as number;
          if (live.has(id)) continue;
          live.add(id);
          stack.push(...(after.entries[id]?.deps ?? []));
        }
        const dead = list.find((e) => !live.has(e.id));
        return dead === undefined ? null : `${label(dead)} is unreachable but still loaded`;
      }),
  },
  {
    id: 'INV-CTOR-ONCE',
    statement: 'Every real entry is constructed exactly once and destructed at most once; proxies never construct or destruct (S6).',
    profiles: BOTH,
    check: (ctx, { before, after }, ledger) =>
      first(all(after), (e) => {
        const test = objectInfo(ctx, e.object)?.test === true;
        const want = e.kind === 'real' && test ? 1 : 0;
        if ((ledger.ctors[e.id] ?? 0) !== want) return `${label(e)} constructed ${ledger.ctors[e.id] ?? 0} times`;
        return (ledger.dtors[e.id] ?? 0) === 0 ? null : `${label(e)} destructed while still loaded`;
      }) ??
      (ledger.ctors[-1] || ledger.dtors[-1] ? 'an event names no entry created or unloaded by its call' : null) ??
      first(all(before).filter((e) => after.entries[e.id] === undefined && e.kind === 'real' && objectInfo(ctx, e.object)?.test === true), (e) =>
        ledger.dtors[e.id] === 1 ? null : `${label(e)} unloaded with ${ledger.dtors[e.id] ?? 0} destructor runs`,
      ),
  },
  {
    id: 'INV-COUNT',
    statement: 'Direct open counts are conserved: successful opens returning the entry minus dlclose calls that counted it down.',
    profiles: BOTH,
    check: (_c, { after }, ledger) =>
      first(all(after).filter((e) => !e.startup), (e) =>
        (ledger.opens[e.id] ?? 0) === e.openCount ? null : `${label(e)} has open count ${e.openCount}, trace says ${ledger.opens[e.id] ?? 0}`,
      ),
  },
  {
    id: 'INV-NODELETE-STAYS',
    statement: 'A nodelete entry is never unloaded.',
    profiles: BOTH,
    check: (_c, { before, after }) =>
      first(all(before).filter((e) => e.nodelete || e.startup), (e) => (after.entries[e.id] === undefined ? `${label(e)} was unloaded` : null)),
  },
  {
    id: 'NS1',
    statement: 'LM_ID_NEWLM takes the lowest-numbered namespace in 1..15 whose list is empty.',
    profiles: BOTH,
    check: (_c, { call, before, expected }) => {
      if (call.op !== 'dlmopen' || call.lmid !== LM_ID_NEWLM || expected.result.kind !== 'handle') return null;
      const want = freeNamespaces(before)[0];
      return expected.result.ns === want ? null : `LM_ID_NEWLM gave namespace ${expected.result.ns}, lowest free was ${want}`;
    },
  },
  {
    id: 'LOAD4',
    statement: 'A failed dlopen/dlmopen leaves no trace.',
    profiles: BOTH,
    check: (_c, { call, before, after, expected }) =>
      (call.op === 'dlopen' || call.op === 'dlmopen') && expected.result.kind === 'null' && before !== after ? 'a failed open changed the state' : null,
  },
  {
    id: 'LOAD2',
    statement: 'New entries are appended: the surviving entries keep their order, new ones come after them.',
    profiles: BOTH,
    check: (_c, { before, after }) =>
      first([...after.namespaces.keys()], (ns) => {
        const kept = (before.namespaces[ns] ?? []).filter((id) => after.entries[id] !== undefined);
        const now = after.namespaces[ns] ?? [];
        return kept.every((id, i) => now[i] === id) ? null : `namespace ${ns} was reordered`;
      }),
  },
];

/** The ledger after a step: fold the step's results and events into it. */
export function advanceLedger(ledger: Ledger, { call, before, after, expected }: Step): Ledger {
  const opens = { ...ledger.opens };
  const ctors = { ...ledger.ctors };
  const dtors = { ...ledger.dtors };
  const r = expected.result;
  if ((call.op === 'dlopen' || call.op === 'dlmopen') && r.kind === 'handle') {
    const id = after.handles[r.handle] as number;
    opens[id] = (opens[id] ?? 0) + 1;
  }
  if (call.op === 'dlclose' && r.kind === 'ok') {
    const id = before.handles[call.handle] as number;
    if (!before.entries[id]?.nodelete) opens[id] = (opens[id] ?? 0) - 1;
  }
  const created = all(after).filter((e) => before.entries[e.id] === undefined);
  const removed = all(before).filter((e) => after.entries[e.id] === undefined);
  for (const ev of expected.events) {
    const pool = ev.event === 'ctor' ? created : removed;
    const e = pool.find((x) => x.object === ev.object && x.ns === ev.ns);
    const key = e?.id ?? -1;
    if (ev.event === 'ctor') ctors[key] = (ctors[key] ?? 0) + 1;
    else dtors[key] = (dtors[key] ?? 0) + 1;
  }
  return { opens, ctors, dtors };
}

export interface Violation {
  readonly rule: string;
  readonly step: number;
  readonly message: string;
}

/** Check every invariant of the profile after every step of a run. */
export function checkInvariants(ctx: SpecContext, steps: readonly Step[]): Violation[] {
  const violations: Violation[] = [];
  let ledger = emptyLedger;
  for (const s of steps) {
    ledger = advanceLedger(ledger, s);
    for (const inv of INVARIANTS) {
      if (!inv.profiles.includes(ctx.profile)) continue;
      const message = inv.check(ctx, s, ledger);
      if (message !== null) violations.push({ rule: inv.id, step: s.index, message });
    }
  }
  return violations;
}
