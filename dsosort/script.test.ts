/**
 * The importer reads the description language as glibc's own script does:
 * each shipped copy's scripts/dso-ordering-test.py is run on that copy's
 * description files (python3, as glibc's build runs it; skipped without
 * python3), and what it generates is compared with what `dlmspec import`
 * makes of the same file: the cases (one .exp per test and tunable), each
 * object's DT_NEEDED in link order (the Makefile's prerequisites), the
 * program's own, each object's calls (the generated C), and the expected
 * output, written back from the imported table in the script's notation.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Scenario } from '../scenarios/scenario.ts';
import { DSO_SORT_COPIES, DSO_SORT_DIR } from './copies.ts';
import { importDef } from './import.ts';

const python = spawnSync('python3', ['--version']).status === 0;
if (!python) console.warn('dsosort/script.test.ts: skipped: no python3 to run glibc\'s dso-ordering-test.py');

const FILES = ['dso-sort-tests-1.def', 'dso-sort-tests-2.def'];
const work = mkdtempSync(join(tmpdir(), 'dlmspec-dso-script-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The script's object name of a DSO file name (scenarios.ts dsoOf, read backwards). */
const objOf = (file: string): string => file.replace(/^lib/, '').replace(/_?\.so$/, '').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** A table's expectations in the script's output notation: `a>b>{+c[c>];%c(d());-c[<c];}<a<b`. */
function outputOf(s: Scenario): string {
  const obj = (o: string) => objOf(o);
  const trace = (i: number) => s.rows[i]!.expect.trace ?? [];
  const ctors = (i: number) => trace(i).map((e) => `${obj(e.object)}>`).join('');
  const dtors = (i: number) => trace(i).map((e) => `<${obj(e.object)}`).join('');
  const ops = s.rows.slice(1, -1).map((row, k) => {
    const i = k + 1;
    const call = row.call;
    if (call.op === 'dlopen') return `${call.mode & 0x100 ? '+' : '^'}${obj(call.file)}[${ctors(i)}]`;
    const target = s.rows[(call as { handle: number }).handle]!.call as { file: string };
    if (call.op === 'dlclose') return `-${obj(target.file)}[${dtors(i)}]`;
    return `%${trace(i).map((e) => (e.event === 'enter' ? `${obj(e.object)}(` : ')')).join('')}`;
  });
  return `${ctors(0)}{${ops.map((o) => `${o};`).join('')}}${dtors(s.rows.length - 1)}`;
}

/** What the script generated for one description file. */
interface Generated {
  /** Each run of the script's shell drivers, `program|tunables`, -> the text of the .exp its output is compared with. */
  readonly runs: Map<string, string>;
  /** `test-obj` (or `test` for its program) -> its prerequisites in link order, as `test-obj` names. */
  readonly links: Map<string, string[]>;
  readonly dir: string;
}

function generate(copyDir: string, file: string): Generated {
  const out = join(work, copyDir, file);
  const src = join(DSO_SORT_DIR, copyDir, 'src');
  execFileSync('mkdir', ['-p', out]);
  execFileSync('python3', [join(src, 'dso-ordering-test.py'), '-f', join(src, file), '--objpfx', `${out}/`, '-m', join(out, 'Makefile')], { cwd: out, stdio: ['ignore', 'ignore', 'pipe'] });
  const gen = join(out, 'dso-sort-tests-src');
  const runs = new Map<string, string>();
  for (const sh of readdirSync(gen).filter((f) => f.endsWith('.sh'))) {
    // One run per line that starts the program (`[GLIBC_TUNABLES=...] ${test_wrapper_env} ${run_program_env} [GLIBC_TUNABLES=...] \`; the copies differ), then `diff -wu OUTPUT EXP`.
    for (const chunk of readFileSync(join(gen, sh), 'utf8').split(/\n(?=[^\n]*\$\{run_program_env\} )/).slice(1)) {
      const first = chunk.slice(0, chunk.indexOf('\n'));
      const program = /elf\/[^/\s]+-dir\/(\S+) > \\/.exec(chunk)?.[1];
      const exp = /dso-sort-tests-src\/(\S+\.exp)/.exec(chunk)?.[1];
      if (program === undefined || exp === undefined) throw new Error(`${sh}: a run this test cannot read:\n${chunk}`);
      runs.set(`${program}|${/GLIBC_TUNABLES=(\S+)/.exec(first)?.[1] ?? ''}`, readFileSync(join(gen, exp), 'utf8'));
    }
  }
  const links = new Map<string, string[]>();
  // `$(objpfx)T-dir/T-a.so: $(objpfx)T-dir/T-b.so ...` and the program's `$(objpfx)T-dir/T: ...so`. A link-time cycle is
  // closed with `T-b.FAKE.so`, an empty object whose DT_SONAME is T-b.so's (`gen_link_deps`): the DT_NEEDED names T-b.so.
  for (const line of readFileSync(join(out, 'Makefile'), 'utf8').split('\n')) {
    const m = /^\$\(objpfx\)[^/]+\/([^:\s]+?)(\.so)?: (\$\(objpfx\)[^/]+\/[^\s]+\.so(?: |$))+/.exec(line);
    if (m === null) continue;
    const prereqs = line.slice(line.indexOf(': ') + 2).trim().split(/\s+/).map((p) => p.replace(/^\$\(objpfx\)[^/]+\//, '').replace(/\.so$/, '').replace(/\.FAKE$/, ''));
    links.set(m[1]!, [...(links.get(m[1]!) ?? []), ...prereqs]);
  }
  return { runs, links, dir: gen };
}

/** The script's program of a case: the case's name without its tunable. */
const programOf = (c: { name: string; tunable: string }): string => c.name.slice(0, c.tunable === '' ? undefined : -(c.tunable.length + 1));

/** The calls the script's C source of `test-obj` makes, in order: `fn_b ();`. */
const callsIn = (g: Generated, testObj: string): string[] => [...readFileSync(join(g.dir, `${testObj}.c`), 'utf8').matchAll(/^\s*(fn_\w+) \(\);/gm)].map((m) => m[1]!);

describe.skipIf(!python).each(DSO_SORT_COPIES.flatMap((c) => FILES.map((f) => [`${c.dir} ${f}`, c.dir, f] as const)))('%s, as its own dso-ordering-test.py reads it', (_label, copyDir, file) => {
  const text = readFileSync(join(DSO_SORT_DIR, copyDir, 'src', file), 'utf8');
  const cases = importDef(text, { origin: copyDir, file: `elf/${file}` });
  const generated = (() => {
    let g: Generated | undefined;
    return () => (g ??= generate(copyDir, file));
  })();

  test('the same cases: one per run of the script\'s shell drivers (program and tunables), none skipped', () => {
    expect(cases.map((c) => `${programOf(c)}|${c.tunable}`).sort()).toEqual([...generated().runs.keys()].sort());
    expect(cases.filter((c) => c.scenario === null).map((c) => `${c.name}: ${c.reason}`)).toEqual([]);
  });

  test('each object\'s DT_NEEDED and the program\'s, in the script\'s link order; each object\'s calls, in its order', () => {
    const g = generated();
    const wrong: string[] = [];
    for (const c of cases) {
      const test = programOf(c);
      const graph = c.scenario!.graph;
      const program = (g.links.get(test) ?? []).map((p) => p.slice(test.length + 1));
      const ours = (graph.program?.needed ?? []).map(objOf);
      // The script links the program with every object nothing depends on when `{}` names none; dlmspec says the same through graph.program.
      if (JSON.stringify(program) !== JSON.stringify(ours)) wrong.push(`${c.name}: the program needs ${program.join(' ')} (script), ${ours.join(' ')} (imported)`);
      for (const d of graph.dsos) {
        const o = objOf(d.name);
        const needed = (g.links.get(`${test}-${o}`) ?? []).map((p) => p.slice(test.length + 1));
        if (JSON.stringify(needed) !== JSON.stringify(d.needed.map(objOf))) wrong.push(`${c.name}: ${o} needs ${needed.join(' ')} (script), ${d.needed.map(objOf).join(' ')} (imported)`);
        const calls = callsIn(g, `${test}-${o}`);
        if (JSON.stringify(calls) !== JSON.stringify(d.calls ?? [])) wrong.push(`${c.name}: ${o} calls ${calls.join(' ')} (script), ${(d.calls ?? []).join(' ')} (imported)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('every expected output, written back from the imported table, is the script\'s .exp (as its diff -w reads it)', () => {
    const g = generated();
    const wrong: string[] = [];
    let compared = 0;
    for (const c of cases) {
      if (c.xfail) continue; // The table states no trace for an XFAIL output (scenarios.ts): the spec alone judges it.
      compared++;
      const ours = outputOf(c.scenario!);
      const script = g.runs.get(`${programOf(c)}|${c.tunable}`)!.replace(/\s+/g, '');
      if (ours !== script) wrong.push(`${c.name}:\n  script:   ${script.slice(0, 400)}\n  imported: ${ours.slice(0, 400)}`);
    }
    expect(compared).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });
});
