/**
 * Model mutants of the RTLD_SHARED extension (SEMANTICS.md section 3, rules
 * S1..S13), validated against the `rtld-shared` profile. Each entry: the
 * spec's operation, then one deliberate deviation a build of the series
 * could plausibly have.
 */
import { LM_ID_BASE, LM_ID_NEWLM, RTLD_GLOBAL, RTLD_ISOLATE, RTLD_NODELETE, RTLD_NOLOAD, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';
import type { CallResult } from '../model/observation.ts';
import { canonicalHandle, type LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from '../spec/context.ts';
import { newProxy } from './draft.ts';
import * as msg from '../spec/messages.ts';
import { unchanged, type Outcome } from '../spec/outcome.ts';
import type { Ops } from '../spec/step.ts';
import { createdBy, edit, hiding, modeRewrite, patchWorld, returned, sequenced } from './edit.ts';
import type { ModelMutant } from './mutant.ts';
import { dso } from './witness.ts';

const mopen = (lmid: number, file: string, mode: number = RTLD_NOW) => ({ op: 'dlmopen' as const, lmid, file, mode });
const open = (file: string, mode: number = RTLD_NOW) => ({ op: 'dlopen' as const, file, mode });
const close = (handle: number) => ({ op: 'dlclose' as const, handle });
const NEW = LM_ID_NEWLM;
const SHARED = RTLD_NOW | RTLD_SHARED;

/** Both open operations, rewritten by one function of (spec outcome, state before, call details). */
function afterOpen(spec: Ops, f: (out: Outcome, before: LoaderState, ctx: SpecContext, call: { ns: number | null; file: string; mode: number; index: number }) => Outcome): Partial<Ops> {
  return {
    dlmopen: (ctx, s, lmid, file, mode, index, callerNs) =>
      f(spec.dlmopen(ctx, s, lmid, file, mode, index, callerNs), s, ctx, { ns: lmid === LM_ID_BASE ? 0 : lmid === NEW ? null : lmid, file, mode, index }),
    dlopen: (ctx, s, file, mode, index, callerNs) => f(spec.dlopen(ctx, s, file, mode, index, callerNs), s, ctx, { ns: callerNs, file, mode, index }),
  };
}

/** Both open operations, run in a rewritten world for this call. */
function worldRewrite(spec: Ops, f: (ctx: SpecContext, file: string, mode: number) => { ctx: SpecContext; mode: number }): Partial<Ops> {
  return {
    dlmopen: (ctx, s, lmid, file, mode, call, ns) => {
      const w = f(ctx, file, mode);
      return spec.dlmopen(w.ctx, s, lmid, file, w.mode, call, ns);
    },
    dlopen: (ctx, s, file, mode, call, ns) => {
      const w = f(ctx, file, mode);
      return spec.dlopen(w.ctx, s, file, w.mode, call, ns);
    },
  };
}

const isDemoteError = (r: CallResult) => r.kind === 'null' && r.error !== null && r.error.includes('cannot be demoted');

export const SHARED_MUTANTS: readonly ModelMutant[] = [
  {
    kind: 'model',
    name: 'proxy-in-ns0',
    profile: 'rtld-shared',
    rule: 'S1',
    description: 'RTLD_SHARED into namespace 0 is not dropped: a proxy of the new object is made in namespace 0 itself',
    ops: (spec) =>
      afterOpen(spec, (out, before, _ctx, call) => {
        const e = returned(out);
        if (call.ns !== 0 || !(call.mode & RTLD_SHARED) || call.mode & RTLD_ISOLATE || e === undefined || before.entries[e.id] !== undefined) return out;
        let proxy = -1;
        const state = edit(out.state, (d) => {
          const master = d.entries[e.id]!;
          master.openCount -= 1;
          const p = newProxy(d, 0, master);
          p.openCount = 1;
          d.handles[call.index] = p.id;
          proxy = p.id;
        });
        return { ...out, state, result: { kind: 'handle', handle: canonicalHandle(state, proxy), ns: 0, object: e.object, proxy: true } };
      }),
    witness: { dsos: [dso('a')], calls: [mopen(LM_ID_BASE, 'liba.so', SHARED)] },
  },
  {
    kind: 'model',
    name: 'master-not-pinned',
    profile: 'rtld-shared',
    rule: 'S5',
    description: 'making a proxy does not make its master nodelete: the master can be unloaded under its proxies',
    ops: (spec) =>
      afterOpen(spec, (out, before, ctx, call) => {
        const masters = createdBy(before, out.state).flatMap((p) => (p.kind === 'proxy' && p.master !== null ? [p.master] : []));
        const unpin = masters.filter((id) => {
          const m = out.state.entries[id]!;
          const pinnedBefore = before.entries[id]?.nodelete === true;
          const ownFlag = objectInfo(ctx, m.object)?.nodelete === true || (call.mode & RTLD_NODELETE && returned(out)?.id === id);
          return !pinnedBefore && !ownFlag && !m.startup;
        });
        return unpin.length === 0 ? out : { ...out, state: edit(out.state, (d) => unpin.forEach((id) => void (d.entries[id]!.nodelete = false))) };
      }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED), open('liba.so'), close(1)] },
  },
  {
    kind: 'model',
    name: 'last-proxy-unloads-master',
    profile: 'rtld-shared',
    rule: 'S6',
    description: 'dlclose of the last proxy of a master also drops the master, unloading it when nothing else holds it',
    ops: (spec) => ({
      dlclose: (ctx, s, entry) => {
        const out = spec.dlclose(ctx, s, entry);
        if (entry.kind !== 'proxy' || entry.master === null || out.state.entries[entry.id] !== undefined) return out;
        const m = out.state.entries[entry.master];
        const others = Object.values(out.state.entries).some((p) => p.master === entry.master);
        if (m === undefined || m.startup || others || m.openCount > 0 || objectInfo(ctx, m.object)?.nodelete) return out;
        // Unpin the master and close it as if its last reference went with the proxy.
        const held = edit(out.state, (d) => {
          d.entries[m.id]!.nodelete = false;
          d.entries[m.id]!.openCount = 1;
        });
        return sequenced(out, spec.dlclose(ctx, held, held.entries[m.id]!));
      },
    }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED), close(0)] },
  },
  {
    kind: 'model',
    name: 'unique-dep-not-proxied',
    profile: 'rtld-shared',
    rule: 'S8',
    description: 'UNIQUE is honoured for a direct dlmopen but ignored on the DT_NEEDED path: a UNIQUE dependency (libc too) gets a private copy',
    ops: (spec) =>
      worldRewrite(spec, (ctx, file, mode) => ({
        // The direct object keeps its UNIQUE meaning (as if RTLD_SHARED), no dependency does.
        mode: objectInfo(ctx, file)?.unique && !(mode & RTLD_ISOLATE) ? mode | RTLD_SHARED : mode,
        ctx: patchWorld(ctx, (d) => ({ ...d, unique: false }), (o) => ({ ...o, unique: false })),
      })),
    witness: { dsos: [dso('a', { libc: true })], calls: [mopen(NEW, 'liba.so')] },
  },
  {
    kind: 'model',
    name: 'isolate-ignored',
    profile: 'rtld-shared',
    rule: 'S9',
    description: 'RTLD_ISOLATE is ignored: RTLD_SHARED and UNIQUE still share',
    ops: (spec) => modeRewrite(spec, (mode) => mode & ~RTLD_ISOLATE),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED | RTLD_ISOLATE)] },
  },
  {
    kind: 'model',
    name: 'shared-beats-isolate',
    profile: 'rtld-shared',
    rule: 'S9',
    description: 'RTLD_SHARED | RTLD_ISOLATE behaves as RTLD_SHARED (ISOLATE only turns UNIQUE off)',
    ops: (spec) => modeRewrite(spec, (mode) => (mode & RTLD_SHARED ? mode & ~RTLD_ISOLATE : mode)),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED | RTLD_ISOLATE)] },
  },
  {
    kind: 'model',
    name: 'proxy-ctor',
    profile: 'rtld-shared',
    rule: 'S6',
    description: "making a proxy runs the object's constructor again, in the proxy's namespace",
    ops: (spec) =>
      afterOpen(spec, (out, before, ctx) => {
        const proxies = createdBy(before, out.state).filter((e) => e.kind === 'proxy' && objectInfo(ctx, e.object)?.test);
        if (proxies.length === 0) return out;
        return { ...out, events: [...out.events, ...proxies.map((p) => ({ event: 'ctor' as const, object: p.object, ns: p.ns }))] };
      }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED)] },
  },
  {
    kind: 'model',
    name: 'dlsym-proxy-private',
    profile: 'rtld-shared',
    rule: 'S7',
    description: "dlsym through a proxy reports a definition in the proxy's own namespace, as if it were a private copy",
    ops: (spec) => ({
      dlsym: (ctx, s, handle, symbol) => {
        const r = spec.dlsym(ctx, s, handle, symbol);
        return handle.kind === 'proxy' && r.kind === 'symbol' ? { ...r, ns: handle.ns } : r;
      },
    }),
    witness: { dsos: [dso('a', { symbols: ['f0'] })], calls: [mopen(NEW, 'liba.so', SHARED), { op: 'dlsym', handle: 0, symbol: 'f0' }] },
  },
  {
    kind: 'model',
    name: 'demote-returns-real',
    profile: 'rtld-shared',
    rule: 'S4',
    description: 'RTLD_SHARED for an object N holds as a real entry returns that entry instead of refusing',
    ops: (spec) => ({
      dlmopen: (ctx, s, lmid, file, mode, call, ns) => {
        const out = spec.dlmopen(ctx, s, lmid, file, mode, call, ns);
        return mode & RTLD_SHARED && isDemoteError(out.result) ? spec.dlmopen(ctx, s, lmid, file, (mode & ~RTLD_SHARED) | RTLD_ISOLATE, call, ns) : out;
      },
    }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so'), mopen(1, 'liba.so', SHARED)] },
  },
  {
    kind: 'model',
    name: 'isolated-unique-reopened',
    profile: 'rtld-shared',
    rule: 'S10',
    description: 'a UNIQUE object N holds as a real entry (from RTLD_ISOLATE) is returned again by an open without RTLD_ISOLATE',
    ops: (spec) => ({
      dlmopen: (ctx, s, lmid, file, mode, call, ns) => {
        const out = spec.dlmopen(ctx, s, lmid, file, mode, call, ns);
        return !(mode & RTLD_SHARED) && isDemoteError(out.result) ? spec.dlmopen(ctx, s, lmid, file, mode | RTLD_ISOLATE, call, ns) : out;
      },
    }),
    witness: { dsos: [dso('a', { unique: true })], calls: [mopen(NEW, 'liba.so', RTLD_NOW | RTLD_ISOLATE), mopen(1, 'liba.so')] },
  },
  {
    kind: 'model',
    name: 'proxy-not-reused',
    profile: 'rtld-shared',
    rule: 'S3',
    description: 'opening an object N already holds as a proxy makes a second proxy instead of returning the first',
    ops: (spec) => ({
      dlmopen: (ctx, s, lmid, file, mode, call, ns) => {
        const out = spec.dlmopen(ctx, s, lmid, file, mode, call, ns);
        const e = returned(out);
        const old = e === undefined ? undefined : s.entries[e.id];
        if (old === undefined || old.kind !== 'proxy') return out;
        return hiding(s, old, (h) => spec.dlmopen(ctx, h, lmid, file, mode, call, ns));
      },
    }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED), mopen(1, 'liba.so', SHARED)] },
  },
  {
    kind: 'model',
    name: 'noload-shared-no-proxy',
    profile: 'rtld-shared',
    rule: 'S11',
    description: 'RTLD_NOLOAD | RTLD_SHARED never makes a proxy: NULL unless N already holds the object',
    ops: (spec) =>
      afterOpen(spec, (out, before, _ctx, call) =>
        call.mode & RTLD_NOLOAD && createdBy(before, out.state).some((e) => e.kind === 'proxy') ? unchanged(before, { kind: 'null', error: null }) : out,
      ),
    witness: { dsos: [dso('a')], calls: [open('liba.so'), mopen(NEW, 'liba.so', SHARED | RTLD_NOLOAD)] },
  },
  {
    kind: 'model',
    name: 'global-accepted-shared',
    profile: 'rtld-shared',
    rule: 'S12',
    description: 'RTLD_GLOBAL with RTLD_SHARED into N > 0 is accepted (the proxy is made) instead of invalid mode',
    ops: (spec) => ({
      dlmopen: (ctx, s, lmid, file, mode, call, ns) =>
        spec.dlmopen(ctx, s, lmid, file, lmid !== LM_ID_BASE && mode & RTLD_SHARED ? mode & ~RTLD_GLOBAL : mode, call, ns),
    }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED | RTLD_GLOBAL)] },
  },
  {
    kind: 'model',
    name: 'dlinfo-proxy-master-ns',
    profile: 'rtld-shared',
    rule: 'S2',
    description: "dlinfo(RTLD_DI_LMID) on a proxy reports its master's namespace (0) instead of the proxy's",
    ops: () => ({ dlinfo: (_ctx, _s, e) => ({ kind: 'lmid', lmid: e.kind === 'proxy' ? 0 : e.ns }) }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED), { op: 'dlinfo', handle: 0 }] },
  },
  {
    kind: 'model',
    name: 'unique-direct-not-proxied',
    profile: 'rtld-shared',
    rule: 'S8',
    description: 'a direct dlmopen of a UNIQUE object without RTLD_SHARED loads a private copy (UNIQUE honoured only for dependencies)',
    ops: (spec) =>
      worldRewrite(spec, (ctx, file, mode) => ({
        mode,
        ctx: mode & RTLD_SHARED ? ctx : patchWorld(ctx, (d) => (d.name === file ? { ...d, unique: false } : d)),
      })),
    witness: { dsos: [dso('a', { unique: true })], calls: [mopen(NEW, 'liba.so')] },
  },
  {
    kind: 'model',
    name: 'proxy-brings-deps',
    profile: 'rtld-shared',
    rule: 'S2',
    description: "a proxy brings proxies of its master's direct dependencies into N",
    ops: (spec) =>
      afterOpen(spec, (out, before, ctx) => {
        const proxies = createdBy(before, out.state).filter((e) => e.kind === 'proxy' && !objectInfo(ctx, e.object)?.rtld);
        if (proxies.length === 0) return out;
        const state = edit(out.state, (d) => {
          for (const p of proxies) {
            const master = d.entries[p.master!]!;
            const added: number[] = [];
            for (const depId of master.deps) {
              const dep = d.entries[depId]!;
              if (dep.kind !== 'real' || d.namespaces[p.ns]!.some((id) => d.entries[id]!.object === dep.object)) continue;
              added.push(newProxy(d, p.ns, dep).id);
            }
            d.entries[p.id]!.deps = added;
          }
        });
        return { ...out, state };
      }),
    witness: { dsos: [dso('a', { needed: ['b'] }), dso('b')], calls: [mopen(NEW, 'liba.so', SHARED)] },
  },
  // Audit mutants (spec/audit.ts): run with an auditor's namespace in the start-up state.
  {
    kind: 'model',
    name: 'audit-proxy-objopen',
    profile: 'rtld-shared',
    rule: 'AUD2',
    audit: true,
    description: 'under LD_AUDIT, a proxy is reported by la_objopen in its own namespace, as if it were a new object',
    ops: (spec) => ({ audit: (ctx, c, s, out) => ((a) => a && { ...a, opens: [...a.opens, ...proxiesMade(s, out).map((e) => ({ event: 'objopen' as const, object: e.object, ns: e.ns }))] })(spec.audit(ctx, c, s, out)) }),
    witness: { dsos: [dso('a')], calls: [mopen(NEW, 'liba.so', SHARED)] },
  },
  {
    kind: 'model',
    name: 'audit-proxy-in-ns0',
    profile: 'rtld-shared',
    rule: 'AUD2',
    audit: true,
    description: "under LD_AUDIT, a proxy is reported by la_objopen with lmid 0, its master's namespace",
    ops: (spec) => ({ audit: (ctx, c, s, out) => ((a) => a && { ...a, opens: [...a.opens, ...proxiesMade(s, out).map((e) => ({ event: 'objopen' as const, object: e.object, ns: 0 }))] })(spec.audit(ctx, c, s, out)) }),
    witness: { dsos: [dso('a')], calls: [open('liba.so'), mopen(NEW, 'liba.so', SHARED)] },
  },
];

/** The proxies a call made. */
function proxiesMade(before: LoaderState, out: Outcome) {
  return Object.values(out.state.entries).filter((e) => e.kind === 'proxy' && before.entries[e.id] === undefined);
}
