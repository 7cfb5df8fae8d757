import type { LifecycleEvent } from '../model/observation.ts';
import type { LoaderState } from '../model/state.ts';
import { ById } from './by-id.ts';

/** The links out of an entry: DT_NEEDED edges, then the proxy->master link (none for an entry the state lacks). */
function links(state: LoaderState, id: number): readonly number[] {
  const e = state.entries[id];
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  if (e === undefined) return [];
  return e.master === null ? e.deps : [...e.deps, e.master];
}

/** Entry id -> a number, or undefined for none (kept + 1 in a ById, whose unset ids read 0). */
class Numbering {
  private readonly byId: ById;
  constructor(ids: number) {
    this.byId = new ById(ids);
  }
  get(id: number): number | undefined {
    const n = this.byId.get(id);
    return n === 0 ? undefined : n - 1;
  }
  set(id: number, n: number): void {
    this.byId.set(id, n + 1);
  }
}

/** The strongly connected components of the entries reachable from some roots (see `components`). */
interface Components {
  /** Entries are numbered in the order they are first reached. */
  readonly local: Numbering;
  /** The links out of each entry (entry ids). */
  readonly targets: readonly (readonly number[])[];
  /** The component of each entry: components are numbered in the order they complete. */
  readonly component: readonly number[];
  /** The entries in the order their components completed. */
  readonly completed: readonly number[];
  readonly count: number;
}

/**
 * The entries reachable from `roots` through `links`, grouped into strongly
 * connected components (Tarjan's algorithm, iterative). A component completes
 * after every component it reaches, so those have lower numbers.
 */
