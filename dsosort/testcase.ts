/**
 * A parsed test (parse.ts) to the runs the script makes of it
 * (`process_testcase`): the `*` targets and the program's default
 * dependencies filled in, then one case per permutation of the `!` objects'
 * link orders (`enum_permutations`, named `_N-...` as the script names its
 * tests) and per tunable an expected output is run under (a specific one,
 * or each default `tunable_option` then in effect, or none).
 */
import type { ExpectedOutput, TestDescr } from './parse.ts';

export interface DefCase {
  /** The script's name for the test run: the test, its permutation suffix. */
  readonly name: string;
  readonly test: string;
  readonly xtest: boolean;
  /** Link dependencies, in order, with the permutation applied ('#' the program). */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  readonly callrefs: ReadonlyMap<string, readonly string[]>;
  readonly soname: ReadonlyMap<string, string>;
  readonly objs: readonly string[];
  readonly mainProgram: readonly string[];
  /** The GLIBC_TUNABLES it runs under ('' none). */
  readonly tunable: string;
  readonly expected: ExpectedOutput;
}

/** Objects nothing depends on (`find_objs_not_depended_on`), in object order. */
function notDependedOn(t: TestDescr, deps: ReadonlyMap<string, string[]>): string[] {
  return t.objs.filter((o) => ![...deps.values()].some((list) => list.includes(o)));
}

/** `itertools.permutations`, in its order. */
export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

/** Every case of a test. */
export function casesOf(t: TestDescr): DefCase[] {
  const deps = new Map([...t.deps].map(([k, v]) => [k, [...v]]));
  const callrefs = new Map([...t.callrefs].map(([k, v]) => [k, [...v]]));
  const nonDep = notDependedOn(t, deps);
  const expand = (map: Map<string, string[]>, key: string) => {
    const list = map.get(key);
    if (list === undefined || !list.includes('*')) return;
    const kept = list.filter((x) => x !== '*');
    for (const o of nonDep) if (!kept.includes(o)) kept.push(o);
    map.set(key, kept);
  };
  for (const o of t.objs) {
    expand(deps, o);
    expand(callrefs, o);
  }
  expand(deps, '#');
  if (t.mainDefaultDeps) {
    const list = deps.get('#') ?? [];
    for (const o of nonDep) if (!list.includes(o)) list.push(o);
    deps.set('#', list);
  }
  // Objects whose link order is permuted: those with `!` and more than one dependency.
  const permuted = t.permute.filter((o) => (deps.get(o)?.length ?? 0) > 1).map((o) => ({ obj: o, orders: permutations(deps.get(o)!) }));
  const variants: { suffix: string; deps: Map<string, string[]> }[] = [];
  if (permuted.length === 0) variants.push({ suffix: '', deps });
  else {
    let index = 1;
    const walk = (at: number, chosen: Map<string, string[]>, names: string[]) => {
      if (at === permuted.length) {
        variants.push({ suffix: `_${index++}-${names.join('-')}`, deps: new Map(chosen) });
        return;
      }
      const { obj, orders } = permuted[at]!;
      for (const order of orders) {
        const next = new Map(chosen);
        next.set(obj, order);
        walk(at + 1, next, [...names, `${obj === '#' ? '' : `${obj}_`}${order.join('')}`]);
      }
    };
    walk(0, deps, []);
  }
  const out: DefCase[] = [];
  for (const v of variants) {
    for (const [specific, expected] of t.expected) {
      const tunables = specific !== '' ? [specific] : t.defaultTunables.length > 0 ? t.defaultTunables : [''];
      for (const tunable of tunables) {
        out.push({ name: `${t.name}${v.suffix}`, test: t.name, xtest: t.xtest, deps: v.deps, callrefs, soname: t.soname, objs: t.objs, mainProgram: t.mainProgram ?? [], tunable, expected });
      }
    }
  }
  return out;
}
