/**
 * Counterexample files (schema/counterexample.schema.json): what `validate`
 * writes as soon as a failure is found and again once it is shrunk, what
 * `replay`, `repro` and `report` read, and the format of the regression
 * corpus.
 */
import { isOpen, placementProblem, type Call } from '../model/call.ts';
import { GraphError, validateGraph } from '../model/graph.ts';
import { MISSING_DSO } from '../generators/graph.ts';
import { schemaError } from '../schema/validate.ts';
import type { Counterexample } from './counterexample.ts';
import { InputError, readJsonFile, writeFileAtomic } from './files.ts';

/** How the implementation was reached besides its `--impl` name. */
export interface ImplOptions {
  readonly rtld?: string;
  readonly libraryPath?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** native: run the driver under dlmspec's audit module (`--audit`). */
  readonly audit?: boolean;
}

export interface CounterexampleFile extends Counterexample {
  /** The `--impl` argument it was found with: `native`, `spec:PROFILE` or `cmd:PROGRAM ...`. */
  readonly impl: string;
  readonly implOptions?: ImplOptions;
  /** False while shrinking is still going on. */
  readonly shrunk: boolean;
  readonly note?: string;
}

/** The file for a counterexample: its fields picked one by one, so the file holds exactly what the schema describes. */
export function counterexampleFile(
  c: Counterexample,
  how: { impl: string; implOptions?: ImplOptions; shrunk: boolean; note?: string },
): CounterexampleFile {
  const implOptions = how.implOptions && Object.keys(how.implOptions).length > 0 ? { implOptions: how.implOptions } : {};
  return {
    format: 'dlmspec-counterexample',
    specVersion: c.specVersion,
    profile: c.profile,
    implementation: c.implementation,
    impl: how.impl,
    ...implOptions,
    shrunk: how.shrunk,
    ...(how.note !== undefined ? { note: how.note } : {}),
    system: { system: c.system.system, initial: c.system.initial, ...(c.system.release !== undefined ? { release: c.system.release } : {}), ...(c.system.tunables !== undefined ? { tunables: c.system.tunables } : {}), ...(c.system.backports !== undefined && c.system.backports.length > 0 ? { backports: c.system.backports } : {}) },
    ...(c.strict === true ? { strict: true } : {}),
    graph: c.graph,
    calls: c.calls,
    seed: c.seed,
    path: c.path,
    finding: {
      step: c.finding.step,
      kind: c.finding.kind,
      aspect: c.finding.aspect,
      message: c.finding.message,
      call: c.finding.call,
      expected: c.finding.expected,
      observed: c.finding.observed,
    },
  };
}

export async function writeCounterexample(path: string, file: CounterexampleFile): Promise<void> {
  const problem = checkCounterexample(file);
  if (problem !== null) throw new Error(`internal: refusing to write an invalid counterexample: ${problem}`);
  await writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n');
}

/** Reads and checks a counterexample file; an InputError names the first problem. */
export async function readCounterexample(path: string): Promise<CounterexampleFile> {
  const value = await readJsonFile(path);
  const problem = checkCounterexample(value);
  if (problem !== null) throw new InputError(`${path}: ${problem}`);
  return value as CounterexampleFile;
}

/**
 * null when `value` is a valid counterexample: it satisfies the schema, its
 * graph passes validateGraph, and its calls and finding are consistent.
 */
export function checkCounterexample(value: unknown): string | null {
  const s = schemaError('counterexample', value);
  if (s !== null) return `not a valid counterexample: ${s}`;
  const c = value as CounterexampleFile;
  try {
    validateGraph(c.graph, c.system.system.map((o) => o.name));
  } catch (e) {
    if (e instanceof GraphError) return `invalid graph: ${e.message}`;
    throw e;
  }
  const calls = callsError(c.calls) ?? filesError(c);
  if (calls !== null) return `invalid calls: ${calls}`;
  const f = c.finding;
  if (f.step > c.calls.length) return `finding.step ${f.step} is past the last call (${c.calls.length} calls)`;
  if (f.call !== null && JSON.stringify(f.call) !== JSON.stringify(c.calls[f.step])) return `finding.call is not call ${f.step} of the sequence`;
  if (f.kind === 'divergence' && (f.expected === null || f.observed === null || f.aspect === null)) {
    return 'a divergence needs finding.aspect, finding.expected and finding.observed';
  }
  for (const [what, o] of [['expected', f.expected]] as const) {
    if (o === null) continue;
    const n = o.events.length;
    const bad = o.order.find(([a, b]) => a >= n || b >= n || a === b);
    if (bad !== undefined) return `finding.${what}.order: [${bad.join(', ')}] does not name two distinct events`;
  }
  return null;
}

/**
 * A call opens a DSO of the graph, the file the generators use for a missing
 * one, or one of the loader's own objects: nothing outside the graph's
 * directory and the loader is ever named.
 */
function filesError(c: CounterexampleFile): string | null {
  const allowed = new Set([...c.graph.dsos.map((d) => d.name), MISSING_DSO, ...c.system.system.map((o) => o.name)]);
  for (const [i, call] of c.calls.entries()) {
    if (isOpen(call) && !allowed.has(call.file)) {
      return `call ${i}: file ${JSON.stringify(call.file)} is neither a DSO of the graph, ${MISSING_DSO}, nor an object of the system`;
    }
  }
  return null;
}

/**
 * Handles name earlier calls that open something (`h3` is what call 3
 * returned); a caller is such a handle too.
 */
export function callsError(calls: readonly Call[]): string | null {
  // The process extension's start and exit stand first and last only.
  const placement = placementProblem(calls);
  if (placement !== null) return placement;
  for (const [i, call] of calls.entries()) {
    const refs: [string, number | undefined][] = [
      ['handle', 'handle' in call ? call.handle : undefined],
      ['caller', 'caller' in call ? call.caller : undefined],
    ];
    for (const [what, k] of refs) {
      if (k === undefined) continue;
      if (k >= i) return `call ${i}: ${what} h${k} is not an earlier call`;
      const op = calls[k]!.op;
      if (op !== 'dlopen' && op !== 'dlmopen') return `call ${i}: ${what} h${k} names a ${op} call, which returns no handle`;
    }
  }
  return null;
}
