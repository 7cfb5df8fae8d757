/**
 * `dlmspec matrix`: one budget on several loaders, and the compatibility
 * matrix of what it showed (matrix/): Markdown, HTML and JSON.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOutDir, InputError, writeFileAtomic } from '../harness/files.ts';
import { progressSink } from '../harness/progress.ts';
import { formatShard, parseShard } from '../harness/shard.ts';
import { buildMatrix, type Matrix } from '../matrix/build.ts';
import { renderHtml } from '../matrix/html.ts';
import { renderMarkdown } from '../matrix/markdown.ts';
import { columnTitle, isDifference, type LinkBase } from '../matrix/render-common.ts';
import { readRuns, runLoader } from '../matrix/run.ts';
import { findLoaders } from '../native/loaders.ts';
import { EXIT, EXIT_HELP, println, type Command, type Io } from './command.ts';
import { describeEnvironmentError } from './errors.ts';
import { flag, int, jobs as jobsOption, JOBS_HELP, JOBS_OPTION, list, parse, seed as seedOption, str } from './options.ts';
import { catchInterrupts, SIGNAL_EXIT } from './run-control.ts';
import { JSON_HELP, JSON_OPTION, writeSummary } from './summary.ts';

export const MATRIX_DEFAULTS = { plainRuns: 1000, auditRuns: 300, seed: 1, out: join('out', 'matrix') } as const;
const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

const help = `Usage: dlmspec matrix LOADER_DIR... [--runs N] [--audit-runs N] [--seed S] [--shard i/n] [--out DIR]
       dlmspec matrix --in DIR [--in DIR...]

Run one budget on several loaders and write the compatibility matrix: rows
are behaviours (the rules of CONFORMANCE.md, grouped) and known loader bugs,
columns the loaders, each judged by the spec at its own release (read from
the loader). A LOADER_DIR is a loader (its lib/ holds ld-linux-x86-64.so.2)
or a directory of them (../shared/loaders).

On each loader: --runs random sequences, --audit-runs more under dlmspec's
audit module (the same seed's sequences on every loader), then the corpus
file of each known bug of its profile replayed strictly. Results go to
OUT/LABEL/; the matrix to OUT/matrix.{md,html,json} (and --markdown FILE).

Split across machines as a CI matrix splits work: run each shard with
--shard i/n (the same seed; each runs a block of every sweep's sequences and
writes only results), then merge the directories the shards wrote with
--in: the matrix is the one an unsharded run of the seed gives.

Options:
  --runs N               plain sequences per loader (default ${MATRIX_DEFAULTS.plainRuns})
  --audit-runs N         sequences under the audit module per loader (default ${MATRIX_DEFAULTS.auditRuns})
  --seed S               fast-check seed (default ${MATRIX_DEFAULTS.seed}: the matrix is regenerated, not resampled)
  --shard i/n            run shard i of n only (results, no matrix)
  --in DIR               build the matrix from the results under DIR (repeatable), running nothing
  --out DIR              results and matrix directory (default ${MATRIX_DEFAULTS.out}/)
  --markdown FILE        also write the Markdown to FILE (links relative to it), e.g. COMPATIBILITY.md
  --check FILE           compare the Markdown with FILE instead of writing it: exit 1 when FILE is stale
${JOBS_HELP}
${JSON_HELP}
  -h, --help             this help

${EXIT_HELP}
The matrix "diverges" (exit 1) when a loader differs: a difference no rule or known bug
explains, a known bug that shows where it should not (or not where it should), or a mode
that cannot run.
`;

export const matrixCommand: Command = {
  name: 'matrix',
  summary: 'run one budget on several loaders; write the compatibility matrix (Markdown, HTML, JSON)',
  help,
  async run(args, io) {
    const p = parse(
      'matrix',
      args,
      {
        runs: { type: 'string' },
        'audit-runs': { type: 'string' },
        seed: { type: 'string' },
        shard: { type: 'string' },
        in: { type: 'string', multiple: true },
        out: { type: 'string' },
        markdown: { type: 'string' },
        check: { type: 'string' },
        quiet: { type: 'boolean' },
        ...JOBS_OPTION,
        ...JSON_OPTION,
      },
      { min: 0, max: 1000, what: 'LOADER_DIR...' },
    );
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const json = flag(p, 'json');
    const text: Io = json ? { out: io.err, err: io.err } : io;
    const inputs = list(p, 'in');
    const outDir = str(p, 'out') ?? MATRIX_DEFAULTS.out;
    const shardText = str(p, 'shard');
    const shard = shardText === undefined ? null : parseShard(shardText);
    if (inputs.length > 0 && p.positionals.length > 0) throw new InputError('give loader directories to run, or --in directories to merge, not both');
    if (inputs.length === 0 && p.positionals.length === 0) throw new InputError('matrix: which loaders? (e.g. dlmspec matrix ../shared/loaders)');
    if (inputs.length > 0 && shard !== null) throw new InputError('--shard runs a shard; --in merges shards: not both');
    const markdownFile = str(p, 'markdown');
    const checkFile = str(p, 'check');

    if (inputs.length === 0) {
      const loaders = findLoaders(p.positionals);
      const missing = p.positionals.filter((d) => findLoaders([d]).length === 0);
      if (missing.length > 0) throw new InputError(`${missing.join(', ')}: no loader there (a directory whose lib/ holds ld-linux-x86-64.so.2, or a directory of them)`);
      const labels = loaders.map((l) => l.label);
      const twice = labels.find((l, i) => labels.indexOf(l) !== i);
      if (twice !== undefined) throw new InputError(`two loaders are named ${twice}: give directories with different names`);
      const budget = {
        seed: seedOption(p) ?? MATRIX_DEFAULTS.seed,
        plainRuns: int(p, 'runs', { min: 1, max: 10_000_000 }) ?? MATRIX_DEFAULTS.plainRuns,
        auditRuns: int(p, 'audit-runs', { min: 1, max: 10_000_000 }) ?? MATRIX_DEFAULTS.auditRuns,
      };
      await checkOutDir(outDir);
      const progress = progressSink(io.err, { quiet: flag(p, 'quiet') });
      const interrupts = catchInterrupts((name) => progress.log(`${name}: stopping after the loader in hand (again to quit at once)`));
      try {
        for (const loader of loaders) {
          if (interrupts.signal.aborted) break;
          await runLoader(loader, { ...budget, shard, jobs: jobsOption(p) ?? availableParallelism(), outDir, signal: interrupts.signal, onProgress: (t) => progress.update(t) });
          progress.log(`${loader.label}: done`);
        }
      } catch (e) {
        throw describeEnvironmentError(e);
      } finally {
        progress.done();
        interrupts.dispose();
      }
      const stopped = interrupts.received();
      if (stopped !== null) {
        println(text.out, `matrix: INTERRUPTED (${stopped}); the loaders done are under ${outDir}`);
        return SIGNAL_EXIT[stopped];
      }
      if (shard !== null && shard.count > 1) {
        println(text.out, `matrix: shard ${formatShard(shard)} of ${loaders.length} loaders written to ${outDir}; merge all shards with: dlmspec matrix --in DIR...`);
        if (json) writeSummary(io, { command: 'matrix', verdict: 'done', counts: { loaders: loaders.length }, findings: [], data: { shard: formatShard(shard), out: outDir } });
        return EXIT.ok;
      }
    }

    const { runs, budget } = await readRuns(inputs.length > 0 ? inputs : [outDir]);
    const m = buildMatrix({ ...budget, loaders: runs });
    const command = `dlmspec matrix ${inputs.length > 0 ? inputs.map((d) => `--in ${d}`).join(' ') : p.positionals.join(' ')}`;
    const written = await writeMatrix(m, outDir, command, markdownFile);
    printMatrix(text, m);
    let status: number = m.columns.every((c) => c.verdict === 'conforms') ? EXIT.ok : EXIT.diverges;
    if (checkFile !== undefined) {
      const want = renderMarkdown(m, { base: linkBase(checkFile, outDir), command: commandFor(checkFile) });
      let have = '';
      try {
        have = await readFile(checkFile, 'utf8');
      } catch {
        throw new InputError(`--check ${checkFile}: cannot read it`);
      }
      if (have !== want) {
        println(text.out, `STALE: ${checkFile} is not what these runs show; regenerate it with npm run matrix`);
        status = EXIT.diverges;
      } else println(text.out, `${checkFile} is up to date with these runs`);
    }
    println(text.out, `matrix: ${written.join(', ')}`);
    if (json) {
      const findings = m.groups.flatMap((g) =>
        g.rows.flatMap((r) => r.cells.flatMap((c, i) => (isDifference(c) ? [{ file: null, kind: c.status, step: null, message: `${m.columns[i]!.label}: ${r.id}: ${c.text}${c.detail ? `: ${c.detail.split('\n')[0]}` : ''}`, counterexample: null }] : []))),
      );
      writeSummary(io, { command: 'matrix', verdict: status === EXIT.ok ? 'conforms' : 'diverges', counts: { loaders: m.columns.length, differing: m.columns.filter((c) => c.verdict !== 'conforms').length }, findings, data: { files: written, columns: m.columns } });
    }
    return status;
  },
};

/** Links in a document at `file`: the repository's corpus/, the run's results directory, relative to it. */
function linkBase(file: string, outDir: string): LinkBase {
  const from = dirname(resolve(file));
  const rel = (to: string) => relative(from, resolve(to)) || '.';
  return { repo: rel(REPO), out: rel(outDir) };
}

