/**
 * LD_AUDIT in the spec (spec/audit.ts), on the reference system with
 * dlmspec's audit module in namespace 1: the events each call must report,
 * how the comparison rejects each kind of departure, and which audit rules a
 * step records. The real loaders' reports are properties/audit.test.ts.
 */
import { describe, expect, test } from 'vitest';
import type { Call } from '../model/call.ts';
import { RTLD_NOLOAD, RTLD_NOW } from '../model/mode.ts';
import type { ExpectedAudit } from '../model/observation.ts';
import { act, AUDIT_GRAPH, closed, open, opened } from '../properties/audit-rows.ts';
import { compareAudit, withAuditor } from './audit.ts';
import { referenceSystem } from './initial.ts';
import { runSpec } from './run.ts';


/** The audit report of glibc 2.36, which the rules were first written for; the ranges that changed since are tested below. */
const AT_236 = { ...withAuditor(referenceSystem(false)), release: '2.36' };

describe('the spec under an audit module (reference system, glibc 2.36)', () => {
  const sys = AT_236;
  const want = (calls: Call[], i: number): ExpectedAudit => runSpec('glibc', AUDIT_GRAPH, calls, sys).steps[i]!.expected.audited!;
  const loadA = want([open('liba.so')], 0);
  const good = [act('add', 2), opened('liba.so', 2), opened('libb.so', 2), opened('libc.so.6', 2), act('consistent', 2)];

  test('[AUD2] la_objopen must be the new real entries, in order, with their namespace', () => {
    expect(compareAudit(loadA, good)).toBeNull();
    expect(compareAudit(loadA, [good[0]!, good[2]!, good[1]!, good[3]!, good[4]!])).toMatch(/^\[AUD2\]/);
    expect(compareAudit(loadA, good.map((e) => (e.event === 'objopen' && e.object === 'libb.so' ? opened('libb.so', 0) : e)))).toMatch(/^\[AUD2\]/);
    expect(compareAudit(loadA, [...good, opened('ld-linux-x86-64.so.2', 2)])).toMatch(/^\[AUD2\]/);
  });

  test('[AUD4] LA_ACT_CONSISTENT after the last la_objopen; LA_ACT_ADD optional for a fresh namespace, required otherwise; every cookie names a namespace', () => {
    expect(compareAudit(loadA, good.slice(1))).toBeNull();
    expect(compareAudit(loadA, good.slice(0, 4))).toMatch(/^\[AUD4\]/);
    expect(compareAudit(loadA, [...good, act('consistent', null)])).toMatch(/^\[AUD4\]/);
    const reopen = want([open('liba.so'), { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW }], 1);
    expect(compareAudit(reopen, [opened('libb.so', 0), act('consistent', 0)])).toMatch(/^\[AUD4\]/);
    expect(compareAudit(reopen, [act('add', 0), opened('libb.so', 0), act('consistent', 0)])).toBeNull();
  });

  test('[AUD3][AUD5] la_objclose for each unloaded entry (any order), then LA_ACT_DELETE; LA_ACT_CONSISTENT only while the namespace has a head', () => {
    const unload = want([open('liba.so'), { op: 'dlclose', handle: 0 }], 1);
    const closes = [closed('libb.so', 2), closed('liba.so', 2), closed('libc.so.6', 2), closed('ld-linux-x86-64.so.2', 2)];
    expect(compareAudit(unload, [...closes, act('delete', 2)])).toBeNull();
    expect(compareAudit(unload, [...closes.slice(1), act('delete', 2)])).toMatch(/^\[AUD3\]/);
    expect(compareAudit(unload, [...closes.slice(0, 3), closed(null, null), act('delete', 2)])).toMatch(/^\[AUD3\]/);
    expect(compareAudit(unload, [act('delete', 2), ...closes])).toMatch(/^\[AUD5\]/);
    expect(compareAudit(unload, [...closes, act('delete', 2), act('consistent', 2)])).toMatch(/^\[AUD5\]/);
    const partial = want([open('liba.so'), { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW }, { op: 'dlclose', handle: 1 }], 2);
    expect(compareAudit(partial, [closed('libb.so', 0), act('delete', 0)])).toMatch(/^\[AUD5\]/);
    expect(compareAudit(partial, [closed('libb.so', 0), act('delete', 0), act('consistent', 0)])).toBeNull();
  });
});

