/**
 * Model mutants of exact order (LOAD3, CLOSE3, SYM4, PROC3): loaders that
 * sort as some glibc once did or plausibly could, each one change away from
 * the spec. Validated against the `glibc` profile at the newest behaviour
 * (the DFS sorter, force_first honoured at dlopen and dlclose).
 */
import { RTLD_GLOBAL, RTLD_NOW } from '../model/mode.ts';
import { parseRelease } from '../model/release.ts';
import type { SpecContext } from '../spec/context.ts';
import type { Ops } from '../spec/step.ts';
import type { Outcome } from '../spec/outcome.ts';
import { edit, reversed } from './edit.ts';
import type { ModelMutant } from './mutant.ts';
import { dso } from './witness.ts';

const open = (file: string, mode: number = RTLD_NOW) => ({ op: 'dlopen' as const, file, mode });
const close = (handle: number) => ({ op: 'dlclose' as const, handle });
const exit = { op: 'exit' as const };

/** Every operation of the spec, run with the context rewritten (what the mutant's loader believes about itself). */
function withContext(spec: Ops, f: (ctx: SpecContext) => SpecContext): Partial<Ops> {
  return {
    dlmopen: (ctx, ...rest) => spec.dlmopen(f(ctx), ...rest),
    dlopen: (ctx, ...rest) => spec.dlopen(f(ctx), ...rest),
    dlclose: (ctx, ...rest) => spec.dlclose(f(ctx), ...rest),
    start: (ctx, ...rest) => spec.start(f(ctx), ...rest),
    call: (ctx, ...rest) => spec.call(f(ctx), ...rest),
    exit: (ctx, ...rest) => spec.exit(f(ctx), ...rest),
  };
}

/** An outcome with every entry's l_reldeps forgotten. */
const noReldeps = (out: Outcome): Outcome => ({ ...out, state: edit(out.state, (d) => Object.values(d.entries).forEach((e) => void (e.reldeps = []))) });

/** A cycle the two sorters order differently: a needs b and c, c needs b, b needs c (from glibc's tst-dso-ordering cases). */
const CYCLE = [dso('a', { needed: ['b', 'c'] }), dso('b', { needed: ['c'] }), dso('c', { needed: ['b'] })];

export const ORDER_MUTANTS: readonly ModelMutant[] = [
  {
    kind: 'model',
    name: 'sorter-original',
    profile: 'glibc',
    rule: 'LOAD3',
    description: 'sorts constructors and destructors with the original sorter (glibc.rtld.dynamic_sort=1) where the release runs the DFS one',
    ops: (spec) => withContext(spec, (ctx) => ({ ...ctx, tunables: 'glibc.rtld.dynamic_sort=1' })),
    witness: { dsos: CYCLE, calls: [open('liba.so'), close(0)] },
  },
  {
    kind: 'model',
    name: 'force-first-dropped',
    profile: 'glibc',
    rule: 'LOAD3',
    description: 'the DFS sorter ignores force_first at dlopen and dlclose, as 2.35 and 2.36 did: on a cycle the opened object need not be constructed last, nor the closed one destroyed first',
    // 2.36's ranges of LOAD3 and CLOSE3 are exactly these two (spec/sorter.ts DFS_FORCE_FIRST, spec/close.ts CLOSE_FORCE_FIRST); no other plain-mode behaviour differs there.
    ops: (spec) => withContext(spec, (ctx) => ({ ...ctx, release: parseRelease('2.36'), strict: false, backports: [] })),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b', { needed: ['a'] })], calls: [open('liba.so'), close(0)] },
  },
  {
    kind: 'model',
    name: 'reldeps-ignored',
    profile: 'glibc',
    rule: 'SYM4',
    description: 'a symbol bound outside the object\'s DT_NEEDED records no relocation dependency: the sort ignores it and the object it binds to can be unloaded under it',
    ops: (spec) => ({
      dlmopen: (...args) => noReldeps(spec.dlmopen(...args)),
      dlopen: (...args) => noReldeps(spec.dlopen(...args)),
      dlclose: (...args) => noReldeps(spec.dlclose(...args)),
      start: (...args) => noReldeps(spec.start(...args)),
      call: (...args) => noReldeps(spec.call(...args)),
    }),
    witness: {
      dsos: [dso('x', { fn: 'fn_x' }), dso('a', { fn: 'fn_a', calls: ['fn_x'] })],
      calls: [open('libx.so', RTLD_NOW | RTLD_GLOBAL), open('liba.so'), close(0)],
    },
  },
  {
    kind: 'model',
    name: 'exit-order-reversed',
    profile: 'glibc',
    rule: 'PROC3',
    description: 'at exit, destructors run dependencies first, dependents last',
    ops: (spec) => ({ exit: (...args) => reversed(spec.exit(...args)) }),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b')], calls: [open('liba.so'), exit] },
  },
];
