/**
 * The compatibility matrix as data, from what was run on each loader: its
 * two sweeps (plain and under dlmspec's audit module, harness/sweep.ts) and
 * the replay of every corpus file of its profile (matrix/run.ts). A pure
 * function: the same runs give the same matrix, whatever machine or shard
 * ran them, and nothing in it depends on time.
 *
 * A cell says, for one behaviour (a rule of CONFORMANCE.md) on one loader:
 * holds; holds as the range of releases this one is in says (the upstream
 * commit that made it so); known bug (the spec follows a bug of this
 * release that a later release fixed); diverges (a difference nobody has
 * explained: its counterexample file); crashes (the mode cannot run at
 * all); not reached; or not a rule of this loader. A known-bug row says
 * whether the loader has the bug, by replaying the bug's corpus files on it
 * strictly: it must diverge exactly on the loaders whose profile and release
 * the bug's record names.
 */
import { compareReleases, formatRange, parseRelease, type Release } from '../model/release.ts';
import { affects, LOADER_BUGS, fixText, loadersOf, type LoaderBug } from '../spec/loader-bugs.ts';
import type { Profile } from '../spec/profile.ts';
import { RELEASE_RANGES } from '../spec/release-ranges.ts';
import { rangeAt, type Range } from '../spec/releases.ts';
import type { SweepFinding, SweepResult } from '../harness/sweep.ts';
import { RULE_GROUPS, RULE_ROWS, type RuleRow } from './rows.ts';
import { CAPABILITIES, specAnswer, type Capability } from '../probe/capabilities.ts';
import type { ProbeReport } from '../probe/run.ts';

export interface CorpusReplay {
  /** The corpus file (corpus/NAME). */
  readonly file: string;
  readonly bug: string;
  readonly audit: boolean;
  /** Judged strictly at the loader's own release. */
  readonly verdict: 'diverges' | 'conforms';
  readonly step: number | null;
  readonly message: string | null;
}

/** Everything run on one loader. */
export interface LoaderRun {
  /** The column's name: the loader directory's, without `glibc-`. */
  readonly label: string;
  /** The loader directory as given (repro commands name it). */
  readonly dir: string;
  readonly profile: Profile | null;
  readonly release: string | null;
  readonly implementation: string | null;
  readonly plain: SweepResult;
  readonly audit: SweepResult;
  readonly corpus: readonly CorpusReplay[];
  /** `dlmspec probe` on the loader (null when it was not run). */
  readonly probe: ProbeReport | null;
}

export interface MatrixInput {
  readonly seed: number;
  readonly plainRuns: number;
  readonly auditRuns: number;
  readonly loaders: readonly LoaderRun[];
}

export type CellStatus = 'holds' | 'range' | 'known-bug' | 'fails' | 'diverges' | 'crashes' | 'not-reached' | 'n/a' | 'not-affected' | 'unexpected';

/** A file a cell points at: a corpus file (repository path) or a finding of this run (its loader's directory of results). */
export interface CellLink {
  readonly label: string;
  readonly kind: 'corpus' | 'finding' | 'bug';
  /** corpus: `corpus/NAME`; finding: the file name in the loader's results directory; bug: the bug ID. */
  readonly target: string;
  readonly loader?: string;
}

export interface Cell {
  readonly status: CellStatus;
  readonly text: string;
  /** More for a reader who asks (HTML title, JSON). */
  readonly detail: string;
  readonly links: readonly CellLink[];
}

export interface MatrixRow {
  readonly id: string;
  readonly title: string;
  readonly cells: readonly Cell[];
}

export interface MatrixGroup {
  readonly title: string;
  readonly rows: readonly MatrixRow[];
}

export interface MatrixColumn {
  readonly label: string;
  readonly dir: string;
  readonly profile: Profile | null;
  readonly release: string | null;
  readonly implementation: string | null;
  /** `conforms`: every cell holds, follows its range, or is a known bug; else what is not. */
  readonly verdict: 'conforms' | 'differs';
  readonly knownBugs: readonly string[];
}

