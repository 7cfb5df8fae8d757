import { afterAll, describe, expect, test } from 'vitest';
import { NativeImplementation } from '../adapters/native.ts';
import type { Call } from '../model/call.ts';
import { LM_ID_NEWLM, RTLD_LAZY, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';
import { knownBug } from '../generators/known-bugs.ts';
import { judge } from '../harness/judge.ts';
import { rtldSharedLoader } from '../native/loaders.ts';
import { AUDIT_MODULE, compareAudit, withAuditor } from '../spec/audit.ts';
import { referenceSystem } from '../spec/initial.ts';
import type { Profile } from '../spec/profile.ts';
import { runSpec } from '../spec/run.ts';
import { act, AUDIT_GRAPH, closed, open, opened } from './audit-rows.ts';
import { dso, graph } from './rows.ts';

/**
 * LD_AUDIT (spec/audit.ts): the audit events both real loaders report under
 * dlmspec's audit module for fixed sequences, what the spec expects of them,
 * and that the comparison rejects each kind of departure.
 */

const stock = new NativeImplementation({ audit: true });
const shared = rtldSharedLoader();
const series = shared.options ? new NativeImplementation({ ...shared.options, audit: true }) : null;
afterAll(() => Promise.all([stock.close(), series?.close()]));

/** Runs the calls on the loader; the observations' audit events, and the spec's judgement. */
async function audited(impl: NativeImplementation, profile: Profile, calls: readonly Call[], graph = AUDIT_GRAPH) {
  const info = await impl.hello();
  const outcome = await impl.run(graph, calls);
  const spec = runSpec(profile, graph, calls, info);
  return { info, audit: outcome.observations.map((o) => o.audit), spec, finding: judge(spec.steps, outcome) };
}

describe("this machine's glibc under dlmspec's audit module", () => {
  test('[AUD1] the module takes namespace 1: LM_ID_NEWLM starts at 2, namespace 1 is refused as a target, 14 namespaces are left', async () => {
    const calls = [open('liba.so'), open('libb.so', RTLD_NOW, 1), ...Array.from({ length: 14 }, () => open('libb.so'))];
    const { info, spec, finding } = await audited(stock, 'glibc', calls);
    expect(info.initial.find((v) => v.ns === 1)?.entries[0]?.object).toBe(AUDIT_MODULE);
    // The spec-only start-up state the audit tests use is the one this loader shows.
    expect(withAuditor(referenceSystem(false)).initial).toEqual(info.initial);
    expect(finding).toBeNull();
    expect(spec.steps[0]!.expected.result).toMatchObject({ kind: 'handle', ns: 2 });
    expect(spec.steps[1]!.expected.result).toEqual({ kind: 'null', error: 'libb.so: invalid target namespace in dlmopen(): Invalid argument' });
    expect(spec.steps[14]!.expected.result).toMatchObject({ kind: 'handle', ns: 15 });
    expect(spec.steps[15]!.expected.result).toMatchObject({ kind: 'null', error: 'libb.so: no more namespaces available for dlmopen(): Invalid argument' });
  });

  test('[AUD2][AUD4] an open reports la_objopen for each new real entry in list order, none for the ld.so proxy, inside LA_ACT_ADD and LA_ACT_CONSISTENT', async () => {
    const { audit, finding } = await audited(stock, 'glibc', [open('liba.so'), { op: 'dlopen', file: 'liba.so', mode: RTLD_LAZY }]);
    expect(finding).toBeNull();
    // A new namespace: glibc 2.36 reports its LA_ACT_ADD (its head, liba.so, is listed before la_objopen runs).
    expect(audit[0]).toEqual([act('add', 2), opened('liba.so', 2), opened('libb.so', 2), opened('libc.so.6', 2), act('consistent', 2)]);
    expect(audit[1]).toEqual([act('add', 0), opened('liba.so', 0), opened('libb.so', 0), act('consistent', 0)]);
  });

  test('[AUD3][AUD5] a dlclose that unloads reports la_objclose for each entry, the ld.so proxy included, then LA_ACT_DELETE, and LA_ACT_CONSISTENT unless the namespace is empty', async () => {
    const calls: Call[] = [open('liba.so'), { op: 'dlopen', file: 'liba.so', mode: RTLD_LAZY }, { op: 'dlclose', handle: 0 }, { op: 'dlclose', handle: 1 }];
    const { audit, finding } = await audited(stock, 'glibc', calls);
    expect(finding).toBeNull();
    expect(audit[2]).toEqual([closed('liba.so', 2), closed('libb.so', 2), closed('libc.so.6', 2), closed('ld-linux-x86-64.so.2', 2), act('delete', 2)]);
    expect(audit[3]).toEqual([closed('liba.so', 0), closed('libb.so', 0), act('delete', 0), act('consistent', 0)]);
  });

  test('[AUD6] a failed open is not judged: glibc reports what it mapped and took back', async () => {
    const { audit, spec, finding } = await audited(stock, 'glibc', [open('libu.so')]);
    expect(finding).toBeNull();
    expect(spec.steps[0]!.expected.audited).toBeNull();
    // The ld.so proxy made and taken back within the call: no la_objopen and no walk ever named its cookie (native/run.c).
    expect(audit[0]!.filter((e) => e.event !== 'activity')).toEqual([opened('libu.so', 2), opened('libc.so.6', 2), closed('libu.so', 2), closed('libc.so.6', 2), closed(null, null)]);
  });

  test('[AUD2] plain runs report no audit events and are judged as before', async () => {
    const plain = new NativeImplementation();
    try {
      const info = await plain.hello();
      expect(info.initial.map((v) => v.ns)).toEqual([0]);
      const outcome = await plain.run(AUDIT_GRAPH, [open('liba.so')]);
      expect(outcome.observations[0]!.audit).toBeUndefined();
      expect(runSpec('glibc', AUDIT_GRAPH, [open('liba.so')], info).steps[0]!.expected.audited).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe.skipIf(series === null)('the RTLD_SHARED series build under the audit module', () => {
  test('[AUD1][AUD2][AUD3] a proxy gets no la_objopen; its la_objclose carries a cookie that names nothing (SHARED-AUDIT-PROXY-COOKIE)', async () => {
    const calls: Call[] = [open('libb.so', RTLD_NOW | RTLD_SHARED), { op: 'dlclose', handle: 0 }];
    const { info, audit, spec, finding } = await audited(series!, 'rtld-shared', calls);
    expect(info.initial.find((v) => v.ns === 1)?.entries.map((e) => e.object)).toEqual([AUDIT_MODULE, 'libc.so.6', 'ld-linux-x86-64.so.2']);
    // The master is loaded into namespace 0 with its audit events; the proxy in 2 has none.
    expect(audit[0]).toEqual([act('add', 0), opened('libb.so', 0), act('consistent', 0)]);
    expect(spec.steps[0]!.expected.result).toMatchObject({ kind: 'handle', ns: 2, proxy: true });
    expect(audit[1]).toEqual([closed(null, null), act('delete', null)]);
    expect(finding?.step).toBe(1);
    expect(finding?.message).toMatch(/^\[AUD3\]/);
    expect(knownBug(spec.ctx, spec.steps[1]!.before, calls[1]!)?.id).toBe('SHARED-AUDIT-PROXY-COOKIE');
  });

  test('[AUD4] a new namespace gets no LA_ACT_ADD (the series\' base skips an empty namespace), which the spec allows', async () => {
    const { audit, finding } = await audited(series!, 'rtld-shared', [open('liba.so')], graph(dso('liba.so')));
    expect(audit[0]).toEqual([opened('liba.so', 2), act('consistent', 2)]);
    expect(finding).toBeNull();
  });
});
