/**
 * `dlmspec import`: a description file of glibc's DSO-sorting tests to
 * scenario tables, every case accounted for: imported, or skipped with the
 * reason it cannot be expressed (never dropped quietly).
 */
import { casesOf } from './testcase.ts';
import { parseDefFile } from './parse.ts';
import { scenarioName, scenarioOf, type ImportContext } from './scenarios.ts';
import type { Scenario } from '../scenarios/scenario.ts';

export interface ImportedCase {
  readonly name: string;
  readonly test: string;
  readonly tunable: string;
  readonly xfail: boolean;
  readonly xtest: boolean;
  /** The scenario, or null when skipped. */
  readonly scenario: Scenario | null;
  readonly reason: string | null;
}

/** Every case of the file (parse.ts, testcase.ts) as a scenario or a skip. */
export function importDef(text: string, ctx: ImportContext): ImportedCase[] {
  return parseDefFile(text).flatMap((t) =>
    casesOf(t).map((c) => {
      const r = scenarioOf(c, ctx);
      const base = { name: scenarioName(c), test: c.test, tunable: c.tunable, xfail: c.expected.xfail, xtest: c.xtest };
      return r.kind === 'scenario' ? { ...base, scenario: r.scenario, reason: null } : { ...base, scenario: null, reason: r.reason };
    }),
  );
}
