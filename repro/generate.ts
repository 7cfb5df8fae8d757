/**
 * A standalone C reproducer of a counterexample: the test DSOs' sources (the
 * native driver's own generator), a Makefile that builds them with the
 * native driver's flags, and a main.c that makes the calls and checks every
 * observation against what the spec expects (dlmspec-repro.h). Needs a C
 * compiler and make, not Node.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TUNABLES } from '../adapters/native.ts';
import { sorterOf } from '../spec/sorter.ts';
import { formatCall, type Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import { formatLmid, formatMode } from '../model/mode.ts';
import type { ExpectedObservation, LifecycleEvent } from '../model/observation.ts';
import { linkFlags } from '../native/build-dsos.ts';
import { dsoSource } from '../native/dso-source.ts';
import { formatResult as resultText } from '../harness/format.ts';
import { formatNamespaces as namespacesText } from '../harness/compare.ts';
import { NATIVE_DIR } from '../native/toolchain.ts';
import { runSpec } from '../spec/run.ts';
import { ownProgram, programNeeded } from '../model/graph.ts';
import type { CounterexampleFile } from '../harness/counterexample-file.ts';

const REPRO_DIR = dirname(fileURLToPath(import.meta.url));

/** Marks a directory as written by `dlmspec repro` (it may be written over). */
export const MARKER = '.dlmspec-repro';

/**
 * The flags native/build-dsos.ts links a test DSO with (linkFlags), with
 * `$ORIGIN` quoted for a Makefile recipe; repro/generate.test.ts compares the
 * two on a built DSO.
 */
export function dsoFlags(dso: Dso): string[] {
  return linkFlags(dso).map((f) => (f.includes('$ORIGIN') ? `'${f.replace('$ORIGIN', () => '$$ORIGIN')}'` : f));
}

/** The texts dlmspec-repro.h prints for an observation: the terminal's own (harness/format.ts, harness/compare.ts). */
export { resultText, namespacesText };

const eventKey = (e: LifecycleEvent) => `${e.event} ${e.object}@ns${e.ns}`;

export function eventsText(events: readonly LifecycleEvent[]): string {
  return `{${events.map(eventKey).sort().join(', ')}}`;
}

/**
 * Text inside a C comment (block or line): one line of printable ASCII, no
 * comment end, no backslash that could splice the next line into it.
 */
export function cComment(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').replace(/\\/g, '?').replace(/\*\//g, '* /');
}

/** A word for a Makefile target or prerequisite: the names a counterexample file may hold (schema), checked again here. */
export function makeWord(s: string): string {
  if (!/^[A-Za-z0-9_.+-]+$/.test(s) || s.startsWith('.')) throw new Error(`internal: ${JSON.stringify(s)} is not a safe Makefile word`);
  return s;
}