/** COMPATIBILITY.md says the command that regenerates it. */
const commandFor = (file: string) => (resolve(file) === join(REPO, 'COMPATIBILITY.md') ? 'npm run matrix' : 'dlmspec matrix');

async function writeMatrix(m: Matrix, outDir: string, command: string, markdownFile: string | undefined): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: [string, string][] = [
    [join(outDir, 'matrix.json'), `${JSON.stringify(m, null, 2)}\n`],
    [join(outDir, 'matrix.md'), renderMarkdown(m, { base: linkBase(join(outDir, 'matrix.md'), outDir), command })],
    [join(outDir, 'matrix.html'), renderHtml(m, { base: linkBase(join(outDir, 'matrix.html'), outDir), command })],
  ];
  if (markdownFile !== undefined) files.push([markdownFile, renderMarkdown(m, { base: linkBase(markdownFile, outDir), command: commandFor(markdownFile) })]);
  for (const [f, t] of files) await writeFileAtomic(f, t);
  return files.map(([f]) => f);
}

/** One line per loader: its verdict, its known bugs, what differs. */
function printMatrix(io: Io, m: Matrix): void {
  m.columns.forEach((c, i) => {
    const differs = m.groups.flatMap((g) => g.rows.filter((r) => isDifference(r.cells[i]!)).map((r) => `${r.id} ${r.cells[i]!.text}`));
    println(io.out, `${columnTitle(c).padEnd(34)} ${c.verdict === 'conforms' ? 'conforms' : 'DIFFERS '}  known bugs: ${c.knownBugs.join(', ') || 'none'}${differs.length > 0 ? `; ${differs.join('; ')}` : ''}`);
  });
}
