/**
 * A case of glibc's DSO-sorting tests (testcase.ts) as a dlmspec scenario
 * table (scenarios/FORMAT.md), its expected output (output.ts) stated row by
 * row as exact traces, or the reason it cannot be expressed.
 *
 * The script's objects become test DSOs, `a` -> `liba.so` (an upper-case
 * letter `X` is written `_x`; a name that is a toolchain library's, such as
 * `libc.so`, gets a trailing `_`), linked against libc as the script's are,
 * DT_NEEDED in the script's link order. An object that calls (`a=>b`), or is
 * called, exports `fn_a`, which calls its targets in order. The program's
 * dependencies are its DT_NEEDED (`{}->a`, or by default the objects nothing
 * depends on), and its operations rows: `+a` dlopen(RTLD_LAZY|RTLD_GLOBAL),
 * `^a` dlopen(RTLD_LAZY), `-a` dlclose of the last, `%a` a call of fn_a
 * through it (dlsym, as the script's program does); a start-up row first and
 * an exit row last carry the constructors before `{` and the destructors
 * after `}`.
 */
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import type { LifecycleEvent } from '../model/observation.ts';
import { RTLD_GLOBAL, RTLD_LAZY } from '../model/mode.ts';
import type { Row, Scenario } from '../scenarios/scenario.ts';
import { parseOutput, type CallTree, type OutputEvent } from './output.ts';
import type { DefCase } from './testcase.ts';

/** Toolchain libraries a test DSO must not be named as (model/graph.ts refuses them). */
const TOOLCHAIN = new Set(['libc.so', 'libm.so', 'libg.so', 'libdl.so', 'librt.so', 'libpthread.so', 'libgcc_s.so', 'libutil.so', 'libresolv.so']);

const escaped = (obj: string): string => obj.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The DSO file name of the script's object `obj`. */
export function dsoOf(obj: string): string {
  const name = `lib${escaped(obj)}.so`;
  return TOOLCHAIN.has(name) ? `lib${escaped(obj)}_.so` : name;
}

/** The traced function of `obj` (the script's `fn_a`). */
export const fnOf = (obj: string): string => `fn_${escaped(obj)}`;

export type Imported = { readonly kind: 'scenario'; readonly scenario: Scenario } | { readonly kind: 'skipped'; readonly reason: string };

class Unsupported {
  constructor(readonly reason: string) {}
}

export interface ImportContext {
  /** `glibc-2.42`, as the source line names where the file came from. */
  readonly origin: string;
  /** `elf/dso-sort-tests-1.def`. */
  readonly file: string;
}

/** The scenario of a case, or why it cannot be one. */
export function scenarioOf(c: DefCase, ctx: ImportContext): Imported {
  try {
    return { kind: 'scenario', scenario: build(c, ctx) };
  } catch (e) {
    if (e instanceof Unsupported) return { kind: 'skipped', reason: e.reason };
    throw e;
  }
}

/** The scenario's name: the script's test name and, as its expected-output files, the tunable (`=` as `_`). */
export const scenarioName = (c: DefCase): string => `${c.name}${c.tunable !== '' ? `-${c.tunable.replace(/=/g, '_')}` : ''}`;