/** Markdown text: nothing read as markup or HTML. */
export function markdownText(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, ' ').replace(/[\\`*_{}[\]()<>#+!|~&]/g, (ch) => `\\${ch}`);
}

/** A C string literal. */
export function cString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else if (ch === '?') out += '\\?'; // no trigraphs
    else out += ch;
  }
  return `${out}"`;
}

function expectation(i: number, e: ExpectedObservation): string[] {
  const lines: string[] = [];
  const order = e.order.map(([a, b]) => `{${cString(eventKey(e.events[a]!))}, ${cString(eventKey(e.events[b]!))}}`);
  if (order.length > 0) lines.push(`static const char *const order${i}[][2] = {${order.join(', ')}};`);
  const alternatives = (e.alternatives ?? []).map((r) => cString(resultText(r)));
  if (alternatives.length > 0) lines.push(`static const char *const alternatives${i}[] = {${alternatives.join(', ')}, NULL};`);
  lines.push(
    `static const struct expect want${i} = {`,
    `  ${cString(resultText(e.result))},`,
    `  ${alternatives.length > 0 ? `alternatives${i}` : 'NULL'},`,
    `  ${cString(namespacesText(e.namespaces))},`,
    `  ${cString(eventsText(e.events))},`,
    `  ${order.length > 0 ? `order${i}, ${order.length}` : 'NULL, 0'},`,
    '};',
  );
  return lines;
}

function callCode(call: Call, i: number, file: (name: string) => string, fatal: boolean): string {
  switch (call.op) {
    case 'dlopen':
      return call.caller === undefined
        ? `void *h${i} = dlopen(${file(call.file)}, ${formatMode(call.mode)});\n  obs_open(${i}, h${i}, ${formatMode(call.mode)}, &want${i});`
        : `void *h${i} = caller_dlopen(h${call.caller}, ${file(call.file)}, ${formatMode(call.mode)});\n  obs_open(${i}, h${i}, ${formatMode(call.mode)}, &want${i});`;
    case 'dlmopen': {
      const lmid = formatLmid(call.lmid);
      return `void *h${i} = dlmopen(${/^-?\d+$/.test(lmid) ? `(Lmid_t)${lmid}` : lmid}, ${file(call.file)}, ${formatMode(call.mode)});\n  obs_open(${i}, h${i}, ${formatMode(call.mode)}, &want${i});`;
    }
    case 'dlclose':
      return call.caller === undefined
        ? `int rc${i} = dlclose(h${call.handle});\n  obs_close(${i}, rc${i}, h${call.handle}, &want${i});`
        : `int rc${i} = caller_dlclose(h${call.caller}, h${call.handle});\n  obs_close(${i}, rc${i}, h${call.handle}, &want${i});`;
    case 'dlsym':
      return `void *s${i} = dlsym(h${call.handle}, ${cString(call.symbol)});\n  obs_sym(${i}, s${i}, &want${i});`;
    case 'dlinfo':
      return `Lmid_t lmid${i} = -1;\n  int rc${i} = dlinfo(h${call.handle}, RTLD_DI_LMID, &lmid${i});\n  obs_info(${i}, rc${i}, lmid${i}, &want${i});`;
    case 'start':
      return `obs_start(${i}, &want${i});`;
    case 'call':
      // A call the spec expects to end the process runs in a child, which must end so (exit status 127).
      return fatal
        ? `obs_call_fatal(${i}, h${call.handle}, ${cString(call.symbol)}, &want${i});`
        : `void *f${i} = dlsym(h${call.handle}, ${cString(call.symbol)});\n  if (f${i}) ((void (*)(void))f${i})();\n  obs_call(${i}, f${i}, &want${i});`;
    case 'exit':
      return `obs_exit(${i}, &want${i});`;
  }
}

function mainC(c: CounterexampleFile): string {
  const steps = runSpec(c.profile, c.graph, c.calls, c.system, { strict: c.strict === true }).steps;
  const system = new Set(c.system.system.map((s) => s.name));
  const inGraph = new Set(c.graph.dsos.map((d) => d.name));
  // As the native driver does: test DSOs (and missing files) by path in the DSO directory, the loader's own objects by name.
  const file = (name: string) => (system.has(name) && !inGraph.has(name) ? cString(name) : `DSO(${cString(name)})`);
  const f = c.finding;
  const header = [
    '/*',
    ` * dlmspec reproducer: ${c.calls.length} calls under the ${c.profile} profile.`,
    ` * Found on: ${cComment(c.implementation)}`,
    ` * Finding: ${cComment(`${f.kind}${f.aspect ? ` in ${f.aspect}` : ''} at call ${f.step}: ${f.message}`)}`,
    ' *',
    ' * After each call the observation is compared with what the dlmspec',
    ' * specification expects (see dlmspec-repro.h). Build with `make`, run with',
    ' * `make run`. The calls:',
    ' */',
    ...c.calls.map((call, i) => `//   ${cComment(formatCall(call, i))}`),
  ];
  const body: string[] = [];
  c.calls.forEach((call, i) => {
    body.push('', `  BEGIN(${i}, ${cString(formatCall(call, i))});`, `  ${callCode(call, i, file, steps[i]?.expected.result.kind === 'fatal')}`);
  });
  return [
    ...header,
    '#include "dlmspec-repro.h"',
    '',
    '/* What the specification expects after each call. */',
    ...steps.flatMap((s) => expectation(s.index, s.expected)),
    '',
    'int main(int argc, char **argv) {',
    // A program with start-up DSOs runs again with the event descriptor in place before its constructors.
    `  repro_init(argc, argv, ${c.calls.length}, ${programNeeded(c.graph).length > 0 ? 1 : 0});`,
    ...body,
    '',
    `  return repro_done(${cString(c.profile)});`,
    '}',
    '',
  ].join('\n');
}

/**
 * LOAD3, CLOSE3: the `glibc.rtld.dynamic_sort` value (1 original, 2 DFS) of
 * the sorter the spec followed at the file's release and tunables, so that
 * a release with another default sorts as the expectations do (2.34 has
 * only the original sorter and ignores the tunable).
 */
function sorterNumber(c: CounterexampleFile): 1 | 2 {
  return sorterOf(runSpec(c.profile, c.graph, [], c.system, { strict: c.strict === true }).ctx) === 'original' ? 1 : 2;
}

/**
 * The program's rule: its sources, and, when the counterexample's program
 * needs test DSOs at start-up, those DSOs in link order (as native/
 * build-programs.ts links the driver for such a graph: no --as-needed, lazy
 * binding, undefined symbols of the DSOs left to the loader, DT_RUNPATH
 * lib/ beside it, the DT_SONAME the graph gives it).
 */
function programRule(c: CounterexampleFile): string[] {
  const needed = programNeeded(c.graph).map((n) => `lib/${makeWord(n)}`);
  const soname = c.graph.program?.soname;
  const flags = ownProgram(c.graph) ? ` -Wl,--no-as-needed -Wl,-z,lazy -Wl,--allow-shlib-undefined -Wl,--enable-new-dtags '-Wl,-rpath,$$ORIGIN/lib'${soname !== undefined ? ` -Wl,-soname,${makeWord(soname)}` : ''}` : '';
  return [
    `main: main.c dlmspec-repro.h audit.h event.h layout.h observe.c observe.h json.c json.h${needed.map((n) => ` ${n}`).join('')}`,
    `\t$(CC) $(CFLAGS_MAIN) -o $@${flags} main.c observe.c json.c${needed.map((n) => ` ${n}`).join('')}`,
  ];
}

/**
 * The Makefile. Nothing of the file's implOptions (loader, library path,
 * environment) goes in: a file never chooses what runs; the user names a
 * loader on make's command line.
 */
function makefile(c: CounterexampleFile): string {
  const dsos = c.graph.dsos;
  const needed = [...new Set(dsos.flatMap((d) => d.needed))].sort().map(makeWord);
  const lines = [
    '# dlmspec reproducer: `make` builds the test DSOs and the program, `make run` runs it.',
    '#',
    '# The DSOs are linked exactly as dlmspec\'s native driver links them. Each one is',
    '# linked against empty stub objects that only carry the sonames of its DT_NEEDED',
    '# entries, so dependency cycles and missing files (a DT_NEEDED name with no DSO',
    '# here) need no special order.',
    '#',
    '# Another loader: make run RTLD=/path/to/ld-linux-x86-64.so.2 RTLD_LIBRARY_PATH=/path/to/glibc/lib',
    '',
    'CC ?= cc',
    'RTLD ?=',
    'RTLD_LIBRARY_PATH ?=',
    // dlmspec's own constant, not the file's, and the sorter the expectations were computed for.
    `RUN_ENV ?= GLIBC_TUNABLES=${DEFAULT_TUNABLES}:glibc.rtld.dynamic_sort=${sorterNumber(c)}`,
    'CFLAGS_MAIN = -O2 -std=gnu11 -Wall -Wextra',
    '',
    `DSOS = ${dsos.map((d) => `lib/${makeWord(d.name)}`).join(' ')}`,
    '',
    '.PHONY: all run clean',
    'all: main $(DSOS)',
    '',
    '# observe.c and json.c are the native driver\'s own: the reproducer sees what it sees.',
    ...programRule(c),
    '',
  ];
  for (const n of needed) {
    lines.push(`stubs/${n}:`, '\t@mkdir -p stubs', `\t$(CC) -shared -nostdlib -Wl,-soname,${n} -x c /dev/null -o $@`, '');
  }
  for (const d of dsos) {
    lines.push(
      `lib/${d.name}: src/${d.name.replace(/\.so$/, '.c')} dso-runtime.h event.h ${d.needed.map((n) => `stubs/${n}`).join(' ')}`.trimEnd(),
      '\t@mkdir -p lib',
      // Stubs by path, not -L/-l: the linker records their sonames, and no stub can stand in for libc.
      `\t$(CC) ${dsoFlags(d).join(' ')} -I. -o $@ $< ${d.needed.map((n) => `stubs/${n}`).join(' ')}`.trimEnd(),
      '',
    );
  }
  lines.push(
    '# As the native driver runs: LD_* variables cleared, room for 16 namespaces of libc copies,',
    '# freed memory poisoned (glibc.malloc.perturb) so that a use after free crashes every time,',
    '# and the dependency sorter (glibc.rtld.dynamic_sort) whose order main.c expects.',
    'run: all',
    '\tenv $(foreach v,$(filter LD_%,$(.VARIABLES)),-u $(v)) $(if $(RTLD_LIBRARY_PATH),$(if $(RTLD),,LD_LIBRARY_PATH=$(RTLD_LIBRARY_PATH))) $(RUN_ENV) \\',
    '\t  $(if $(RTLD),$(RTLD) $(if $(RTLD_LIBRARY_PATH),--library-path $(RTLD_LIBRARY_PATH))) ./main "$(CURDIR)/lib"',
    '',
    'clean:',
    '\trm -rf main lib stubs',
    '',
  );
  return lines.join('\n');
}

function readme(c: CounterexampleFile): string {
  return [
    `# dlmspec reproducer`,
    '',
    `${c.calls.length} calls under the \`${c.profile}\` profile; found on ${markdownText(c.implementation)}.`,
    '',
    '```c',
    ...c.calls.map((call, i) => formatCall(call, i)),
    '```',
    '',
    `Finding: ${c.finding.kind}${c.finding.aspect ? ` in ${c.finding.aspect}` : ''} at call ${c.finding.step}.`,
    '',
    '- `make` builds the test DSOs into `lib/` and the program `main`;',
    '- `make run` runs it: each call is printed, then `ok: ...` or the divergence as',
    '  `expected ... / actual ...`; the exit status is 1 at the first divergence, 0 if',
    '  every call behaves as the specification expects.',
    '- `make run RTLD=/path/ld-linux-x86-64.so.2 RTLD_LIBRARY_PATH=/path/lib` runs it under',
    '  another loader (e.g. a glibc built with the RTLD_SHARED series).',
    '',
    '`counterexample.json` is the dlmspec counterexample this was generated from.',
    '',
  ].join('\n');
}

/** Every file of the reproducer, by path relative to its directory. */
export function reproFiles(c: CounterexampleFile): Map<string, string> {
  const files = new Map<string, string>();
  files.set('main.c', mainC(c));
  files.set('Makefile', makefile(c));
  files.set('README.md', readme(c));
  files.set('dlmspec-repro.h', readFileSync(join(REPRO_DIR, 'dlmspec-repro.h'), 'utf8'));
  for (const f of ['audit.h', 'event.h', 'layout.h', 'observe.c', 'observe.h', 'json.c', 'json.h']) files.set(f, readFileSync(join(NATIVE_DIR, f), 'utf8'));
  files.set('dso-runtime.h', readFileSync(join(NATIVE_DIR, 'dso-runtime.h'), 'utf8'));
  for (const d of c.graph.dsos) files.set(`src/${d.name.replace(/\.so$/, '.c')}`, dsoSource(d));
  files.set('counterexample.json', JSON.stringify(c, null, 2) + '\n');
  files.set(MARKER, 'written by dlmspec repro; `dlmspec repro --out` may write over this directory\n');
  return files;
}
