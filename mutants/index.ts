/** The mutant library: every model mutant and every shim mutant, by name. */
import { MODEL_MUTANTS } from './models.ts';
import type { Mutant } from './mutant.ts';
import { SHIM_MUTANTS } from './shims.ts';

export { MODEL_MUTANTS };
export const MUTANTS: readonly Mutant[] = [...MODEL_MUTANTS, ...SHIM_MUTANTS];

export function findMutant(name: string): Mutant {
  const m = MUTANTS.find((x) => x.name === name);
  if (m === undefined) throw new Error(`unknown mutant "${name}"; known: ${MUTANTS.map((x) => x.name).join(', ')}`);
  return m;
}