describe('audit rules a step records, and what it expects (glibc 2.36)', () => {
  const sys = AT_236;
  const steps = (calls: Call[]) => runSpec('glibc', AUDIT_GRAPH, calls, sys).steps;
  const audit = (rules: readonly string[]) => rules.filter((r) => r.startsWith('AUD'));

  test('an open records AUD2 and AUD4 and expects la_objopen of each new real entry; its close AUD3 and AUD5', () => {
    const [o, c] = steps([open('liba.so'), { op: 'dlclose', handle: 0 }]);
    expect(audit(o!.rules)).toEqual(['AUD2', 'AUD4']);
    expect(o!.expected.audited).toEqual({
      opens: [opened('liba.so', 2), opened('libb.so', 2), opened('libc.so.6', 2)],
      closes: [],
      added: [{ ns: 2, fresh: true }],
      removed: [],
    });
    expect(audit(c!.rules)).toEqual(['AUD3', 'AUD5']);
    expect(c!.expected.audited).toMatchObject({ opens: [], added: [], removed: [{ ns: 2, emptied: true }] });
  });

  test('a reopen, which neither loads nor unloads, records no audit rule and expects no event', () => {
    const [, s] = steps([open('liba.so'), open('liba.so', RTLD_NOW, 2)]);
    expect(audit(s!.rules)).toEqual([]);
    expect(s!.expected.audited).toEqual({ opens: [], closes: [], added: [], removed: [] });
  });

  test('AUD1: the auditor\'s namespace is refused as a target; AUD6: a failed open is not judged', () => {
    const [r] = steps([open('liba.so', RTLD_NOW, 1)]);
    expect(r!.expected.result).toMatchObject({ kind: 'null', error: expect.stringContaining('invalid target namespace') });
    expect(audit(r!.rules)).toEqual(['AUD1', 'AUD6']);
    expect(r!.expected.audited).toBeNull();
    const [f] = steps([open('libmissing.so')]);
    expect(audit(f!.rules)).toEqual(['AUD6']);
    expect(f!.expected.audited).toBeNull();
  });

  test('AUD6 is for failed opens only: a failed dlsym or dlclose and an RTLD_NOLOAD miss are judged, and expect no event', () => {
    const none = { opens: [], closes: [], added: [], removed: [] };
    const [, sym] = steps([open('liba.so'), { op: 'dlsym', handle: 0, symbol: 'nosuchsym' }]);
    expect(sym!.expected.result).toMatchObject({ kind: 'null', error: expect.stringContaining('undefined symbol') });
    const [, , twice] = steps([{ op: 'dlopen', file: 'libc.so.6', mode: RTLD_NOW }, { op: 'dlclose', handle: 0 }, { op: 'dlclose', handle: 0 }]);
    expect(twice!.expected.result).toMatchObject({ kind: 'fail' });
    const [miss] = steps([{ op: 'dlopen', file: 'liba.so', mode: RTLD_NOW | RTLD_NOLOAD }]);
    expect(miss!.expected.result).toEqual({ kind: 'null', error: null });
    for (const s of [sym!, twice!, miss!]) {
      expect(s.expected.audited).toEqual(none);
      expect(audit(s.rules)).toEqual([]);
    }
  });

  test('the brackets are per namespace: each namespace\'s own la_objopen and la_objclose calls bound them', () => {
    // Two namespaces loaded by one call, each bracketed on its own, one after the other.
    const two: ExpectedAudit = { opens: [opened('liba.so', 2), opened('libu.so', 0)], closes: [], added: [{ ns: 2, fresh: false }, { ns: 0, fresh: false }], removed: [] };
    const inTurn = [act('add', 2), opened('liba.so', 2), act('consistent', 2), act('add', 0), opened('libu.so', 0), act('consistent', 0)];
    expect(compareAudit(two, inTurn)).toBeNull();
    // LA_ACT_ADD after the namespace's first la_objopen does not announce it.
    expect(compareAudit(two, [opened('liba.so', 2), act('add', 2), act('consistent', 2), ...inTurn.slice(3)])).toMatch(/^\[AUD4\] no la_activity\(add\)@ns2/);
    const gone: ExpectedAudit = { opens: [], closes: [closed('liba.so', 2), closed('libu.so', 3)], added: [], removed: [{ ns: 2, emptied: false }, { ns: 3, emptied: false }] };
    const closes = [closed('liba.so', 2), act('delete', 2), act('consistent', 2), closed('libu.so', 3), act('delete', 3), act('consistent', 3)];
    expect(compareAudit(gone, closes)).toBeNull();
    // A LA_ACT_CONSISTENT before the LA_ACT_DELETE does not close the bracket.
    expect(compareAudit(gone, [closed('liba.so', 2), act('consistent', 2), act('delete', 2), ...closes.slice(3)])).toMatch(/^\[AUD5\] no la_activity\(consistent\)@ns2 after/);
  });

  test('an event whose cookie names nothing is shown as such', () => {
    const gone: ExpectedAudit = { opens: [], closes: [closed('liba.so', 2), closed('libb.so', 2)], added: [], removed: [{ ns: 2, emptied: true }] };
    expect(compareAudit(gone, [closed(null, null), closed('libb.so', 2), act('delete', 2)])).toBe(
      '[AUD3] la_objclose: expected {la_objclose(liba.so)@ns2, la_objclose(libb.so)@ns2}, observed {la_objclose(<unknown cookie>)@ns?, la_objclose(libb.so)@ns2}',
    );
    expect(compareAudit({ opens: [], closes: [], added: [], removed: [] }, [act('consistent', null)])).toBe(
      '[AUD4] la_activity(consistent)@ns?: its cookie names no namespace (or the flag is unknown); observed [la_activity(consistent)@ns?]',
    );
  });

  test('the message names the rule, what was expected and what was seen', () => {
    const loadA = steps([open('liba.so')])[0]!.expected.audited!;
    expect(compareAudit(loadA, [opened('liba.so', 2), act('consistent', 2)])).toBe(
      '[AUD2] la_objopen: expected [la_objopen(liba.so)@ns2, la_objopen(libb.so)@ns2, la_objopen(libc.so.6)@ns2], observed [la_objopen(liba.so)@ns2]',
    );
    const good = [opened('liba.so', 2), opened('libb.so', 2), opened('libc.so.6', 2)];
    expect(compareAudit(loadA, [...good, act('consistent', 3)])).toBe(
      '[AUD4] no la_activity(consistent)@ns2 after the last la_objopen there; observed [la_objopen(liba.so)@ns2, la_objopen(libb.so)@ns2, la_objopen(libc.so.6)@ns2, la_activity(consistent)@ns3]',
    );
    expect(compareAudit(loadA, [...good, act('delete', 2)])).toMatch(/^\[AUD4\] no la_activity\(consistent\)@ns2/);
    expect(compareAudit(loadA, [act('consistent', 2), ...good])).toMatch(/^\[AUD4\]/);
    const unload = steps([open('liba.so'), { op: 'dlclose', handle: 0 }])[1]!.expected.audited!;
    expect(compareAudit(unload, [closed('liba.so', 2), act('delete', 2)])).toBe(
      '[AUD3] la_objclose: expected {la_objclose(ld-linux-x86-64.so.2)@ns2, la_objclose(liba.so)@ns2, la_objclose(libb.so)@ns2, la_objclose(libc.so.6)@ns2}, observed {la_objclose(liba.so)@ns2}',
    );
    const closes = [closed('libb.so', 2), closed('liba.so', 2), closed('libc.so.6', 2), closed('ld-linux-x86-64.so.2', 2)];
    expect(compareAudit(unload, [...closes, act('delete', 3)])).toMatch(/^\[AUD5\] no la_activity\(delete\)@ns2/);
    expect(compareAudit(unload, [...closes.slice(0, 3), act('delete', 2), closes[3]!])).toMatch(/^\[AUD5\]/);
    expect(compareAudit(unload, [...closes, { event: 'activity', activity: 'unknown', ns: 2 }, act('delete', 2)])).toMatch(
      /^\[AUD4\] la_activity\(unknown\)@ns2: its cookie names no namespace/,
    );
  });
});

