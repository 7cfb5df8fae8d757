/**
 * glibc's DSO-sorting test descriptions (`elf/dso-sort-tests-*.def`), read
 * as `scripts/dso-ordering-test.py` reads them: line by line (comments
 * dropped), `tunable_option:` and `clear_tunables` changing the default
 * tunables, `NAME: description` (or `xtest(NAME): ...`) starting a test
 * whose later lines add to its description, `output:` /
 * `output(TUNABLE):` / `xfail_output...:` its expected outputs. A test is
 * processed when the next one starts or the file ends, with the default
 * tunables as they are then (the script's global `default_tunable_options`).
 * Then each test's description is tokenised and folded into a test
 * description exactly as `parse_description_string` does.
 *
 * Nothing of a file is executed: it becomes data (testcase.ts makes cases
 * of it, scenarios.ts scenario tables).
 */

export class DefError extends Error {
  override readonly name = 'DefError';
}

/** One expected output: the text, and whether the script marks it XFAIL. */
export interface ExpectedOutput {
  readonly output: string;
  readonly xfail: boolean;
}

/** A test as the script holds it once parsed (its `TestDescr`). */
export interface TestDescr {
  readonly name: string;
  readonly line: number;
  readonly xtest: boolean;
  /** Objects in the order they were first named ('#' is the program, never listed). */
  readonly objs: string[];
  /** object -> its link dependencies, in order ('#' the program, '*' the objects nothing depends on). */
  readonly deps: Map<string, string[]>;
  /** object -> the objects its fn_ calls, in order ('#' the program's `%`/`@` targets). */
  readonly callrefs: Map<string, string[]>;
  /** Objects whose dependencies are permuted (`!`), in the order the `!` came. */
  readonly permute: string[];
  /** object -> the object whose file name its DT_SONAME is ('#' the program). */
  readonly soname: Map<string, string>;
  /** The program's operations (`+a`, `^a`, `%a`, `@a`, `-a`), or null without a `{...}`. */
  mainProgram: string[] | null;
  /** Whether the program gets the default dependencies (no `{}` was written). */
  mainDefaultDeps: boolean;
  /** tunable ('' for the default ones) -> expected output. */
  readonly expected: Map<string, ExpectedOutput>;
  /** The default tunables when the test was processed (`tunable_option` lines then in effect). */
  defaultTunables: string[];
}

/** The tests of a description file, each with the default tunables of its processing. */
export function parseDefFile(text: string): TestDescr[] {
  const tests: TestDescr[] = [];
  let defaults: string[] = [];
  let t: TestDescr | null = null;
  const finish = () => {
    if (t !== null) {
      t.defaultTunables = [...defaults];
      tests.push(t);
    }
  };
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = raw.replace(/#.*$/, '').trim();
    const fail = (msg: string): never => {
      throw new DefError(`line ${n}: ${msg}`);
    };
    let m = /^tunable_option:\s*(.*)$/.exec(line);
    if (m) {
      if (m[1] === '') fail('tunable option cannot be empty');
      defaults.push(m[1]!);
      return;
    }
    if (/^clear_tunables$/.test(line)) {
      defaults = [];
      return;
    }
    m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) {
      const lhs = m[1]!;
      let o = /^output(.*)$/.exec(lhs);
      let xfail = false;
      if (!o) {
        o = /^xfail_output(.*)$/.exec(lhs);
        if (o) xfail = true;
      }
      if (o) {
        if (t === null) fail('output specification without testcase description');
        let tunable = '';
        if (o[1]) {
          const ts = /^\(([a-zA-Z0-9_.=]*)\)$/.exec(o[1]);
          if (!ts) fail(`tunable option malformed '${o[1]}'`);
          tunable = ts![1]!;
        }
        t!.expected.set(tunable, { output: m[2]!, xfail });
        return;
      }
      finish();
      const x = /^xtest\((.*)\)$/.exec(lhs);
      t = newTest(x ? x[1]! : lhs, Boolean(x), n);
      describe(t, m[2]!, n);
      return;
    }
    if (line) {
      if (t === null) fail('no active testcase description');
      describe(t!, line, n);
    }
  });
  finish();
  return tests;
}

function newTest(name: string, xtest: boolean, line: number): TestDescr {
  return { name, line, xtest, objs: [], deps: new Map(), callrefs: new Map(), permute: [], soname: new Map(), mainProgram: null, mainDefaultDeps: true, expected: new Map(), defaultTunables: [] };
}

const add = (map: Map<string, string[]>, srcs: readonly string[], dsts: readonly string[]) => {
  for (const s of srcs) {
    for (const d of dsts) {
      const list = map.get(s) ?? [];
      if (!list.includes(d)) list.push(d);
      map.set(s, list);
    }
  }
};
const note = (t: TestDescr, o: string) => {
  if (!t.objs.includes(o)) t.objs.push(o);
};

