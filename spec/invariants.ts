import { LM_ID_NEWLM } from '../model/mode.ts';
import { entryById, freeNamespaces, type Entry, type LoaderState } from '../model/state.ts';
import { ById } from './by-id.ts';
import { objectInfo, type ObjectInfo, type SpecContext } from './context.ts';
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

/**
 * What the invariants read about a step besides the step itself, each worked
 * out once: the entries of both states in id order (per state, so a trace's
 * `after` serves again as the next step's `before`), the proxies of `after`,
 * the entries the step unloaded, and what each entry's object is.
 */
export interface StepFacts {
  /** The entries of `before`, ascending by id. */
  readonly before: readonly Entry[];
  /** The entries of `after`, ascending by id. */
  readonly after: readonly Entry[];
  /** objectInfo of each entry of `after`, by position in `after`. */
  readonly afterInfo: readonly (ObjectInfo | undefined)[];
  /** The proxies of `after`, ascending by id. */
  readonly proxies: readonly Entry[];
  /** The entries of `before` that `after` no longer has, ascending by id. */
  readonly removed: readonly Entry[];
  /** objectInfo of an entry's object. */
  info(e: Entry): ObjectInfo | undefined;
}

export interface Invariant {
  readonly id: string;
  readonly statement: string;
  readonly profiles: readonly Profile[];
  /**
   * 'state': the verdict depends on the state after the step alone (and the
   * context), so a step that leaves the very same state keeps the verdict the
   * previous step had. 'step': it reads more of the step, or the ledger.
   */
  readonly reads: 'state' | 'step';
  /** A description of the violation, or null when the step keeps the invariant. */
  check(ctx: SpecContext, step: Step, ledger: Ledger, facts: StepFacts): string | null;
}

const BOTH: readonly Profile[] = ['glibc', 'rtld-shared'];

const label = (e: Entry) => `${e.object}@ns${e.ns}${e.kind === 'proxy' ? '(proxy)' : ''}`;

/*
 * Each check scans the state once, in a fixed order (entries by id,
 * namespaces by number, lists in list order), and reports the first
 * violation it meets. A list naming an entry the state does not have is an
 * internal error (entryById throws), as wherever the spec reads a list.
 */