function components(state: LoaderState, roots: readonly number[]): Components {
  const local = new Numbering(state.nextId);
  const targets: (readonly number[])[] = [];
  const low: number[] = [];
  const component: number[] = [];
  const completed: number[] = [];
  let count = 0;
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const open: number[] = []; // Tarjan's stack: entries reached whose component is not complete yet
  const path: number[] = []; // the depth-first path, and the next link to follow of each entry on it
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const next: number[] = [];
  for (const root of roots) {
    if (local.get(root) !== undefined) continue;
    for (let reached: number | undefined = root; reached !== undefined || path.length > 0; ) {
      if (reached !== undefined) {
        const v = targets.length;
        local.set(reached, v);
        targets.push(links(state, reached));
        low.push(v);
        component.push(-1);
        open.push(v);
        path.push(v);
        next.push(0);
        reached = undefined;
      }
      const v = path[path.length - 1]!;
      const i = next[next.length - 1]!;
      if (i < targets[v]!.length) {
        next[next.length - 1] = i + 1;
        const to = targets[v]![i]!;
        const w = local.get(to);
        if (w === undefined) reached = to;
        else if (component[w] === -1) low[v] = Math.min(low[v]!, w); // w is still open
        continue;
      }
      path.pop();
      next.pop();
      const parent = path[path.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
      if (low[v] !== v) continue;
      // v is the first entry of its component: the component is everything above it on the stack.
      let w: number;
      do {
        w = open.pop()!;
        component[w] = count;
        completed.push(w);
      } while (w !== v);
      count++;
    }
  }
  return { local, targets, component, completed, count };
}

/**
 * Order constraints between the events of one call. Constructors run
 * dependencies before dependents; destructors dependents before dependencies
 * (SEMANTICS.md section 2). Only one-way dependencies between objects that
 * are on no cycle constrain: glibc's sort (elf/dl-sort-maps.c) leaves the
 * order unspecified around cycles, and on glibc 2.36 an object in a cycle was
 * seen to construct before a leaf it reaches through that cycle (see
 * CONFORMANCE.md, LOAD3). `ids[i]` is the entry of `events[i]`.
 *
 * "i depends on j" is: j's entry is reachable from i's through DT_NEEDED
 * edges and proxy->master links; "i is on a cycle" is: one of its DT_NEEDED
 * entries reaches it back. Both are read off the strongly connected
 * components of the graph reachable from the events' entries, computed once:
 * per component, the set of events it reaches (a bit set over event indices).
 * The result is the transitive reduction: a constraint that follows from two
 * others (a before b, b before c: a before c) is left out, so a chain of n
 * constructors gives n - 1 pairs. Its closure is exactly what checking every
 * pair of events directly gives (spec/graph-order.test.ts compares the two).
 */
export function eventOrder(
  state: LoaderState,
  events: readonly LifecycleEvent[],
  ids: readonly number[],
): Array<[number, number]> {
  const k = ids.length;
  if (k < 2) return []; // a constraint needs two events
  return reduction(events, needsByComponents(state, ids));
}

/**
 * Bit sets over event indices, `words` 32-bit words each (signed: a plain
 * array of small integers, which is cheaper to allocate than a typed array
 * for a call's few events), in one buffer: `needs(i)` at i * words holds the
 * events on no cycle that event i depends on one way (none for an event on a
 * cycle).
 */
interface Needs {
  readonly words: number;
  readonly bits: readonly number[];
}

/** Needs, read off the strongly connected components reachable from the events' entries. */
function needsByComponents(state: LoaderState, ids: readonly number[]): Needs {
  const k = ids.length;
  const { local, targets, component, completed, count } = components(state, ids);
  const words = (k + 31) >>> 5;
  // Layout: needs (k sets), then the events on no cycle (one set), then reaches[c] per component (count sets).
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const bits = new Array<number>((k + 1 + count) * words).fill(0);
  const FREE = k * words;
  const REACHES = FREE + words;
  // reaches[c]: the events whose entry component c reaches (itself included).
  const at: number[] = [];
  for (let j = 0; j < k; j++) {
    const c = component[local.get(ids[j]!)!]!;
    at.push(c);
    bits[REACHES + c * words + (j >>> 5)]! |= 1 << (j & 31);
  }
  // Components complete after every component they reach: one pass in completion order suffices.
  for (const v of completed) {
    const c = component[v]!;
    for (const to of targets[v]!) {
      const d = component[local.get(to)!]!;
      if (d !== c) for (let x = 0; x < words; x++) bits[REACHES + c * words + x]! |= bits[REACHES + d * words + x]!;
    }
  }
  // An event is on a cycle when one of its DT_NEEDED entries is in its own component.
  for (let j = 0; j < k; j++) {
    let cycle = false;
    // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
    for (const d of state.entries[ids[j]!]?.deps ?? []) if (component[local.get(d)!] === at[j]) cycle = true;
    if (!cycle) bits[FREE + (j >>> 5)]! |= 1 << (j & 31);
  }
  for (let i = 0; i < k; i++) {
    if ((bits[FREE + (i >>> 5)]! & (1 << (i & 31))) === 0) continue;
    for (let w = 0; w < words; w++) {
      for (let set = bits[REACHES + at[i]! * words + w]! & bits[FREE + w]!; set !== 0; set &= set - 1) {
        const j = (w << 5) | (31 - Math.clz32(set & -set));
        const jNeedsI = (bits[REACHES + at[j]! * words + (i >>> 5)]! & (1 << (i & 31))) !== 0;
        if (j !== i && !jNeedsI) bits[i * words + w]! |= 1 << (j & 31);
      }
    }
  }
  return { words, bits };
}

/**
 * The constraints, transitively reduced. Among events on no cycle "depends
 * on" is a strict partial order (a two-way dependency is a cycle): keep only
 * the pairs no third event implies.
 */
function reduction(events: readonly LifecycleEvent[], { words, bits }: Needs): Array<[number, number]> {
  const k = events.length;
  const order: Array<[number, number]> = [];
  // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
  const implied: number[] = new Array<number>(words).fill(0);
  for (let i = 0; i < k; i++) {
    for (let x = 0; x < words; x++) implied[x] = 0;
    for (let w = 0; w < words; w++) {
      for (let set = bits[i * words + w]!; set !== 0; set &= set - 1) {
        const l = (w << 5) | (31 - Math.clz32(set & -set));
        for (let x = 0; x < words; x++) implied[x]! |= bits[l * words + x]!;
      }
    }
    const ev = events[i]!.event;
    for (let w = 0; w < words; w++) {
      for (let set = bits[i * words + w]! & ~implied[w]!; set !== 0; set &= set - 1) {
        const j = (w << 5) | (31 - Math.clz32(set & -set));
        // i depends on j: ctor(j) before ctor(i); dtor(i) before dtor(j).
        order.push(ev === 'ctor' ? [j, i] : [i, j]);
      }
    }
  }
  return order;
}
