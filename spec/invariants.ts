/**
 * Invariants every trace of the spec keeps, checked after every step by a
 * checker that reads the trace, not the spec's code: each is stated again
 * here on its own terms (the NS1 one, for instance, does not use the helper
 * the spec picks a namespace with).
 */
import { isOpen } from '../model/call.ts';
import { LM_ID_NEWLM } from '../model/mode.ts';
import { entryById, type Entry, type LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from './context.ts';
import type { Profile } from './profile.ts';
import type { Step } from './step.ts';

/**
 * Running totals over a trace, kept by the checker rather than the spec, so
 * that count and lifecycle invariants compare the spec with its own history.
 */
export interface Ledger {
  /** Successful opens returning entry `id` minus closes that decremented it. */
  opens(id: number): number;
  /** Constructor events seen for entry `id` (-1: events that name no entry their call created). */
  ctors(id: number): number;
  /** Destructor events seen for entry `id` (-1: events that name no entry their call unloaded). */
  dtors(id: number): number;
}

export interface Invariant {
  readonly id: string;
  readonly statement: string;
  readonly profiles: readonly Profile[];
  /** A description of the violation, or null when the step keeps the invariant. */
  check(ctx: SpecContext, step: Step, ledger: Ledger): string | null;
}

const BOTH: readonly Profile[] = ['glibc', 'rtld-shared'];

const label = (e: Entry) => `${e.object}@ns${e.ns}${e.kind === 'proxy' ? '(proxy)' : ''}`;
const entries = (state: LoaderState): Entry[] => Object.values(state.entries);
const proxies = (state: LoaderState): Entry[] => entries(state).filter((e) => e.kind === 'proxy');
/** The entries of `before` that `after` no longer has, ascending by id. */
const removed = ({ before, after }: Step): Entry[] => entries(before).filter((e) => after.entries[e.id] === undefined);
const isTest = (ctx: SpecContext, e: Entry): boolean => objectInfo(ctx, e.object)?.test === true;

/*
 * Each check scans the state in a fixed order (entries by id, namespaces by
 * number, lists in list order) and reports the first violation it meets. A
 * list naming an entry the state does not have is an internal error
 * (entryById throws), as wherever the spec reads a list.
 */
export const INVARIANTS: readonly Invariant[] = [
  {
    id: 'INV-SINGLE-MASTER',
    statement: 'Every proxied object has exactly one master: the one real entry of that object in namespace 0.',
    profiles: BOTH,
    check: (_c, { after }) => {
      for (const p of proxies(after)) {
        const reals = (after.namespaces[0] ?? []).map((id) => entryById(after, id)).filter((e) => e.object === p.object && e.kind === 'real');
        if (reals.length !== 1 || reals[0]!.id !== p.master) return `${label(p)} does not point at the single namespace-0 copy`;
      }
      return null;
    },
  },
  {
    id: 'INV-MASTER-PINNED',
    statement: 'A master lives in namespace 0 and is nodelete (S5): no proxy outlives its master.',
    profiles: BOTH,
    check: (_c, { after }) => {
      for (const p of proxies(after)) {
        const m = p.master === null ? undefined : after.entries[p.master];
        if (m === undefined) return `${label(p)} outlived its master`;
        if (!(m.ns === 0 && (m.nodelete || m.startup))) return `master ${label(m)} of ${label(p)} is not pinned in namespace 0`;
      }
      return null;
    },
  },
  {
    id: 'S13',
    statement: 'Namespace 0 never holds a proxy, and a proxy never points at another proxy.',
    profiles: BOTH,
    check: (_c, { after }) => {
      for (const e of proxies(after)) {
        if (e.ns === 0) return `proxy ${label(e)} in namespace 0`;
        const m = e.master === null ? undefined : after.entries[e.master];
        if (!(m !== undefined && m.kind === 'real' && m.object === e.object)) return `${label(e)} does not point at a real entry of its object`;
      }
      return null;
    },
  },
  {
    id: 'INV-ONE-ENTRY',
    statement: 'A namespace holds at most one entry per object.',
    profiles: BOTH,
    check: (_c, { after }) => {
      for (const [ns, list] of after.namespaces.entries()) {
        const names = list.map((id) => entryById(after, id).object);
        const dup = names.find((n, i) => names.indexOf(n) < i);
        if (dup !== undefined) return `namespace ${ns} holds ${dup} twice`;
      }
      return null;
    },
  },
  {
    id: 'INV-CLOSURE',
    statement: "Every real entry's DT_NEEDED objects are present in its namespace (as real entries or proxies).",
    profiles: BOTH,
    check: (ctx, { after }) => {
      for (const e of entries(after)) {
        if (e.kind !== 'real' || e.startup) continue;
        const needed = objectInfo(ctx, e.object)?.needed ?? [];
        const ok =
          e.deps.length === needed.length &&
          e.deps.every((id, i) => {
            const d = after.entries[id];
            return d !== undefined && d.ns === e.ns && d.object === needed[i];
          });
        if (!ok) return `${label(e)} is missing a dependency of ${needed.join(', ')}`;
      }
      return null;
    },
  },
  {
    id: 'INV-NO-GARBAGE',
    statement: 'Nothing unreachable survives: every entry is reachable through DT_NEEDED and relocation dependencies (SYM4) from a root (open count > 0, nodelete or start-up) of its namespace.',
    profiles: BOTH,
    check: (_c, { after }) => {
      for (const list of after.namespaces) {
        const reached = new Set<number>();
        const stack = list.filter((id) => {
          const e = entryById(after, id);
          return e.openCount > 0 || e.nodelete || e.startup;
        });
        while (stack.length > 0) {
          const id = stack.pop() as number;
          if (reached.has(id)) continue;
          reached.add(id);
          stack.push(...(after.entries[id]?.deps ?? []), ...(after.entries[id]?.reldeps ?? []));
        }
        const garbage = list.find((id) => !reached.has(id));
        if (garbage !== undefined) return `${label(entryById(after, garbage))} is unreachable but still loaded`;
      }
      return null;
    },
  },
  {
    id: 'INV-CTOR-ONCE',
    statement: 'Every real entry is constructed exactly once and destructed at most once, when unloaded or at exit (PROC3); proxies never construct or destruct (S6).',
    profiles: BOTH,
    check: (ctx, s, ledger) => {
      for (const e of entries(s.after)) {
        const want = e.kind === 'real' && isTest(ctx, e) ? 1 : 0;
        if (ledger.ctors(e.id) !== want) return `${label(e)} constructed ${ledger.ctors(e.id)} times`;
        if (s.call.op === 'exit' && ledger.dtors(e.id) !== want) return `${label(e)} destructed ${ledger.dtors(e.id)} times at exit`;
        if (s.call.op !== 'exit' && ledger.dtors(e.id) !== 0) return `${label(e)} destructed while still loaded`;
      }
      if (ledger.ctors(-1) || ledger.dtors(-1)) return 'an event names no entry created or unloaded by its call';
      for (const e of removed(s)) {
        if (e.kind !== 'real' || !isTest(ctx, e)) continue;
        if (ledger.dtors(e.id) !== 1) return `${label(e)} unloaded with ${ledger.dtors(e.id)} destructor runs`;
      }
      return null;
    },
  },
  {
    id: 'INV-COUNT',
    statement: 'Direct open counts are conserved: successful opens returning the entry minus dlclose calls that counted it down.',
    profiles: BOTH,
    check: (_c, { after }, ledger) => {
      for (const e of entries(after)) {
        if (!e.startup && ledger.opens(e.id) !== e.openCount) return `${label(e)} has open count ${e.openCount}, trace says ${ledger.opens(e.id)}`;
      }
      return null;
    },
  },
  {
    id: 'INV-NODELETE-STAYS',
    statement: 'A nodelete entry is never unloaded.',
    profiles: BOTH,
    check: (_c, s) => {
      const e = removed(s).find((x) => x.nodelete || x.startup);
      return e === undefined ? null : `${label(e)} was unloaded`;
    },
  },
  {
    id: 'NS1',
    statement: 'LM_ID_NEWLM takes the lowest-numbered namespace in 1..15 whose list is empty.',
    profiles: BOTH,
    check: (_c, { call, before, expected }) => {
      if (call.op !== 'dlmopen' || call.lmid !== LM_ID_NEWLM || expected.result.kind !== 'handle') return null;
      let want: number | undefined;
      for (let ns = 15; ns >= 1; ns--) if ((before.namespaces[ns] ?? []).length === 0) want = ns;
      return expected.result.ns === want ? null : `LM_ID_NEWLM gave namespace ${expected.result.ns}, lowest free was ${want}`;
    },
  },
  {
    id: 'LOAD4',
    statement: 'A failed dlopen/dlmopen leaves no trace.',
    profiles: BOTH,
    check: (_c, { call, before, after, expected }) =>
      isOpen(call) && expected.result.kind === 'null' && before !== after ? 'a failed open changed the state' : null,
  },
  {
    id: 'LOAD2',
    statement: 'New entries are appended: the surviving entries keep their order, new ones come after them.',
    profiles: BOTH,
    check: (_c, { call, before, after }) => {
      // The start-up lays namespace 0 out itself (PROC1: its objects after the program and the vdso).
      if (call.op === 'start') return null;
      for (const [ns, now] of after.namespaces.entries()) {
        // The entries of `before` still loaded must be the first ones of the list now, in the same order.
        const kept = (before.namespaces[ns] ?? []).filter((id) => after.entries[id] !== undefined);
        if (kept.some((id, i) => now[i] !== id)) return `namespace ${ns} was reordered`;
      }
      return null;
    },
  },
];

/** The ledger of one trace. */
class TraceLedger implements Ledger {
  private readonly opened = new Map<number, number>();
  private readonly constructed = new Map<number, number>();
  private readonly destructed = new Map<number, number>();

  opens = (id: number): number => this.opened.get(id) ?? 0;
  ctors = (id: number): number => this.constructed.get(id) ?? 0;
  dtors = (id: number): number => this.destructed.get(id) ?? 0;

  /** Fold a step's results and events in. */
  advance(s: Step): void {
    const { call, before, after, expected } = s;
    const r = expected.result;
    if (isOpen(call) && r.kind === 'handle') add(this.opened, after.handles[r.handle] as number, 1);
    if (call.op === 'dlclose' && r.kind === 'ok') {
      const id = before.handles[call.handle] as number;
      if (!before.entries[id]?.nodelete) add(this.opened, id, -1);
    }
    // An event counts for the first entry (by id) of its object and namespace that its call created (ctor) or unloaded (dtor).
    const created = entries(after).filter((e) => before.entries[e.id] === undefined);
    const gone = removed(s);
    // At exit (PROC3) destructors run for what is loaded; a traced call's enter and leave name no life event.
    const dying = call.op === 'exit' ? entries(after) : gone;
    for (const ev of expected.events) {
      if (ev.event === 'enter' || ev.event === 'leave') continue;
      const e = (ev.event === 'ctor' ? created : dying).find((x) => x.object === ev.object && x.ns === ev.ns);
      add(ev.event === 'ctor' ? this.constructed : this.destructed, e?.id ?? -1, 1);
    }
  }
}

const add = (m: Map<number, number>, id: number, n: number): void => void m.set(id, (m.get(id) ?? 0) + n);

export interface Violation {
  readonly rule: string;
  readonly step: number;
  readonly message: string;
}

/** Check every invariant of the profile after every step of a run. */
export function checkInvariants(ctx: SpecContext, steps: readonly Step[]): Violation[] {
  const invariants = INVARIANTS.filter((inv) => inv.profiles.includes(ctx.profile));
  const ledger = new TraceLedger();
  const violations: Violation[] = [];
  for (const s of steps) {
    ledger.advance(s);
    for (const inv of invariants) {
      const message = inv.check(ctx, s, ledger);
      if (message !== null) violations.push({ rule: inv.id, step: s.index, message });
    }
  }
  return violations;
}