function build(c: DefCase, ctx: ImportContext): Scenario {
  for (const [obj, target] of c.soname) if (obj !== '#') throw new Unsupported(`soname(${obj})=${target}: a DSO whose DT_SONAME is another's file name (dlmspec names a DSO by its file)`);
  for (const [obj, targets] of c.callrefs) if (targets.includes('#')) throw new Unsupported(`${obj === '#' ? '{}' : obj}=>{}: a call into the program`);
  if (c.mainProgram.some((op) => op.startsWith('@'))) throw new Unsupported('@: a direct call from the program, which would have to be linked against the function');
  const called = new Set([...c.callrefs.values()].flat());
  const dsos: Dso[] = c.objs.map((o) => {
    const traced = c.callrefs.has(o) || called.has(o);
    const calls = (c.callrefs.get(o) ?? []).map(fnOf);
    return {
      name: dsoOf(o),
      needed: (c.deps.get(o) ?? []).map(dsoOf),
      unique: false,
      nodelete: false,
      libc: true,
      symbols: [],
      ...(traced ? { fn: fnOf(o) } : {}),
      ...(calls.length > 0 ? { calls } : {}),
    };
  });
  const soname = c.soname.get('#');
  const program = { needed: (c.deps.get('#') ?? []).map(dsoOf), ...(soname !== undefined ? { soname: dsoOf(soname) } : {}) };
  const out = c.expected.xfail ? null : parseOutput(c.expected.output);
  if (out !== null && out.ops.length !== c.mainProgram.length) throw new Unsupported(`the expected output has ${out.ops.length} operations, the program ${c.mainProgram.length}`);
  const trace = (events: readonly OutputEvent[]): LifecycleEvent[] => events.map((e) => ({ event: e.event, object: dsoOf(e.obj), ns: 0 }));
  const rows: Row[] = [{ call: { op: 'start' }, expect: { result: { kind: 'started' }, ...(out !== null ? { trace: trace(out.startup) } : {}) } }];
  const opened = new Map<string, number>();
  c.mainProgram.forEach((op, i) => {
    const kind = op[0]!;
    const obj = op.slice(1);
    const seen = out?.ops[i];
    if (seen !== undefined && ('obj' in seen ? seen.obj : seen.call.obj) !== obj) throw new Unsupported(`operation ${i} of the expected output is on ${'obj' in seen ? seen.obj : seen.call.obj}, the program's on ${obj}`);
    const index = rows.length;
    const handle = opened.get(obj);
    let call: Call;
    if (kind === '+' || kind === '^') {
      call = { op: 'dlopen', file: dsoOf(obj), mode: kind === '+' ? RTLD_LAZY | RTLD_GLOBAL : RTLD_LAZY };
      opened.set(obj, index);
    } else if (handle === undefined) {
      throw new Unsupported(`${op}: ${obj} is not open in the program`);
    } else if (kind === '-') {
      call = { op: 'dlclose', handle };
    } else {
      call = { op: 'call', handle, symbol: fnOf(obj) };
    }
    const result = call.op === 'dlopen' ? { kind: 'handle' as const } : call.op === 'dlclose' ? { kind: 'ok' as const } : { kind: 'called' as const };
    const events = seen === undefined ? undefined : 'events' in seen ? trace(seen.events) : calledTrace(seen.call);
    rows.push({ call, expect: { result, ...(events !== undefined ? { trace: events } : {}) } });
  });
  rows.push({ call: { op: 'exit' }, expect: { result: { kind: 'exited' }, ...(out !== null ? { trace: trace(out.exit) } : {}) } });
  const notes = [c.xtest ? 'an xtest (make xtests)' : null, c.expected.xfail ? 'its expected output is XFAIL there: judged by the spec only' : null].filter((x) => x !== null);
  const about = `glibc's DSO-sorting test ${c.name}${c.tunable !== '' ? ` under GLIBC_TUNABLES=${c.tunable}` : ''}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}; imported by dlmspec import`;
  return {
    format: 'dlmspec-scenario',
    name: scenarioName(c),
    about,
    source: `${ctx.origin} ${ctx.file} ${c.test}`,
    profile: 'glibc',
    ...(c.tunable !== '' ? { tunables: c.tunable } : {}),
    graph: { dsos, ...(program.needed.length > 0 || soname !== undefined ? { program } : {}) },
    rows,
  };
}

/** A call's trace: entering each function, its calls, leaving it. */
function calledTrace(t: CallTree): LifecycleEvent[] {
  return [{ event: 'enter', object: dsoOf(t.obj), ns: 0 }, ...t.calls.flatMap(calledTrace), { event: 'leave', object: dsoOf(t.obj), ns: 0 }];
}