describe('the audit rules that changed between releases', () => {
  const at = (release: string | undefined, strict = false) => {
    const sys = release === undefined ? withAuditor(referenceSystem(false)) : { ...withAuditor(referenceSystem(false)), release };
    return (calls: Call[]) => runSpec('glibc', AUDIT_GRAPH, calls, sys, { strict }).steps;
  };
  const loadThenClose: Call[] = [open('liba.so'), { op: 'dlclose', handle: 0 }];
  const standin = opened('ld-linux-x86-64.so.2', 2);

  test('[AUD2] since 2.41 the ld.so stand-in of a new namespace is reported by la_objopen, after the libc copy that brought it', () => {
    for (const release of ['2.41', '2.42', '2.42.9000', '2.43', undefined]) {
      const [o] = at(release)(loadThenClose);
      expect(o!.expected.audited!.opens, release).toEqual([opened('liba.so', 2), opened('libb.so', 2), opened('libc.so.6', 2), standin]);
      expect(o!.bugs).toEqual([]);
    }
    for (const release of ['2.34', '2.36', '2.39', '2.40', '2.40.9000']) {
      const [o] = at(release)(loadThenClose);
      expect(o!.expected.audited!.opens, release).not.toContainEqual(standin);
      // The old behaviour is a loader bug, fixed in 2.41: the step says its expectation follows it.
      expect(o!.bugs).toEqual(['GLIBC-AUDIT-RTLD-STANDIN-SILENT']);
    }
  });

  test('[AUD5] since 2.41 a dlclose reports LA_ACT_DELETE before its first la_objclose; before, after its last', () => {
    const closes = [closed('libb.so', 2), closed('liba.so', 2), closed('libc.so.6', 2), closed('ld-linux-x86-64.so.2', 2)];
    const before = [act('delete', 2), ...closes];
    const after = [...closes, act('delete', 2)];
    const [, c41] = at('2.41')(loadThenClose);
    expect(compareAudit(c41!.expected.audited!, before)).toBeNull();
    expect(compareAudit(c41!.expected.audited!, after)).toMatch(/^\[AUD5\] no la_activity\(delete\)@ns2 before the first la_objclose/);
    const [, c39] = at('2.39')(loadThenClose);
    expect(compareAudit(c39!.expected.audited!, after)).toBeNull();
    expect(compareAudit(c39!.expected.audited!, before)).toMatch(/^\[AUD5\] no la_activity\(delete\)@ns2 after the last la_objclose/);
    expect(c39!.bugs).toEqual(['GLIBC-AUDIT-DELETE-AFTER-CLOSE']);
    // A namespace that keeps a head gets LA_ACT_CONSISTENT after both the delete and the last close.
    const partial = at('2.41')([open('liba.so'), { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW }, { op: 'dlclose', handle: 1 }])[2]!.expected.audited!;
    expect(compareAudit(partial, [act('delete', 0), closed('libb.so', 0), act('consistent', 0)])).toBeNull();
    expect(compareAudit(partial, [act('delete', 0), act('consistent', 0), closed('libb.so', 0)])).toMatch(/^\[AUD5\] no la_activity\(consistent\)@ns0/);
  });

  test('strict: on a release with the old behaviour the fix is expected, so the known bug shows', () => {
    const [o, c] = at('2.36', true)(loadThenClose);
    expect(o!.expected.audited!.opens).toContainEqual(standin);
    expect(c!.expected.audited!.removed).toEqual([{ ns: 2, emptied: true, deleteFirst: true }]);
    expect([...o!.bugs, ...c!.bugs]).toEqual([]);
  });

});
