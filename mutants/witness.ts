/**
 * Witnesses: for each model mutant, one short run on which it and the spec
 * observably differ, so that no mutant in the library is equivalent by
 * accident (checked by mutants/mutants.test.ts).
 */
import type { Dso } from '../model/dso.ts';
import { compareObservation, type Divergence } from '../harness/compare.ts';
import { runSpec } from '../spec/run.ts';
import { mutantOps, mutantSystem, runModel, type ModelMutant } from './mutant.ts';

/** A test DSO `lib<letter>.so`; -nostdlib, no flags, no symbols unless given. */
export function dso(letter: string, fields: Partial<Omit<Dso, 'name'>> = {}): Dso {
  return { name: `lib${letter}.so`, needed: [], unique: false, nodelete: false, libc: false, symbols: [], ...fields, ...(fields.needed ? { needed: fields.needed.map((n) => (n.endsWith('.so') ? n : `lib${n}.so`)) } : {}) };
}

/** The first call at which the mutant departs from the spec on its witness, or null (an equivalent mutant). */
export function witnessDivergence(m: ModelMutant): { step: number; divergence: Divergence } | { step: number; crash: string } | null {
  const graph = { dsos: m.witness.dsos };
  const sys = mutantSystem(m);
  const spec = runSpec(m.profile, graph, m.witness.calls, sys);
  const { observations, error } = runModel(m.profile, mutantOps(m), graph, m.witness.calls, sys);
  for (const [i, obs] of observations.entries()) {
    const d = compareObservation(spec.steps[i]!.expected, obs);
    if (d !== null) return { step: i, divergence: d };
  }
  return error === null ? null : { step: observations.length, crash: error };
}
