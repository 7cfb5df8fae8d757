/**
 * The compatibility matrix as Markdown: COMPATIBILITY.md. Nothing in it
 * depends on when or where it was made (no timings, no dates, no absolute
 * paths), so rerunning `npm run matrix` on the same loaders changes nothing.
 */
import { markdownText } from '../repro/generate.ts';
import type { Cell, Matrix } from './build.ts';
import { anchor, columnTitle, href, LEGEND, loadersWith, PROBE_LEGEND, reproCommand, type LinkBase } from './render-common.ts';

/** A table cell: the cell's word, and its links. Texts are dlmspec's own; a loader's message never reaches a cell. */
function cellMd(c: Cell, base: LinkBase): string {
  const [first, ...rest] = c.links;
  if (first === undefined) return c.text;
  // The cell's word is its first link (a known bug's corpus file or its section; a difference's counterexample).
  return [`[${c.text}](${href(first, base)})`, ...rest.map((l) => `[${l.label}](${href(l, base)})`)].join(' ');
}

export interface MarkdownOptions {
  readonly base: LinkBase;
  /** Text put before the matrix (the probe's capability table, issue 24), already Markdown. */
  readonly preface?: string;
  /** How the matrix was made, as a command a reader can run again. */
  readonly command: string;
}

export function renderMarkdown(m: Matrix, opts: MarkdownOptions): string {
  const { base } = opts;
  const out: string[] = [];
  const head = ['rule', 'behaviour', ...m.columns.map(columnTitle)];
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = (n: number) => `|${' --- |'.repeat(n)}`;
  out.push('# dlmopen compatibility matrix', '');
  out.push(
    `Which glibc releases do what with link namespaces (\`dlmopen\`), LD_AUDIT and RTLD_SHARED, as dlmspec's runs show it. Made by \`${opts.command}\`: on each loader, ${m.plainRuns} random sequences (seed ${m.seed}) and ${m.auditRuns} more under an audit module, every one judged by the spec at that loader's own release, and the corpus file of every known loader bug of its profile replayed. Every cell can be checked again with the files and commands it names.`,
    '',
  );
  if (opts.preface !== undefined) out.push(opts.preface.trimEnd(), '');
  out.push('## Loaders', '');
  out.push(line(['loader', 'release', 'profile', 'verdict', 'known bugs']), rule(5));
  for (const c of m.columns) {
    const bugs = c.knownBugs.map((b) => `[${b}](#${anchor(b)})`).join(', ') || 'none';
    out.push(line([columnTitle(c), c.release ?? '?', c.profile ?? '?', c.verdict === 'conforms' ? 'conforms' : '**DIFFERS**', bugs]));
  }
  out.push('', '## Capabilities (`dlmspec probe`)', '');
  out.push('What a project that isolates libraries with dlmopen asks first, each checked for real on each loader, in a process of its own (`npx dlmspec probe --rtld LIB/ld-linux-x86-64.so.2 --library-path LIB` asks the same of one loader; `--list` says what each check runs):', '');
  out.push(line(['capability', 'what it checks', ...m.columns.map(columnTitle)]), rule(m.columns.length + 2));
  for (const r of m.capabilities) out.push(line([`\`${r.id}\``, markdownText(r.title), ...r.cells.map((c) => cellMd(c, base))]));
  out.push('');
  for (const [word, meaning] of PROBE_LEGEND) out.push(`- **${word}**: ${meaning}.`);
  out.push('', '## Behaviours', '', 'Reading a cell of the tables below:', '');
  for (const [word, meaning] of LEGEND) out.push(`- **${word}**: ${meaning}.`);
  for (const g of m.groups) {
    out.push('', `### ${g.title}`, '');
    out.push(line(head), rule(head.length));
    for (const r of g.rows) {
      const id = g.title === 'Known loader bugs' ? `[${r.id}](#${anchor(r.id)})` : r.id;
      out.push(line([id, markdownText(r.title), ...r.cells.map((c) => cellMd(c, base))]));
    }
  }
  out.push('', '## The known loader bugs', '');
  out.push('Each is in CONFORMANCE.md ("Loader bugs found") with its root cause in glibc\'s code. Random runs leave its trigger out on the loaders that have it (`--strict` includes it), or the spec follows it there, marked (`--strict` expects the fix).', '');
  for (const b of m.bugs) {
    out.push(`### ${b.id}`, '', `${markdownText(b.title)}.`, '');
    out.push(`- loaders: ${markdownText(b.loaders)}; ${markdownText(b.fix)}`);
    if (b.corpus.length > 0) out.push(`- corpus: ${b.corpus.map((f) => `[corpus/${f}](${href({ label: f, kind: 'corpus', target: `corpus/${f}` }, base)})`).join(', ')}`);
    if (b.probe !== undefined) out.push(`- \`dlmspec probe\` capability: \`${b.probe}\``);
    const where = loadersWith(m, b.id);
    if (where.length > 0) {
      out.push('- reproduce:', '');
      for (const c of where) out.push(`  \`\`\`sh`, `  # ${columnTitle(c)}`, `  ${reproCommand(b, c)}`, '  ```');
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