export interface Matrix {
  readonly format: 'dlmspec-matrix';
  readonly version: 1;
  readonly seed: number;
  readonly plainRuns: number;
  readonly auditRuns: number;
  readonly columns: readonly MatrixColumn[];
  /** `dlmspec probe`'s capabilities by loader: what a user reads first. */
  readonly capabilities: readonly MatrixRow[];
  readonly groups: readonly MatrixGroup[];
  /** The known bugs the rows name, as CONFORMANCE.md records them. */
  readonly bugs: readonly { readonly id: string; readonly title: string; readonly loaders: string; readonly fix: string; readonly corpus: readonly string[]; readonly mode: 'plain' | 'audit'; readonly probe?: string }[];
}

const cell = (status: CellStatus, text: string, detail = '', links: readonly CellLink[] = []): Cell => ({ status, text, detail, links });
const NA = cell('n/a', '—');

/** Stock releases by number, then master, then builds of another profile (the RTLD_SHARED series), each by label. */
export function columnOrder(a: LoaderRun, b: LoaderRun): number {
  const rank = (l: LoaderRun) => (l.profile === 'rtld-shared' ? 1 : 0);
  const rel = (l: LoaderRun): Release | null => (l.release === null ? null : parseRelease(l.release));
  const ra = rel(a);
  const rb = rel(b);
  const byRelease = ra === null || rb === null ? (ra === null ? 1 : 0) - (rb === null ? 1 : 0) : compareReleases(ra, rb);
  return rank(a) - rank(b) || byRelease || a.label.localeCompare(b.label);
}

const releaseOf = (l: LoaderRun): Release | null => (l.release === null ? null : parseRelease(l.release));
const shortCommit = (source: string) => /\b([0-9a-f]{12})\b/.exec(source)?.[1] ?? null;

/** Why a whole mode could not run on the loader, or null. */
function modeFailure(s: SweepResult): string | null {
  if (s.handshake !== null) return `the driver does not start: ${s.handshake}`;
  if (s.ran > 0 && s.failedAtFirstCall === s.ran) return `every sequence (${s.ran}) fails at its first call`;
  return null;
}

const findingLink = (l: LoaderRun, f: SweepFinding): CellLink[] => (f.file === null ? [] : [{ label: f.kind, kind: 'finding', target: f.file, loader: l.label }]);

function ruleCell(l: LoaderRun, r: RuleRow): Cell {
  if (l.profile === null) return cell('crashes', 'crashes', modeFailure(l.plain) ?? 'no handshake');
  if (!r.profiles.includes(l.profile)) return NA;
  const sweep = r.mode === 'audit' ? l.audit : l.plain;
  const failure = modeFailure(sweep);
  if (failure !== null) return cell('crashes', 'crashes', failure);
  const failed = [...l.plain.findings, ...l.audit.findings].filter((f) => f.failedRule === r.rule);
  if (failed.length > 0) return cell('diverges', 'DIVERGES', failed.map((f) => f.message).join('\n'), failed.flatMap((f) => findingLink(l, f)));
  const steps = sweep.rules[r.rule]?.exercised ?? 0;
  const ranged = RELEASE_RANGES.filter((x) => x.rule === r.rule);
  const at: Range<unknown>[] = ranged.map((x) => rangeAt({ release: releaseOf(l) }, x));
  const bug = at.find((x) => x.bug !== undefined && (sweep.bugs[x.bug] ?? 0) > 0);
  if (bug !== undefined) return cell('known-bug', 'known bug', `${formatRange(bug.releases)}: ${bug.says} (${bug.source})`, [{ label: bug.bug!, kind: 'bug', target: bug.bug! }]);
  if (steps === 0) return cell('not-reached', 'not reached', `no step of ${sweep.ran} sequences exercised ${r.rule}`);
  if (at.length > 0) {
    // A known bug's range that no step followed: the runs never met a case where the bug and its fix differ.
    const unmet = at.find((x) => x.bug !== undefined);
    if (unmet !== undefined) return cell('range', `holds, ${formatRange(unmet.releases)}; ${unmet.bug} not met`, `${unmet.says} (${unmet.source}); no step of ${steps} met a case where the bug and its fix differ`);
    // Of a rule's several ranges, the one the latest change began says most of this release.
    const x = [...at].sort((p, q) => (q.releases.from === undefined ? -1 : p.releases.from === undefined ? 1 : compareReleases(parseRelease(q.releases.from), parseRelease(p.releases.from))))[0]!;
    const commit = shortCommit(x.source);
    return cell('range', `holds, ${formatRange(x.releases)}${commit !== null ? ` (${commit.slice(0, 8)})` : ''}`, `${x.says} (${x.source}); ${steps} steps`);
  }
  return cell('holds', 'holds', `${steps} steps`);
}

