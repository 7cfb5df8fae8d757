import type { Call } from '../model/call.ts';
import { LM_ID_BASE, LM_ID_NEWLM, RTLD_BINDING_MASK, RTLD_GLOBAL, RTLD_ISOLATE, RTLD_LAZY, RTLD_NODELETE, RTLD_NOLOAD, RTLD_SHARED } from '../model/mode.ts';
import type { CallResult } from '../model/observation.ts';
import type { Entry, LoaderState } from '../model/state.ts';
import { objectInfo, type SpecContext } from './context.ts';

/** Mode bits the glibc profile knows; anything else is ignored (MODE5). */
const KNOWN_GLIBC = RTLD_BINDING_MASK | RTLD_NOLOAD | 0x8 | RTLD_GLOBAL | RTLD_NODELETE;

/**
 * The rule IDs (CONFORMANCE.md) a step exercised, derived from the call, the
 * states around it and its result. Used for per-rule coverage tables and
 * reports; it never changes behaviour.
 */
export function rulesExercised(ctx: SpecContext, call: Call, before: LoaderState, after: LoaderState, result: CallResult): string[] {
  const rules = new Rules();
  const shared = ctx.profile === 'rtld-shared';
  const error = result.kind === 'null' || result.kind === 'fail' ? (result.error ?? '') : '';

  if (call.op === 'dlopen' || call.op === 'dlmopen') {
    // Entry ids are serial and never reused: the call created exactly the entries numbered from before.nextId on.
    const created: Entry[] = [];
    for (let id = before.nextId; id < after.nextId; id++) {
      const e = after.entries[id];
      if (e !== undefined) created.push(e);
    }
    const mode = call.mode;
    const lmid = call.op === 'dlmopen' ? call.lmid : null;
    if (call.op === 'dlopen' && call.caller !== undefined) rules.add('CALLER1');
    if (error === 'invalid mode parameter') rules.add('MODE6');
    if (error.startsWith('invalid mode:')) {
      rules.add('MODE2');
      if (shared) rules.add('S12');
    }
    if (error.includes('invalid mode for dlopen()') || (mode & RTLD_BINDING_MASK) === RTLD_BINDING_MASK) rules.add('MODE1');
    if (lmid === LM_ID_NEWLM && result.kind === 'handle') rules.add('NS1');
    if (error.includes('no more namespaces')) rules.add('NS2');
    if (error.includes('invalid target namespace')) rules.add('NS3');
    if (mode & RTLD_NOLOAD) rules.add('MODE3');
    if (mode & RTLD_NODELETE && result.kind === 'handle') rules.add('MODE4');
    if (mode & ~(shared ? KNOWN_GLIBC | RTLD_SHARED | RTLD_ISOLATE : KNOWN_GLIBC)) rules.add('MODE5');
    if (result.kind === 'handle' && before.entries[after.handles[result.handle] as number] !== undefined) rules.add(result.proxy ? 'S3' : 'LOAD1');
    if (created.length > 0) rules.add('LOAD2');
    if (created.some((e) => e.kind === 'real' && objectInfo(ctx, e.object)?.test)) rules.add('LOAD3');
    if (result.kind === 'null' && error !== '' && error.includes(': ') && !error.startsWith('invalid mode')) rules.add('LOAD4');
    if (error.includes('undefined symbol') || (mode & RTLD_LAZY && created.some((e) => objectInfo(ctx, e.object)?.undefinedSymbol))) rules.add('LOAD5');
    if (error.includes('cannot open shared object file')) rules.add('LOAD6');
    if (created.some((e) => e.kind === 'proxy' && objectInfo(ctx, e.object)?.rtld)) rules.add('NS4');
    if (created.some((e) => e.kind === 'real' && e.ns > 0 && /^libc\.so/.test(e.object))) rules.add('NS5');
    if (shared) {
      const proxies = created.filter((e) => e.kind === 'proxy' && !objectInfo(ctx, e.object)?.rtld);
      if (mode & RTLD_SHARED && lmid === LM_ID_BASE) rules.add('S1');
      if (mode & RTLD_SHARED && !(mode & RTLD_ISOLATE) && proxies.length > 0) rules.add('S2');
      if (error.includes('cannot be demoted')) rules.add(mode & RTLD_SHARED ? 'S4' : 'S10');
      if (proxies.length > 0) rules.add('S5').add('S13');
      if (proxies.some((p) => objectInfo(ctx, p.object)?.unique && !(mode & RTLD_SHARED && p.object === call.file))) rules.add('S8');
      if (mode & RTLD_ISOLATE) rules.add('S9');
      if (mode & RTLD_NOLOAD && mode & RTLD_SHARED) rules.add('S11');
    }
  }
  if (call.op === 'dlclose') {
    const removed = Object.values(before.entries).filter((x) => after.entries[x.id] === undefined);
    const e: Entry | undefined = before.entries[before.handles[call.handle] as number];
    if (call.caller !== undefined) rules.add('CALLER1');
    if (e?.nodelete) rules.add('CLOSE2');
    if (error.includes('shared object not open')) rules.add('CLOSE4');
    if (removed.length > 0) rules.add('CLOSE1');
    if (removed.some((r) => r.kind === 'real' && objectInfo(ctx, r.object)?.test)) rules.add('CLOSE3');
    if (e?.kind === 'proxy' && shared) rules.add('S6');
    if (e?.kind === 'real' && e.ns === 0 && e.nodelete && shared && Object.values(before.entries).some((p) => p.master === e.id)) rules.add('S5');
  }
  if (call.op === 'dlsym') {
    rules.add(result.kind === 'symbol' ? 'SYM1' : 'SYM2');
    if (before.entries[before.handles[call.handle] as number]?.kind === 'proxy' && shared) rules.add('S7');
  }
  if (call.op === 'dlinfo') rules.add('INFO1');
  return rules.sorted();
}

/** A set of rule IDs, collected in a plain array (a step adds a handful). */
class Rules {
  private readonly ids: string[] = [];
  add(id: string): this {
    if (!this.ids.includes(id)) this.ids.push(id);
    return this;
  }
  sorted(): string[] {
    return this.ids.sort();
  }
}
