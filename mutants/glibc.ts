/**
 * Model mutants of the baseline rules (SEMANTICS.md section 2), validated
 * against the `glibc` profile. Each entry: the spec's operation, then one
 * deliberate deviation a real loader could plausibly have.
 */
import { LM_ID_BASE, LM_ID_NEWLM, RTLD_BINDING_MASK, RTLD_GLOBAL, RTLD_LAZY, RTLD_NODELETE, RTLD_NOLOAD, RTLD_NOW } from '../model/mode.ts';
import { freeNamespaces, realEntry, type Entry, type LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from '../spec/context.ts';
import * as msg from '../spec/messages.ts';
import type { Outcome } from '../spec/outcome.ts';
import { createdBy, destructors, edit, modeRewrite, occupying, patchWorld, removedBy, returned, reversed } from './edit.ts';
import type { ModelMutant } from './mutant.ts';
import { dso } from './witness.ts';

const open = (file: string, mode: number = RTLD_NOW) => ({ op: 'dlopen' as const, file, mode });
const mopen = (lmid: number, file: string, mode: number = RTLD_NOW) => ({ op: 'dlmopen' as const, lmid, file, mode });
const close = (handle: number) => ({ op: 'dlclose' as const, handle });
const sym = (handle: number, symbol: string) => ({ op: 'dlsym' as const, handle, symbol });


export const GLIBC_MUTANTS: readonly ModelMutant[] = [
  {
    kind: 'model',
    name: 'noload-loads',
    profile: 'glibc',
    rule: 'MODE3',
    description: 'RTLD_NOLOAD is dropped: a name not yet loaded is loaded instead of NULL',
    ops: (spec) => modeRewrite(spec, (mode) => mode & ~RTLD_NOLOAD),
    witness: { dsos: [dso('a')], calls: [open('liba.so', RTLD_NOW | RTLD_NOLOAD)] },
  },
  {
    kind: 'model',
    name: 'reopen-not-counted',
    profile: 'glibc',
    rule: 'LOAD1',
    description: 'reopening a loaded entry returns it without incrementing its direct open count (off by one)',
    ops: (spec) => {
      const uncount = (before: LoaderState, out: Outcome): Outcome => {
        const e = returned(out);
        if (e === undefined || before.entries[e.id] === undefined) return out;
        return { ...out, state: edit(out.state, (d) => void (d.entries[e.id]!.openCount -= 1)) };
      };
      return {
        dlmopen: (ctx, s, ...rest) => uncount(s, spec.dlmopen(ctx, s, ...rest)),
        dlopen: (ctx, s, ...rest) => uncount(s, spec.dlopen(ctx, s, ...rest)),
      };
    },
    witness: { dsos: [dso('a')], calls: [open('liba.so'), open('liba.so'), close(0)] },
  },
  {
    kind: 'model',
    name: 'dtor-order-reversed',
    profile: 'glibc',
    rule: 'CLOSE3',
    description: 'destructors run dependencies first, dependents last',
    ops: (spec) => ({ dlclose: (ctx, s, e) => reversed(spec.dlclose(ctx, s, e)) }),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b')], calls: [open('liba.so'), close(0)] },
  },
  {
    kind: 'model',
    name: 'ctor-order-reversed',
    profile: 'glibc',
    rule: 'LOAD3',
    description: 'constructors run dependents first, dependencies last',
    ops: (spec) => ({
      dlmopen: (...args) => reversed(spec.dlmopen(...args)),
      dlopen: (...args) => reversed(spec.dlopen(...args)),
    }),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b')], calls: [open('liba.so')] },
  },
  {
    kind: 'model',
    name: 'cycles-not-collected',
    profile: 'glibc',
    rule: 'CLOSE1',
    description: 'the close worker counts references instead of marking from roots: a dependency cycle is never unloaded',
    ops: (spec) => ({
      dlclose: (ctx, s, entry) => {
        const out = spec.dlclose(ctx, s, entry);
        const dead = removedBy(s, out.state);
        const deadIds = new Set(dead.map((e) => e.id));
        // Reference counting: an entry goes when every entry that needs it has gone (least fixpoint).
        const freed = new Set<number>();
        for (let grew = true; grew; ) {
          grew = false;
          for (const e of dead) {
            if (freed.has(e.id)) continue;
            const users = dead.filter((u) => u.id !== e.id && u.deps.includes(e.id));
            if (users.every((u) => freed.has(u.id))) grew = freed.add(e.id) !== undefined;
          }
        }
        if (freed.size === deadIds.size) return out;
        const state = edit(s, (d) => {
          d.entries[entry.id]!.openCount -= 1;
          for (const id of freed) delete d.entries[id];
          d.namespaces[entry.ns] = d.namespaces[entry.ns]!.filter((id) => !freed.has(id));
        });
        const dying = dead.filter((e) => freed.has(e.id) && e.kind === 'real' && objectInfo(ctx, e.object)?.test === true);
        return { state, result: out.result, ...destructors(s, dying) };
      },
    }),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b', { needed: ['a'] })], calls: [open('liba.so'), close(0)] },
  },
  {
    kind: 'model',
    name: 'rollback-leaks-deps',
    profile: 'glibc',
    rule: 'LOAD4',
    description: 'a failed dlopen removes the object it was asked for but leaves the dependencies it had already mapped',
    ops: (spec) => {
      /** After a failure, redo the call in a world where nothing fails: what the loader had mapped by then. */
      const leaky = (ctx: SpecContext, s: LoaderState, file: string, out: Outcome, redo: (ctx: SpecContext) => Outcome): Outcome => {
        const error = out.result.kind === 'null' ? (out.result.error ?? '') : '';
        if (!/cannot open shared object file|undefined symbol/.test(error)) return out;
        const whole = redo(patchWorld(ctx, (d) => ({ ...d, needed: d.needed.filter((n) => objectInfo(ctx, n) !== undefined), undefinedSymbol: undefined })));
        const top = returned(whole);
        if (top === undefined || s.entries[top.id] !== undefined || top.object !== file) return out;
        const made = createdBy(s, whole.state);
        const needed = made.some((e) => e.id !== top.id && e.deps.includes(top.id));
        const state = edit(whole.state, (d) => {
          for (const k of Object.keys(d.handles)) if (s.handles[Number(k)] === undefined) delete d.handles[Number(k)];
          for (const e of made) d.entries[e.id]!.openCount = 0;
          if (!needed) {
            delete d.entries[top.id];
            d.namespaces[top.ns] = d.namespaces[top.ns]!.filter((id) => id !== top.id);
          }
        });
        return { state, result: out.result, events: [], order: [] };
      };
      return {
        dlmopen: (ctx, s, lmid, file, mode, call, ns) =>
          leaky(ctx, s, file, spec.dlmopen(ctx, s, lmid, file, mode, call, ns), (c) => spec.dlmopen(c, s, lmid, file, mode, call, ns)),
        dlopen: (ctx, s, file, mode, call, ns) =>
          leaky(ctx, s, file, spec.dlopen(ctx, s, file, mode, call, ns), (c) => spec.dlopen(c, s, file, mode, call, ns)),
      };
    },
    witness: { dsos: [dso('a', { needed: ['b', 'libmissing.so'] }), dso('b')], calls: [open('liba.so')] },
  },
  {
    kind: 'model',
    name: 'global-accepted-ns',
    profile: 'glibc',
    rule: 'MODE2',
    description: 'RTLD_GLOBAL into a namespace other than 0 is silently accepted (as before glibc 2.34)',
    ops: (spec) => ({
      dlmopen: (ctx, s, lmid, file, mode, call, ns) => spec.dlmopen(ctx, s, lmid, file, lmid === LM_ID_BASE ? mode : mode & ~RTLD_GLOBAL, call, ns),
    }),
    witness: { dsos: [dso('a')], calls: [mopen(LM_ID_NEWLM, 'liba.so', RTLD_NOW | RTLD_GLOBAL)] },
  },
  {
    kind: 'model',
    name: 'newlm-highest-free',
    profile: 'glibc',
    rule: 'NS1',
    description: 'LM_ID_NEWLM takes the highest-numbered free namespace instead of the lowest',
    ops: (spec) => ({
      dlmopen: (ctx, s, lmid, ...rest) =>
        occupying(s, lmid === LM_ID_NEWLM ? freeNamespaces(s).slice(0, -1) : [], (p) => spec.dlmopen(ctx, p, lmid, ...rest)),
    }),
    witness: { dsos: [dso('a')], calls: [mopen(LM_ID_NEWLM, 'liba.so')] },
  },
  {
    kind: 'model',
    name: 'newlm-no-reuse',
    profile: 'glibc',
    rule: 'NS1',
    description: 'a namespace emptied by dlclose is never handed out again by LM_ID_NEWLM',
    ops: (spec) => {
      const used = new Set<number>();
      const note = (s: LoaderState) => s.namespaces.forEach((list, ns) => ns > 0 && list.length > 0 && used.add(ns));
      return {
        dlmopen: (ctx, s, lmid, ...rest) => {
          note(s);
          const stale = lmid === LM_ID_NEWLM ? freeNamespaces(s).filter((ns) => used.has(ns)) : [];
          const out = occupying(s, stale, (p) => spec.dlmopen(ctx, p, lmid, ...rest));
          note(out.state);
          return out;
        },
      };
    },
    witness: { dsos: [dso('a')], calls: [mopen(LM_ID_NEWLM, 'liba.so'), close(0), mopen(LM_ID_NEWLM, 'liba.so')] },
  },
  {
    kind: 'model',
    name: 'close-keeps-no-search-list',
    profile: 'glibc',
    rule: 'CLOSE5',
    description: 'the close worker gives a kept dependency-only entry no search list: opened later, it searches all its dependencies',
    ops: (spec) => ({
      dlclose: (ctx, s, e) => {
        const out = spec.dlclose(ctx, s, e);
        const given = Object.values(out.state.entries).filter((x) => x.searchList === 'direct' && s.entries[x.id]?.searchList === 'none');
        if (given.length === 0) return out;
        return { ...out, state: edit(out.state, (d) => given.forEach((x) => void (d.entries[x.id]!.searchList = 'none'))) };
      },
    }),
    witness: {
      dsos: [dso('a', { needed: ['b'] }), dso('b', { needed: ['d'], nodelete: true }), dso('d', { needed: ['e'] }), dso('e', { symbols: ['f0'] })],
      calls: [open('liba.so'), close(0), open('libb.so'), sym(2, 'f0')],
    },
  },
  {
    kind: 'model',
    name: 'dlsym-depth-first',
    profile: 'glibc',
    rule: 'SYM1',
    description: 'dlsym searches the dependency tree depth-first instead of breadth-first',
    ops: () => ({
      dlsym: (ctx, s, handle, symbol) => {
        const seen = new Set<number>();
        const order: Entry[] = [];
        const visit = (e: Entry) => {
          if (seen.has(e.id)) return;
          seen.add(e.id);
          order.push(e);
          e.deps.forEach((d) => visit(s.entries[d] as Entry));
        };
        visit(realEntry(s, handle));
        for (const e of order) {
          const real = realEntry(s, e);
          if (objectInfo(ctx, real.object)?.symbols.includes(symbol)) return { kind: 'symbol', ns: real.ns, object: real.object };
        }
        return { kind: 'null', error: msg.undefinedSymbol(handle.object, symbol) };
      },
    }),
    witness: {
      dsos: [dso('a', { needed: ['b', 'e'] }), dso('b', { needed: ['d'] }), dso('e', { symbols: ['f0'] }), dso('d', { symbols: ['f0'] })],
      calls: [open('liba.so'), sym(0, 'f0')],
    },
  },
  {
    kind: 'model',
    name: 'dso-nodelete-ignored',
    profile: 'glibc',
    rule: 'CLOSE2',
    description: 'DF_1_NODELETE (-z nodelete) in the object is not read: such an object is unloaded like any other',
    ops: (spec) => {
      const blind = (ctx: SpecContext) => patchWorld(ctx, (d) => ({ ...d, nodelete: false }));
      return {
        dlmopen: (ctx, ...rest) => spec.dlmopen(blind(ctx), ...rest),
        dlopen: (ctx, ...rest) => spec.dlopen(blind(ctx), ...rest),
      };
    },
    witness: { dsos: [dso('a', { nodelete: true })], calls: [open('liba.so'), close(0)] },
  },
  {
    kind: 'model',
    name: 'rtld-nodelete-ignored',
    profile: 'glibc',
    rule: 'MODE4',
    description: 'the RTLD_NODELETE mode bit is ignored',
    ops: (spec) => modeRewrite(spec, (mode) => mode & ~RTLD_NODELETE),
    witness: { dsos: [dso('a')], calls: [open('liba.so', RTLD_NOW | RTLD_NODELETE), close(0)] },
  },
  {
    kind: 'model',
    name: 'empty-lmid-accepted',
    profile: 'glibc',
    rule: 'NS3',
    description: 'an explicit namespace id whose list is empty is used instead of refused',
    ops: (spec) => ({
      dlmopen: (ctx, s, lmid, ...rest) =>
        occupying(s, lmid > 0 && lmid < s.namespaces.length && s.namespaces[lmid]!.length === 0 ? [lmid] : [], (p) => spec.dlmopen(ctx, p, lmid, ...rest)),
    }),
    witness: { dsos: [dso('a')], calls: [mopen(1, 'liba.so')] },
  },
  {
    kind: 'model',
    name: 'missing-binding-accepted',
    profile: 'glibc',
    rule: 'MODE1',
    description: 'a mode with neither RTLD_LAZY nor RTLD_NOW is taken as RTLD_LAZY instead of refused',
    ops: (spec) => modeRewrite(spec, (mode) => ((mode & RTLD_BINDING_MASK) === 0 ? mode | RTLD_LAZY : mode)),
    witness: { dsos: [dso('a')], calls: [open('liba.so', 0)] },
  },
  {
    kind: 'model',
    name: 'caller-ns-ignored',
    profile: 'glibc',
    rule: 'CALLER1',
    description: 'dlopen from code in a secondary namespace loads into namespace 0 instead of the caller\'s',
    ops: (spec) => ({ dlopen: (ctx, s, file, mode, call) => spec.dlopen(ctx, s, file, mode, call, 0) }),
    witness: {
      dsos: [dso('a', { libc: true }), dso('b')],
      calls: [mopen(LM_ID_NEWLM, 'liba.so'), { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW, caller: 0 }],
    },
  },
  {
    kind: 'model',
    name: 'close-unopened-ok',
    profile: 'glibc',
    rule: 'CLOSE4',
    description: 'dlclose of an entry whose direct open count is already 0 succeeds instead of failing',
    ops: (spec) => ({
      dlclose: (ctx, s, e) => {
        const out = spec.dlclose(ctx, s, e);
        return out.result.kind === 'fail' && out.result.error === msg.notOpen(e.object) ? { ...out, result: { kind: 'ok' } } : out;
      },
    }),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b')], calls: [open('liba.so'), open('libb.so'), close(1), close(1)] },
  },
  {
    kind: 'model',
    name: 'dlsym-handle-only',
    profile: 'glibc',
    rule: 'SYM1',
    description: "dlsym looks in the handle's own object only, not in its dependencies",
    ops: () => ({
      dlsym: (ctx, s, handle, symbol) => {
        const real = realEntry(s, handle);
        return objectInfo(ctx, real.object)?.symbols.includes(symbol)
          ? { kind: 'symbol', ns: real.ns, object: real.object }
          : { kind: 'null', error: msg.undefinedSymbol(handle.object, symbol) };
      },
    }),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b', { symbols: ['f0'] })], calls: [open('liba.so'), sym(0, 'f0')] },
  },
  {
    kind: 'model',
    name: 'lazy-as-now',
    profile: 'glibc',
    rule: 'LOAD5',
    description: 'RTLD_LAZY is treated as RTLD_NOW: an object with an undefined function fails to load',
    ops: (spec) => modeRewrite(spec, (mode) => ((mode & RTLD_BINDING_MASK) === RTLD_LAZY ? (mode & ~RTLD_LAZY) | RTLD_NOW : mode)),
    witness: { dsos: [dso('a', { undefinedSymbol: 'dlmspec_undefined' })], calls: [open('liba.so', RTLD_LAZY)] },
  },
  // Audit mutants (spec/audit.ts): run with an auditor's namespace in the start-up state.
  {
    kind: 'model',
    name: 'audit-objclose-missing',
    profile: 'glibc',
    rule: 'AUD3',
    audit: true,
    description: 'under LD_AUDIT, a dlclose that unloads objects reports no la_objclose for them',
    ops: (spec) => ({ audit: (ctx, c, s, out) => ((a) => a && { ...a, closes: [] })(spec.audit(ctx, c, s, out)) }),
    witness: { dsos: [dso('a')], calls: [mopen(LM_ID_NEWLM, 'liba.so'), close(0)] },
  },
  {
    kind: 'model',
    name: 'audit-delete-missing',
    profile: 'glibc',
    rule: 'AUD5',
    audit: true,
    description: 'under LD_AUDIT, a dlclose that unloads objects reports no LA_ACT_DELETE (nor LA_ACT_CONSISTENT) for their namespace',
    ops: (spec) => ({ audit: (ctx, c, s, out) => ((a) => a && { ...a, removed: [] })(spec.audit(ctx, c, s, out)) }),
    witness: { dsos: [dso('a')], calls: [open('liba.so'), close(0)] },
  },
];