/**
 * A capability on a loader: works, fails, crashes or timeout, as the probe
 * found it, with the known bug that explains it; DIFFERS from the spec when
 * the capability is a rule of it and the spec expects otherwise there.
 */
function capabilityCell(l: LoaderRun, cap: Capability): Cell {
  const r = l.probe?.results.find((x) => x.name === cap.name);
  if (r === undefined || l.profile === null) return cell('n/a', '—', 'not probed');
  const want = specAnswer(cap, l.profile, releaseOf(l));
  const text = r.count !== undefined ? `${r.status} (${r.count})` : r.status;
  const links: CellLink[] = r.knownBugs.map((b) => ({ label: b, kind: 'bug', target: b }));
  if (want !== null && want !== r.status && !(want === 'crashes' && r.status === 'timeout')) return cell('unexpected', `${text.toUpperCase()}`, `the spec expects ${want} at ${l.release}: ${r.detail}`, links);
  const status: CellStatus = r.status === 'works' ? 'holds' : r.knownBugs.length > 0 ? 'known-bug' : r.status === 'fails' ? 'fails' : 'crashes';
  return cell(status, text, r.detail, links);
}

function modeCell(l: LoaderRun, mode: 'plain' | 'audit'): Cell {
  const s = mode === 'audit' ? l.audit : l.plain;
  const failure = modeFailure(s);
  if (failure !== null) return cell('crashes', 'crashes', failure);
  return cell('holds', `${s.ran} run`, `${s.ran} sequences, ${s.findings.length} differences`);
}

/** A bug only the probe shows: its capability's answer on the loader. */
function probeBugCell(l: LoaderRun, bug: LoaderBug): Cell {
  const result = l.probe?.results.find((x) => x.name === bug.probe);
  if (result === undefined) return cell('n/a', '—', 'dlmspec probe was not run on this loader');
  const has = affects(bug, l.profile!, releaseOf(l));
  const shows = result.status !== 'works' && result.knownBugs.includes(bug.id);
  const detail = `probe ${bug.probe}: ${result.status}: ${result.detail}`;
  if (has && result.status !== 'works') return cell('known-bug', 'known bug', detail, [{ label: bug.id, kind: 'bug', target: bug.id }]);
  if (has) return cell('unexpected', 'DOES NOT SHOW', `${bug.id} is recorded for ${loadersOf(bug)}, but the probe's ${bug.probe} works here (a backported fix?)`);
  if (shows) return cell('unexpected', 'SHOWS', detail);
  const fixed = bug.fixed !== null && l.release !== null && compareReleases(parseRelease(l.release), parseRelease(bug.fixed.release)) >= 0;
  return cell('not-affected', fixed ? `fixed (${bug.fixed!.release})` : 'no', detail);
}

function bugCell(l: LoaderRun, bug: LoaderBug): Cell {
  if (l.profile === null || !bug.profiles.includes(l.profile)) return NA;
  if (bug.handling === 'probe') return probeBugCell(l, bug);
  const replays = l.corpus.filter((x) => x.bug === bug.id);
  if (replays.length === 0) return cell('n/a', '—', `no corpus file of ${bug.id} is of the ${l.profile} profile`);
  if (bug.mode === 'audit' && modeFailure(l.audit)?.startsWith('the driver') === true) return cell('crashes', 'crashes', modeFailure(l.audit)!);
  const has = affects(bug, l.profile, releaseOf(l));
  const diverging = replays.filter((x) => x.verdict === 'diverges');
  // A cell links the corpus file that shows the bug there (the bug's section has the command that reproduces it).
  const link = (files: readonly CorpusReplay[]): CellLink[] => files.slice(0, 1).map((x) => ({ label: x.file, kind: 'corpus', target: `corpus/${x.file}` }));
  const detail = replays.map((x) => `${x.file}: ${x.verdict}${x.message !== null ? ` at call ${x.step}: ${x.message}` : ''}`).join('\n');
  if (has && diverging.length > 0) return cell('known-bug', 'known bug', detail, link(diverging));
  if (has) return cell('unexpected', 'DOES NOT SHOW', `${bug.id} is recorded for ${loadersOf(bug)}, but no corpus file diverges here (a backported fix?)\n${detail}`, link(replays));
  if (diverging.length > 0) return cell('unexpected', 'SHOWS', `${bug.id} is recorded for ${loadersOf(bug)} only, but shows here\n${detail}`, link(diverging));
  const fixed = bug.fixed !== null && l.release !== null && compareReleases(parseRelease(l.release), parseRelease(bug.fixed.release)) >= 0;
  return cell('not-affected', fixed ? `fixed (${bug.fixed!.release})` : 'no', detail);
}

