/** The model mutants (no native code involved): the baseline's and the RTLD_SHARED extension's. */
import { GLIBC_MUTANTS } from './glibc.ts';
import { ORDER_MUTANTS } from './order.ts';
import type { ModelMutant } from './mutant.ts';
import { SHARED_MUTANTS } from './shared.ts';

export const MODEL_MUTANTS: readonly ModelMutant[] = [...GLIBC_MUTANTS, ...ORDER_MUTANTS, ...SHARED_MUTANTS];