export const INVARIANTS: readonly Invariant[] = [
  {
    id: 'INV-SINGLE-MASTER',
    statement: 'Every proxied object has exactly one master: the one real entry of that object in namespace 0.',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'state',
    check: (_c, { after }, _l, { proxies }) => {
      if (proxies.length === 0) return null;
      // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
      const ns0 = after.namespaces[0] ?? [];
      for (const p of proxies) {
        // The real entries of p's object in namespace 0: there must be one, and it must be p's master.
        let reals = 0;
        let first: Entry | undefined;
        for (const id of ns0) {
          const e = entryById(after, id);
          if (e.object !== p.object || e.kind !== 'real') continue;
          reals++;
          first ??= e;
        }
        if (reals !== 1 || first!.id !== p.master) return `${label(p)} does not point at the single namespace-0 copy`;
      }
      return null;
    },
  },
  {
    id: 'INV-MASTER-PINNED',
    statement: 'A master lives in namespace 0 and is nodelete (S5): no proxy outlives its master.',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'state',
    check: (_c, { after }, _l, { proxies }) => {
      for (const p of proxies) {
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
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'state',
    check: (_c, { after }, _l, { proxies }) => {
      for (const e of proxies) {
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
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'state',
    check: (_c, { after }) => {
      // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
      const names: string[] = []; // one namespace's object names, reused
      for (let ns = 0; ns < after.namespaces.length; ns++) {
        // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
        const list = after.namespaces[ns] ?? [];
        if (list.length === 0) continue;
        names.length = 0;
        for (const id of list) names.push(entryById(after, id).object);
        const dup = firstRepeat(names);
        if (dup !== undefined) return `namespace ${ns} holds ${dup} twice`;
      }
      return null;
    },
  },
  {
    id: 'INV-CLOSURE',
    statement: "Every real entry's DT_NEEDED objects are present in its namespace (as real entries or proxies).",
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'state',
    check: (_c, { after }, _l, facts) => {
      for (let k = 0; k < facts.after.length; k++) {
        const e = facts.after[k] as Entry;
        if (e.kind !== 'real' || e.startup) continue;
        const needed = facts.afterInfo[k]?.needed ?? [];
        let ok = e.deps.length === needed.length;
        for (let i = 0; ok && i < e.deps.length; i++) {
          const d = after.entries[e.deps[i] as number];
          ok = d !== undefined && d.ns === e.ns && d.object === needed[i];
        }
        if (!ok) return `${label(e)} is missing a dependency of ${needed.join(', ')}`;
      }
      return null;
    },
  },
  {
    id: 'INV-NO-GARBAGE',
    statement: 'Nothing unreachable survives: every entry is reachable through DT_NEEDED from a root (open count > 0, nodelete or start-up) of its namespace.',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'state',
    check: (_c, { after }) => {
      const liveIn = new ById(after.nextId); // entry id -> the last namespace (+1) whose roots reach it
      // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
      const stack: number[] = [];
      for (let ns = 0; ns < after.namespaces.length; ns++) {
        // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
        const list = after.namespaces[ns] ?? [];
        if (list.length === 0) continue;
        const mark = ns + 1;
        for (const id of list) {
          const e = entryById(after, id);
          if (e.openCount > 0 || e.nodelete || e.startup) stack.push(id);
        }
        while (stack.length > 0) {
          const id = stack.pop() as number;
          if (liveIn.get(id) === mark) continue;
          liveIn.set(id, mark);
          const deps = after.entries[id]?.deps;
          if (deps !== undefined) for (const d of deps) stack.push(d);
        }
        for (const id of list) {
          if (liveIn.get(id) !== mark) return `${label(entryById(after, id))} is unreachable but still loaded`;
        }
      }
      return null;
    },
  },
  {
    id: 'INV-CTOR-ONCE',
    statement: 'Every real entry is constructed exactly once and destructed at most once; proxies never construct or destruct (S6).',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'step',
    check: (_c, _s, ledger, facts) => {
      for (let k = 0; k < facts.after.length; k++) {
        const e = facts.after[k] as Entry;
        const want = e.kind === 'real' && facts.afterInfo[k]?.test === true ? 1 : 0;
        if (ledger.ctors(e.id) !== want) return `${label(e)} constructed ${ledger.ctors(e.id)} times`;
        if (ledger.dtors(e.id) !== 0) return `${label(e)} destructed while still loaded`;
      }
      if (ledger.ctors(-1) || ledger.dtors(-1)) return 'an event names no entry created or unloaded by its call';
      for (const e of facts.removed) {
        if (e.kind !== 'real' || facts.info(e)?.test !== true) continue;
        if (ledger.dtors(e.id) !== 1) return `${label(e)} unloaded with ${ledger.dtors(e.id)} destructor runs`;
      }
      return null;
    },
  },
  {
    id: 'INV-COUNT',
    statement: 'Direct open counts are conserved: successful opens returning the entry minus dlclose calls that counted it down.',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'step',
    check: (_c, _s, ledger, facts) => {
      for (const e of facts.after) {
        if (!e.startup && ledger.opens(e.id) !== e.openCount) return `${label(e)} has open count ${e.openCount}, trace says ${ledger.opens(e.id)}`;
      }
      return null;
    },
  },
  {
    id: 'INV-NODELETE-STAYS',
    statement: 'A nodelete entry is never unloaded.',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'step',
    check: (_c, _s, _l, { removed }) => {
      const e = removed.find((x) => x.nodelete || x.startup);
      return e === undefined ? null : `${label(e)} was unloaded`;
    },
  },
  {
    id: 'NS1',
    statement: 'LM_ID_NEWLM takes the lowest-numbered namespace in 1..15 whose list is empty.',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'step',
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
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'step',
    check: (_c, { call, before, after, expected }) =>
      (call.op === 'dlopen' || call.op === 'dlmopen') && expected.result.kind === 'null' && before !== after ? 'a failed open changed the state' : null,
  },
  {
    id: 'LOAD2',
    statement: 'New entries are appended: the surviving entries keep their order, new ones come after them.',
    profiles: BOTH,
    // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
    reads: 'step',
    check: (_c, { before, after }, _l, { removed }) => {
      for (let ns = 0; ns < after.namespaces.length; ns++) {
        // The entries of `before` still loaded must be the first ones of the list now, in the same order.
        // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
        const now = after.namespaces[ns] ?? [];
        if (now === before.namespaces[ns] && removed.length === 0) continue; // the very same list, all of it loaded
        let i = 0;
        // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
        for (const id of before.namespaces[ns] ?? []) {
          if (after.entries[id] === undefined) continue;
          if (now[i] !== id) return `namespace ${ns} was reordered`;
          i++;
        }
      }
      return null;
    },
  },
];

/** The first name that repeats an earlier one. */
function firstRepeat(names: readonly string[]): string | undefined {
  // Stryker disable next-line BlockStatement,ConditionalExpression,EqualityOperator: equivalent mutants, see CONFORMANCE.md
  if (names.length > 16) {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) return n;
      seen.add(n);
    }
    return undefined;
  }
  for (let i = 1; i < names.length; i++) {
    for (let j = 0; j < i; j++) if (names[j] === names[i]) return names[i];
  }
  return undefined;
}

/** The ledger of one trace. */
class TraceLedger implements Ledger {
  private readonly opened: ById;
  private readonly constructed: ById;
  private readonly destructed: ById;

  constructor(ids: number) {
    this.opened = new ById(ids);
    this.constructed = new ById(ids);
    this.destructed = new ById(ids);
  }
  opens(id: number): number {
    return this.opened.get(id);
  }
  ctors(id: number): number {
    return this.constructed.get(id);
  }
  dtors(id: number): number {
    return this.destructed.get(id);
  }

  /** Fold a step's results and events in. */
  advance({ call, before, after, expected }: Step, facts: StepFacts): void {
    const r = expected.result;
    if ((call.op === 'dlopen' || call.op === 'dlmopen') && r.kind === 'handle') this.opened.add(after.handles[r.handle] as number, 1);
    if (call.op === 'dlclose' && r.kind === 'ok') {
      const id = before.handles[call.handle] as number;
      if (!before.entries[id]?.nodelete) this.opened.add(id, -1);
    }
    if (expected.events.length === 0) return;
    // An event counts for the entry of its object and namespace that its call created (ctor) or unloaded (dtor).
    const created = new Pool(facts.after.filter((e) => before.entries[e.id] === undefined));
    const removed = new Pool(facts.removed);
    for (const ev of expected.events) {
      const e = (ev.event === 'ctor' ? created : removed).first(ev.object, ev.ns);
      (ev.event === 'ctor' ? this.constructed : this.destructed).add(e?.id ?? -1, 1);
    }
  }
}

/** Entries to look up by object and namespace (indexed once there are more than a few: a load can make hundreds). */
class Pool {
  private index: Map<string, Map<number, Entry>> | undefined;
  constructor(private readonly entries: readonly Entry[]) {}

  /** The first entry, by id, of that object in that namespace. */
  first(object: string, ns: number): Entry | undefined {
    // Stryker disable next-line BlockStatement,ConditionalExpression,EqualityOperator: equivalent mutants, see CONFORMANCE.md
    if (this.entries.length <= 8) {
      for (const x of this.entries) if (x.object === object && x.ns === ns) return x;
      return undefined;
    }
    if (this.index === undefined) {
      this.index = new Map();
      for (const e of this.entries) {
        let perNs = this.index.get(e.object);
        if (perNs === undefined) this.index.set(e.object, (perNs = new Map()));
        if (!perNs.has(e.ns)) perNs.set(e.ns, e);
      }
    }
    return this.index.get(object)?.get(ns);
  }
}

export interface Violation {
  readonly rule: string;
  readonly step: number;
  readonly message: string;
}

// Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
const NONE: readonly Entry[] = [];

/** Check every invariant of the profile after every step of a run. */
export function checkInvariants(ctx: SpecContext, steps: readonly Step[]): Violation[] {
  // Stryker disable next-line MethodExpression: equivalent mutants, see CONFORMANCE.md
  const invariants = INVARIANTS.filter((inv) => inv.profiles.includes(ctx.profile));
  const violations: Violation[] = [];
  // Stryker disable next-line ArrowFunction,MethodExpression: equivalent mutants, see CONFORMANCE.md
  const ids = steps.reduce((n, s) => Math.max(n, s.before.nextId, s.after.nextId), 0);
  const ledger = new TraceLedger(ids);
  const info = objectInfos(ctx, ids);
  // The facts of the last state seen (a step's `before` is usually the previous step's `after`).
  let last: StateFacts | undefined;
  // The verdict of each invariant at the previous step, and the state it was given.
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const verdicts = new Array<string | null>(invariants.length).fill(null);
  let checked: LoaderState | undefined;
  for (const s of steps) {
    const before = last?.state === s.before ? last : new StateFacts(s.before, info);
    const after = s.after === s.before ? before : new StateFacts(s.after, info);
    last = after;
    const removed = missingFrom(before.entries, s.after);
    const facts: StepFacts = { before: before.entries, after: after.entries, afterInfo: after.infos, proxies: after.proxies, removed, info };
    ledger.advance(s, facts);
    for (let i = 0; i < invariants.length; i++) {
      const inv = invariants[i] as Invariant;
      // Stryker disable next-line StringLiteral: equivalent mutants, see CONFORMANCE.md
      const message = inv.reads === 'state' && s.after === checked ? (verdicts[i] as string | null) : inv.check(ctx, s, ledger, facts);
      verdicts[i] = message;
      if (message !== null) violations.push({ rule: inv.id, step: s.index, message });
    }
    checked = s.after;
  }
  return violations;
}

/** What the invariants read about one state, worked out once. */
class StateFacts {
  /** Its entries, ascending by id. */
  readonly entries: readonly Entry[];
  /** objectInfo of each entry, by position in `entries`. */
  readonly infos: readonly (ObjectInfo | undefined)[];
  /** Its proxies, ascending by id. */
  readonly proxies: readonly Entry[];

  constructor(
    readonly state: LoaderState,
    info: (e: Entry) => ObjectInfo | undefined,
  ) {
    this.entries = Object.values(state.entries);
    const proxies: Entry[] = [];
    const infos: (ObjectInfo | undefined)[] = [];
    for (const e of this.entries) {
      if (e.kind === 'proxy') proxies.push(e);
      infos.push(info(e));
    }
    this.proxies = proxies;
    this.infos = infos;
  }
}

/** The entries that `state` has no entry for under their id. */
function missingFrom(entries: readonly Entry[], state: LoaderState): readonly Entry[] {
  let missing = NONE;
  for (const e of entries) if (state.entries[e.id] === undefined) missing = [...missing, e];
  return missing;
}

/** objectInfo of an entry's object, remembered by entry id for the ids a trace numbers (and checked against the object). */
function objectInfos(ctx: SpecContext, ids: number): (e: Entry) => ObjectInfo | undefined {
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const known: (ObjectInfo | undefined)[] = [];
  return (e) => {
    const info = known[e.id];
    if (info !== undefined && info.name === e.object) return info;
    const found = objectInfo(ctx, e.object);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent mutants, see CONFORMANCE.md
    if (found !== undefined && Number.isInteger(e.id) && e.id >= 0 && e.id < ids) known[e.id] = found;
    return found;
  };
}
