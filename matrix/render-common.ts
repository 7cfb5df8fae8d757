/** What the Markdown and HTML renderings of the matrix share: the legend, column headings, links and repro commands. */
import { posix } from 'node:path';
import type { Cell, CellLink, Matrix, MatrixColumn } from './build.ts';

/** Where a rendered document finds the files cells link to, relative to the document. */
export interface LinkBase {
  /** The repository's root (corpus/ files). */
  readonly repo: string;
  /** The matrix run's output directory (findings, in one directory per loader). */
  readonly out: string;
}

export function href(link: CellLink, base: LinkBase): string {
  switch (link.kind) {
    case 'corpus':
      return posix.join(base.repo, link.target);
    case 'finding':
      return posix.join(base.out, link.loader ?? '', link.target);
    case 'bug':
      return `#${anchor(link.target)}`;
  }
}

export const anchor = (bugId: string): string => bugId.toLowerCase();

export function columnTitle(c: MatrixColumn): string {
  if (c.profile === 'rtld-shared') return `${c.label} (RTLD_SHARED, ${c.release ?? '?'})`;
  return c.label === c.release || c.release === null ? c.label : `${c.label} (${c.release})`;
}

/** How the capability table (dlmspec probe) reads. */
export const PROBE_LEGEND: ReadonlyArray<readonly [string, string]> = [
  ['works', 'the check did what a user needs (`dlmspec probe --list` says what each runs and what counts as works)'],
  ['fails', 'it did not (hover or see `dlmspec probe` for the loader\'s error); for RTLD_SHARED, RTLD_ISOLATE and UNIQUE: ignored or refused'],
  ['crashes / timeout', 'the check\'s process died (signal or abort) or did not answer in time'],
  ['(N)', 'how many namespaces, each with its own libc copy, one process could make'],
  ['known bug', 'a known loader bug of that release explains it (linked)'],
  ['FAILS / WORKS / CRASHES', 'in capitals: not what the spec expects of that release, a difference to explain'],
];

export const LEGEND: ReadonlyArray<readonly [string, string]> = [
  ['holds', 'the loader did what the rule says in every sequence that exercised it'],
  ['holds, since 2.41 (commit)', 'the rule changed between releases; the loader follows the range of releases it is in, which that upstream commit began'],
  ['holds, up to 2.38; BUG not met', 'the release has that known bug, but no sequence of the run met a case where the bug and its fix differ'],
  ['known bug', 'the loader has a bug a later release fixed (or one not fixed yet), recorded below with its corpus file and a command that reproduces it'],
  ['DIVERGES', 'a difference nobody has explained yet: its shrunk counterexample file is linked'],
  ['SHOWS / DOES NOT SHOW', 'a known bug shows where its record says it should not, or not where it should'],
  ['crashes', 'the mode cannot run on this loader at all'],
  ['not reached', 'no random sequence exercised the rule there'],
  ['no / fixed (2.37)', 'the bug\'s corpus files conform on this loader'],
  ['—', 'not a rule or bug of this loader (the RTLD_SHARED rules on stock glibc)'],
];

/** The command, run at the repository's root, that reproduces a known bug on a loader: its first corpus file, or its probe check. */
export function reproCommand(bug: Matrix['bugs'][number], column: MatrixColumn): string {
  const lib = posix.join(column.dir, 'lib');
  const file = `corpus/${bug.corpus[0]}`;
  if (bug.corpus.length === 0) return `npx dlmspec probe --rtld ${lib}/ld-linux-x86-64.so.2 --library-path ${lib} --require ${bug.probe}`;
  if (bug.mode === 'audit') {
    // The C reproducer runs no audit module: an audit bug is replayed through the driver, judged by the loader's own release, strictly.
    return `npx dlmspec replay ${file} --impl native --rtld ${lib}/ld-linux-x86-64.so.2 --library-path ${lib} --audit --strict${column.release !== null ? ` --glibc-version ${column.release}` : ''}`;
  }
  return `npx dlmspec repro ${file} --out /tmp/repro && make -C /tmp/repro run RTLD=${lib}/ld-linux-x86-64.so.2 RTLD_LIBRARY_PATH=${lib}`;
}

/** The loaders on which a bug row says "known bug". */
export function loadersWith(m: Matrix, bugId: string): MatrixColumn[] {
  const row = m.groups.flatMap((g) => g.rows).find((r) => r.id === bugId);
  return row === undefined ? [] : m.columns.filter((_, i) => row.cells[i]!.status === 'known-bug');
}

export const isDifference = (c: Cell): boolean => c.status === 'diverges' || c.status === 'unexpected' || c.status === 'crashes';