/** One row per difference no rule names (its rule did not fail by name): the run's own findings, to be explained. */
function unexplainedRows(loaders: readonly LoaderRun[]): MatrixRow[] {
  const rows = new Map<string, { title: string; cells: Map<string, Cell> }>();
  for (const l of loaders) {
    for (const [mode, s] of [['plain', l.plain], ['audit', l.audit]] as const) {
      for (const f of s.findings) {
        if (f.failedRule !== null && RULE_ROWS.some((r) => r.rule === f.failedRule)) continue;
        const id = `${mode}|${f.key}`;
        const title = `${mode === 'audit' ? 'under --audit: ' : ''}${f.kind}${f.aspect !== null ? ` in ${f.aspect}` : ''}: ${f.message.split('\n')[0]!.slice(0, 160)}`;
        const row = rows.get(id) ?? { title, cells: new Map() };
        row.cells.set(l.label, cell('diverges', 'DIVERGES', f.message, findingLink(l, f)));
        rows.set(id, row);
      }
    }
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, r], i) => ({ id: `DIFF${i + 1}`, title: r.title, cells: loaders.map((l) => r.cells.get(l.label) ?? cell('holds', '', id)) }));
}

export function buildMatrix(input: MatrixInput): Matrix {
  const loaders = [...input.loaders].sort(columnOrder);
  const groups: MatrixGroup[] = [
    {
      title: 'Running at all',
      rows: [
        { id: 'RUN-PLAIN', title: 'random sequences run', cells: loaders.map((l) => modeCell(l, 'plain')) },
        { id: 'RUN-AUDIT', title: 'random sequences run under an audit module (LD_AUDIT)', cells: loaders.map((l) => modeCell(l, 'audit')) },
      ],
    },
    ...RULE_GROUPS.map((g) => ({ title: g.title, rows: g.rows.map((r) => ({ id: r.rule, title: r.title, cells: loaders.map((l) => ruleCell(l, r)) })) })),
  ];
  const unexplained = unexplainedRows(loaders);
  if (unexplained.length > 0) groups.push({ title: 'Differences not explained yet', rows: unexplained });
  groups.push({ title: 'Known loader bugs', rows: LOADER_BUGS.map((b) => ({ id: b.id, title: b.title, cells: loaders.map((l) => bugCell(l, b)) })) });
  const capabilities = CAPABILITIES.map((c) => ({ id: c.name, title: c.title, cells: loaders.map((l) => capabilityCell(l, c)) }));
  const columns: MatrixColumn[] = loaders.map((l, i) => {
    const cells = [...groups, { rows: capabilities }].flatMap((g) => g.rows.map((r) => r.cells[i]!));
    const bad = cells.some((c) => c.status === 'diverges' || c.status === 'unexpected' || c.status === 'crashes');
    // The bugs its known-bug cells name: a bug row by its ID, a rule row by the bug its link names.
    const bugRows = new Set(LOADER_BUGS.map((b) => b.id));
    const known = groups.flatMap((g) => g.rows.filter((r) => r.cells[i]!.status === 'known-bug'));
    const knownBugs = [...new Set(known.flatMap((r) => (bugRows.has(r.id) ? [r.id] : r.cells[i]!.links.filter((x) => x.kind === 'bug').map((x) => x.target))))].sort();
    return { label: l.label, dir: l.dir, profile: l.profile, release: l.release, implementation: l.implementation, verdict: bad ? 'differs' : 'conforms', knownBugs };
  });
  const bugs = LOADER_BUGS.map((b) => ({ id: b.id, title: b.title, loaders: loadersOf(b), fix: fixText(b), corpus: b.corpus, mode: b.mode, ...(b.probe !== undefined ? { probe: b.probe } : {}) }));
  return { format: 'dlmspec-matrix', version: 1, seed: input.seed, plainRuns: input.plainRuns, auditRuns: input.auditRuns, columns, capabilities, groups, bugs };
}
