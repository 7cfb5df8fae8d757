/**
 * Scenario files from disk: `*.scenario` (the text form a person writes) or
 * `*.scenario.json` (the parsed form), one file or every one under a
 * directory. Each is checked in full before anything runs: the schema, the
 * graph (model/graph.ts validateGraph) and the handles the rows name.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphError, validateGraph } from '../model/graph.ts';
import { callsError } from '../harness/counterexample-file.ts';
import { InputError, readJsonFile } from '../harness/files.ts';
import { schemaError } from '../schema/validate.ts';
import { parseScenario, ScenarioError } from './parse.ts';
import type { Scenario } from './scenario.ts';

export interface ScenarioFile {
  readonly path: string;
  readonly scenario: Scenario;
}

export const isScenarioPath = (p: string): boolean => p.endsWith('.scenario') || p.endsWith('.scenario.json');

/** null when the parsed scenario is consistent, else the first problem. */
export function scenarioError(value: unknown): string | null {
  const s = schemaError('scenario', value);
  if (s !== null) return `not a valid scenario: ${s}`;
  const sc = value as Scenario;
  try {
    validateGraph(sc.graph);
  } catch (e) {
    if (e instanceof GraphError) return `invalid graph: ${e.message}`;
    throw e;
  }
  const calls = callsError(sc.rows.map((r) => r.call));
  if (calls !== null) return calls.replace(/^call (\d+)/, (_m, i: string) => `${at(sc, Number(i))}`);
  for (const [i, r] of sc.rows.entries()) {
    const h = r.expect?.result?.kind === 'handle' ? r.expect.result.handle : undefined;
    if (h !== undefined && h > i) return `${at(sc, i)}: the result h${h} names a later row (a handle is the lowest row that returned the same pointer)`;
  }
  return null;
}

const at = (sc: Scenario, i: number): string => (sc.rows[i]?.line !== undefined ? `line ${sc.rows[i]!.line} (row ${i})` : `row ${i}`);

export async function readScenario(path: string): Promise<Scenario> {
  let value: unknown;
  if (path.endsWith('.json')) value = await readJsonFile(path);
  else {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(`${path}: cannot read: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
    }
    try {
      value = parseScenario(text);
    } catch (e) {
      if (e instanceof ScenarioError) throw new InputError(`${path}: ${e.message}`);
      throw e;
    }
  }
  const problem = scenarioError(value);
  if (problem !== null) throw new InputError(`${path}: ${problem}`);
  return value as Scenario;
}

/** The scenario files a FILE|DIR argument names, sorted by path; a directory is searched recursively. */
export async function scenarioPaths(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return [path];
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (isScenarioPath(e.name)) found.push(p);
    }
  };
  await walk(path);
  if (found.length === 0) throw new InputError(`${path}: no *.scenario or *.scenario.json files`);
  return found.sort();
}

export async function readScenarios(paths: readonly string[]): Promise<ScenarioFile[]> {
  const files: ScenarioFile[] = [];
  for (const p of paths) for (const path of await scenarioPaths(p)) files.push({ path, scenario: await readScenario(path) });
  return files;
}
