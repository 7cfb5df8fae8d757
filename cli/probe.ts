/**
 * `dlmspec probe`: does dlmopen work here? Each capability a project that
 * isolates libraries with namespaces depends on, checked for real on the
 * loader (probe/), answered works, fails (the loader's error) or crashes.
 */
import { InputError } from '../harness/files.ts';
import { CAPABILITIES, capability } from '../probe/capabilities.ts';
import { CHECK_TIMEOUT_MS, runProbe, type ProbeReport } from '../probe/run.ts';
import { EXIT, EXIT_HELP, println, type Command, type Io } from './command.ts';
import { describeEnvironmentError } from './errors.ts';
import { flag, int, list, parse, str } from './options.ts';
import { JSON_HELP, JSON_OPTION, writeSummary } from './summary.ts';

const help = `Usage: dlmspec probe [--rtld LD --library-path DIRS] [--require CAP[,CAP...]] [--json]
       dlmspec probe --list

Check what a project that isolates libraries with dlmopen needs, on this
machine's loader (or LD): a fixed set of small real checks, each in a
process of its own, answered per capability: works, fails (with the
loader's error) or crashes (signal or abort message); timeout when a check
does not answer in time. Where a known loader bug of the loader's release
explains a failure, it is named (CONFORMANCE.md, "Loader bugs found").

Options:
  --rtld LD              run the checks under this ld.so
  --library-path DIRS    with --rtld: directories (colon-separated) searched first for libc & co.
  --require CAP[,CAP]    exit 0 when every named capability works, 1 when one does not,
                         2 for a name --list does not know (repeatable)
  --list                 the capability names (stable) with what each checks
  --timeout MS           a check's time limit (default ${CHECK_TIMEOUT_MS})
${JSON_HELP}
  -h, --help             this help

${EXIT_HELP}
`;

export const probeCommand: Command = {
  name: 'probe',
  summary: 'does dlmopen work here? each capability checked for real: works, fails or crashes',
  help,
  async run(args, io) {
    const p = parse(
      'probe',
      args,
      { rtld: { type: 'string' }, 'library-path': { type: 'string' }, require: { type: 'string', multiple: true }, list: { type: 'boolean' }, timeout: { type: 'string' }, ...JSON_OPTION },
      { min: 0, max: 0, what: '' },
    );
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const json = flag(p, 'json');
    const text: Io = json ? { out: io.err, err: io.err } : io;
    if (flag(p, 'list')) {
      for (const c of CAPABILITIES) println(text.out, `${c.name.padEnd(20)} ${c.title}\n${' '.repeat(21)}runs: ${c.runs}\n${' '.repeat(21)}works: ${c.works}`);
      if (json) writeSummary(io, { command: 'probe', verdict: 'done', counts: { capabilities: CAPABILITIES.length }, findings: [], data: { capabilities: CAPABILITIES.map((c) => ({ name: c.name, title: c.title, runs: c.runs, works: c.works })) } });
      return EXIT.ok;
    }
    const required = list(p, 'require').flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    const unknown = required.filter((r) => capability(r) === undefined);
    if (unknown.length > 0) throw new InputError(`--require ${unknown.join(',')}: no such capability (dlmspec probe --list)`);
    const rtld = str(p, 'rtld');
    const libraryPath = str(p, 'library-path');
    if (libraryPath !== undefined && rtld === undefined) throw new InputError('--library-path goes with --rtld');
    const timeoutMs = int(p, 'timeout', { min: 100, max: 600_000 });
    let report: ProbeReport;
    try {
      report = await runProbe({ ...(rtld !== undefined ? { rtld } : {}), ...(libraryPath !== undefined ? { libraryPath } : {}) }, { ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    } catch (e) {
      throw describeEnvironmentError(e);
    }
    printProbe(text, report, rtld ?? "this machine's loader");
    const missing = required.filter((r) => report.results.find((x) => x.name === r)?.status !== 'works');
    if (required.length > 0) println(text.out, missing.length === 0 ? `required: ${required.join(', ')}: all work` : `required: ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not work`);
    if (json) {
      const count = (s: string) => report.results.filter((r) => r.status === s).length;
      writeSummary(io, {
        command: 'probe',
        verdict: required.length === 0 ? 'done' : missing.length === 0 ? 'conforms' : 'diverges',
        counts: { capabilities: report.results.length, works: count('works'), fails: count('fails'), crashes: count('crashes'), timeouts: count('timeout') },
        findings: report.results.filter((r) => r.status !== 'works').map((r) => ({ file: null, kind: r.status, step: null, message: `${r.name}: ${r.detail}${r.knownBugs.length > 0 ? ` (known bug ${r.knownBugs.join(', ')})` : ''}`, counterexample: null })),
        data: { loader: rtld ?? null, release: report.release, profile: report.profile, capabilities: report.results, required },
      });
    }
    return missing.length === 0 ? EXIT.ok : EXIT.diverges;
  },
};

export function printProbe(io: Io, r: ProbeReport, loader: string): void {
  println(io.out, `dlmspec probe: ${loader}: glibc ${r.release ?? '?'}, ${r.profile === 'rtld-shared' ? 'with the RTLD_SHARED series (libc UNIQUE)' : 'stock'}`);
  const width = Math.max(...r.results.map((x) => x.name.length));
  for (const x of r.results) {
    const bugs = x.knownBugs.length > 0 ? `  [known bug ${x.knownBugs.join(', ')}]` : '';
    println(io.out, `  ${x.name.padEnd(width)}  ${x.status.padEnd(7)}  ${x.detail}${bugs}`);
  }
}
