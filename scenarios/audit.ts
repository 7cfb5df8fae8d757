/**
 * A scenario as the series' audit tests run it (elf/tst-dlmopen-rtld-audit-*:
 * its tables under LD_AUDIT, EXPECTED_NS 2): the audit module's namespace is
 * taken, so every namespace the table names above 0 moves up by one (calls
 * and expectations alike). SEMANTICS.md section 5; spec/audit.ts AUD1.
 */
import { match } from 'ts-pattern';
import type { Call } from '../model/call.ts';
import type { ResultExpectation, Row, Scenario } from './scenario.ts';

/** The scenario with namespaces 1.. renumbered to 1 + `by`.. (`by` audit modules). */
export function shiftedForAudit(scenario: Scenario, by = 1): Scenario {
  const ns = (n: number) => (n > 0 ? n + by : n);
  const call = (c: Call): Call => (c.op === 'dlmopen' ? { ...c, lmid: ns(c.lmid) } : c);
  const result = (r: ResultExpectation): ResultExpectation =>
    match(r)
      .with({ kind: 'handle' }, (h) => (h.ns === undefined ? h : { ...h, ns: ns(h.ns) }))
      .with({ kind: 'symbol' }, (s) => (s.ns === undefined ? s : { ...s, ns: ns(s.ns) }))
      .with({ kind: 'lmid' }, (l) => ({ ...l, lmid: ns(l.lmid) }))
      .with({ kind: 'null' }, { kind: 'ok' }, { kind: 'fail' }, { kind: 'started' }, { kind: 'called' }, { kind: 'exited' }, { kind: 'fatal' }, (x) => x)
      .exhaustive();
  const row = (r: Row): Row => {
    const e = r.expect;
    if (e === undefined) return { ...r, call: call(r.call) };
    return {
      ...r,
      call: call(r.call),
      expect: {
        ...(e.result !== undefined ? { result: result(e.result) } : {}),
        ...(e.namespaces !== undefined ? { namespaces: e.namespaces.map((v) => ({ ...v, ns: ns(v.ns) })) } : {}),
        ...(e.events !== undefined ? { events: e.events.map((v) => ({ ...v, ns: ns(v.ns) })) } : {}),
        ...(e.trace !== undefined ? { trace: e.trace.map((v) => ({ ...v, ns: ns(v.ns) })) } : {}),
      },
    };
  };
  return { ...scenario, name: `${scenario.name} (under LD_AUDIT)`, rows: scenario.rows.map(row) };
}