/** `expand_object_set_string`: `(foo1 bar2-5)`, names and integer-suffixed ranges. */
function expandSet(text: string, fail: (m: string) => never): string[] {
  const out: string[] = [];
  for (const descr of text.split(/\s+/).filter((w) => w !== '')) {
    const m = /^([a-zA-Z][0-9a-zA-Z]*)(-[0-9]+)?$/.exec(descr);
    if (!m) fail(`'${descr}' is not a valid object set description`);
    const obj = m![1]!;
    if (!m![2]) {
      if (!out.includes(obj)) out.push(obj);
      continue;
    }
    const end = Number(m![2].slice(1));
    const r = /^([0-9a-zA-Z][a-zA-Z]*)([0-9]+)$/.exec(obj);
    if (!r) fail(`object description '${obj}' is malformed`);
    const start = Number(r![2]);
    if (start > end) fail(`index range ${start}-${end} invalid`);
    for (let i = start; i <= end; i++) if (!out.includes(`${r![1]}${i}`)) out.push(`${r![1]}${i}`);
  }
  return out;
}

/** The script's token regular expression, alternative by alternative, in its order. */
const TOKEN = /(?<SONAME>soname\(([0-9a-zA-Z{}]+)\)=([0-9a-zA-Z]+))|(?<OBJ>([0-9a-zA-Z]+))|(?<DEP>->)|(?<CALLREF>=>)|(?<OBJSET>\[([0-9a-zA-Z]+)\])|(?<OBJSET2>\(([0-9a-zA-Z \-]+)\))|(?<OBJSET3>\*)|(?<PROG>\{([0-9a-zA-Z;+^\-%@]*)\})|(?<PERMUTE>!)|(?<SEMICOL>;)|(?<ERROR>.)/g;

/** `parse_description_string`: one description line folded into the test. */
export function describe(t: TestDescr, text: string, line: number): void {
  const fail = (msg: string): never => {
    throw new DefError(`line ${line}: ${msg}`);
  };
  let curr: string[] = [];
  let inDep = false;
  let inCallref = false;
  const clear = () => {
    inDep = inCallref = false;
  };
  const targets = (objs: string[]) => {
    if (inDep) add(t.deps, curr, objs);
    else if (inCallref) add(t.callrefs, curr, objs);
  };
  /** Objects named: the targets of a pending ->/=>, then the current set. */
  const named = (objs: string[]) => {
    targets(objs);
    clear();
    curr = objs;
    for (const o of objs) note(t, o);
  };
  for (const m of text.matchAll(TOKEN)) {
    const g = m.groups!;
    const value = m[0];
    if (g.SONAME !== undefined) {
      const s = /^soname\(([0-9a-zA-Z{}]+)\)=([0-9a-zA-Z]+)$/.exec(value)!;
      let obj = s[1]!;
      if (obj === '{}') {
        if (t.soname.has('#')) fail('soname of main program already set');
        obj = '#';
      } else {
        if (/[{}]/.test(obj)) fail(`invalid object name '${obj}'`);
        if (!t.objs.includes(obj)) fail(`'${obj}' is not name of already defined object`);
        if (t.soname.has(obj)) fail(`'${obj}' already has soname of '${t.soname.get(obj)}' set`);
      }
      t.soname.set(obj, s[2]!);
    } else if (g.OBJ !== undefined) {
      named([value]);
    } else if (g.OBJSET !== undefined) {
      named([...value.slice(1, -1)]);
    } else if (g.OBJSET2 !== undefined) {
      const objs = expandSet(value.slice(1, -1), fail);
      if (objs.length === 0) fail(`empty object set '${value}'`);
      named(objs);
    } else if (g.OBJSET3 !== undefined) {
      if (!inDep && !inCallref) fail("non-dependence target set '*' can only be used as target of ->/=> operations");
      targets(['*']);
      clear();
      curr = ['*'];
    } else if (g.PERMUTE !== undefined) {
      if (inDep || inCallref) fail('syntax error, permute operation invalid here');
      if (curr.length === 0) fail('syntax error, no objects to permute here');
      for (const o of curr) if (!t.permute.includes(o)) t.permute.push(o);
    } else if (g.PROG !== undefined) {
      if (t.mainProgram !== null && t.mainProgram.length > 0) fail('cannot have more than one main program');
      if (inDep) fail('objects cannot have dependency on main program');
      if (inCallref) add(t.callrefs, curr, ['#']);
      mainProgram(t, value.slice(1, -1), fail);
      clear();
      curr = ['#'];
    } else if (g.DEP !== undefined || g.CALLREF !== undefined) {
      if (inDep || inCallref) fail('syntax error, multiple contiguous ->,=> operations');
      if (curr.includes('*')) fail("non-dependence target set '*' can only be used as target of ->/=> operations");
      if (g.DEP !== undefined) inDep = true;
      else inCallref = true;
    } else if (g.SEMICOL !== undefined) {
      curr = [];
      clear();
    } else {
      fail(`unknown token '${value}'`);
    }
  }
}

/** `process_main_program`: the `{...}` operations. */
function mainProgram(t: TestDescr, text: string, fail: (m: string) => never): void {
  if (text) t.mainProgram = text.split(';');
  for (const s of t.mainProgram ?? []) {
    const m = /^([+\-%^@])([0-9a-zA-Z]+)$/.exec(s);
    if (!m) fail(`'${s}' is not recognized main program operation`);
    note(t, m![2]!);
    if (m![1] === '%' || m![1] === '@') add(t.callrefs, ['#'], [m![2]!]);
  }
  t.mainProgram ??= [];
  t.mainDefaultDeps = false;
}
