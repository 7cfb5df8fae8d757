/**
 * Distinct findings of one validation: when two failures are "the same"
 * (counted, not saved again), and the table a run ends with.
 */
import type { Finding } from './judge.ts';
import type { AuditEvent, CallResult, LifecycleEvent, NamespaceView } from '../model/observation.ts';

/**
 * Two failures are the same finding when the same rule failed in the same
 * way: the same kind, aspect and operation, and the same difference between
 * what the spec expected and what was seen, told with the test DSOs' names
 * and the secondary namespaces' numbers left out (the loader's own objects
 * keep their names). What else the failing step exercised, and the calls
 * around it, do not matter: a bug reached by two routes is one bug.
 */
export function findingKey(f: Finding): string {
  return [f.kind, f.aspect ?? '-', f.call?.op ?? '-', failedRule(f) ?? '-', difference(f)].join('|');
}

/** The rule a finding names as failed: an audit comparison's `[AUDn]`; none for the others (their aspect says what failed). */
export function failedRule(f: Finding): string | null {
  return /^\[([A-Z0-9-]+)\]/.exec(f.message)?.[1] ?? null;
}

/** A test DSO's name (`liba.so`) and a secondary namespace (`ns3`) said without which one. */
const anyDso = (name: string | null) => (name !== null && /^lib[a-z0-9_]+\.so$/.test(name) && !/^lib(c|dl|m|rt|pthread)\.so/.test(name) ? 'DSO' : (name ?? '?'));
const anyNs = (ns: number | null) => (ns === null ? '?' : ns === 0 ? 'ns0' : 'nsN');

/** `a - b` as a sorted multiset of strings. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  return a.filter((x) => {
    const i = left.indexOf(x);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  }).sort();
}

/** `missing X, Y; extra Z`, the same whatever the order either side listed them in. */
function delta(expected: readonly string[], observed: readonly string[]): string {
  const missing = minus(expected, observed);
  const extra = minus(observed, expected);
  return [missing.length > 0 ? `missing ${missing.join(',')}` : '', extra.length > 0 ? `extra ${extra.join(',')}` : ''].filter(Boolean).join('; ') || 'reordered';
}

const entryWord = (views: readonly NamespaceView[]) => views.flatMap((v) => v.entries.map((e) => `${anyDso(e.object)}${e.proxy ? '(proxy)' : ''}@${anyNs(v.ns)}`));
const eventWord = (events: readonly LifecycleEvent[]) => events.map((e) => `${e.event} ${anyDso(e.object)}@${anyNs(e.ns)}`);
const auditWord = (events: readonly AuditEvent[]) => events.map((e) => (e.event === 'activity' ? `${e.activity}@${anyNs(e.ns)}` : `${e.event} ${anyDso(e.object)}@${anyNs(e.ns)}`));
const resultWord = (r: CallResult) => `${r.kind}${'error' in r && r.error !== null ? `:${abstractText(r.error)}` : ''}`;
/** A message with the test DSOs' names and the namespace numbers left out (an audit bracket is the same rule in any namespace). */
const abstractText = (text: string) => text.replace(/lib[a-z0-9_]+\.so\b(?!\.)/g, (m) => anyDso(m)).replace(/@ns\d+/g, '@ns').replace(/\bh\d+\b/g, 'hK');

/** What differs, abstracted as findingKey says. */
function difference(f: Finding): string {
  const { expected, observed } = f;
  if (f.kind === 'crash') return /\((SIG[A-Z0-9]+)\)|exit (\d+)/.exec(f.message)?.slice(1).find((x) => x !== undefined) ?? 'crash';
  if (f.kind !== 'divergence' || expected === null || observed === null) return '-';
  switch (f.aspect) {
    case 'result':
      return `${resultWord(expected.result)} -> ${resultWord(observed.result)}`;
    case 'namespaces':
      return delta(entryWord(expected.namespaces), entryWord(observed.namespaces));
    case 'events':
      return delta(eventWord(expected.events), eventWord(observed.events));
    case 'audit': {
      // AUD2 and AUD3 compare lists: what is missing or extra; the bracket rules say what is out of place.
      const rule = failedRule(f);
      const want = expected.audited;
      if ((rule === 'AUD2' || rule === 'AUD3') && want !== undefined && want !== null && observed.audit !== undefined) {
        const kind = rule === 'AUD2' ? 'objopen' : 'objclose';
        return delta(auditWord(rule === 'AUD2' ? want.opens : want.closes), auditWord(observed.audit.filter((e) => e.event === kind)));
      }
      return abstractText(f.message.split('; observed')[0]!);
    }
    default:
      return abstractText(f.message.split('; observed')[0]!);
  }
}

export interface FindingRow {
  readonly index: number;
  readonly rules: readonly string[];
  readonly kind: string;
  readonly aspect: string | null;
  readonly calls: number;
  readonly occurrences: number;
  readonly shrunk: boolean;
  readonly file: string | null;
}

/** `#  rules  finding  calls  seen  file`, one row per distinct finding. */
export function formatFindingsTable(rows: readonly FindingRow[]): string {
  const header = ['#', 'rules', 'finding', 'calls', 'seen', 'file'];
  const cells = rows.map((r) => [
    String(r.index),
    r.rules.length > 0 ? r.rules.join(' ') : '(unattributed)',
    `${r.kind}${r.aspect !== null ? ` in ${r.aspect}` : ''}`,
    `${r.calls}${r.shrunk ? '' : ' (not shrunk)'}`,
    String(r.occurrences),
    r.file ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
