/**
 * The rows of the compatibility matrix: the behaviours a reader looks for,
 * grouped as they think of them, each a rule of CONFORMANCE.md said in a
 * line (matrix/rows.test.ts keeps the two in step).
 */
import type { Profile } from '../spec/profile.ts';

export interface RuleRow {
  readonly rule: string;
  /** What a reader looks for, in a line. */
  readonly title: string;
  /** The loaders it is a rule of: `rtld-shared` for the series' rules, else every loader. */
  readonly profiles: readonly Profile[];
  /** The sweep it is judged from: `audit` for the audit rules, else the plain one. */
  readonly mode: 'plain' | 'audit';
}

export interface RuleGroup {
  readonly title: string;
  readonly rows: readonly RuleRow[];
}

const both: readonly Profile[] = ['glibc', 'rtld-shared'];
const row = (rule: string, title: string, profiles = both): RuleRow => ({ rule, title, profiles, mode: rule.startsWith('AUD') ? 'audit' : 'plain' });

export const RULE_GROUPS: readonly RuleGroup[] = [
  {
    title: 'Namespaces',
    rows: [
      row('NS1', 'LM_ID_NEWLM takes the lowest free namespace; an emptied one is taken again'),
      row('NS2', 'with 15 secondary namespaces in use, LM_ID_NEWLM fails: "no more namespaces"'),
      row('NS3', 'an explicit namespace out of range, or empty, is refused'),
      row('NS4', 'ld.so is never loaded twice: each namespace gets a stand-in of it'),
      row('NS5', 'a libc-linked object brings a libc copy of its own into each namespace'),
      row('CALLER1', 'dlopen from code in a namespace loads into that namespace'),
      row('INFO1', 'dlinfo(RTLD_DI_LMID) names the namespace of the entry'),
    ],
  },
  {
    title: 'Opening',
    rows: [
      row('MODE1', 'neither RTLD_LAZY nor RTLD_NOW: "invalid mode for dlopen()"'),
      row('MODE2', 'dlmopen with RTLD_GLOBAL outside namespace 0: "invalid mode"'),
      row('MODE3', 'RTLD_NOLOAD finds a loaded object, else a quiet NULL'),
      row('MODE4', 'RTLD_NODELETE and DF_1_NODELETE keep an object loaded'),
      row('MODE5', 'dlmopen ignores mode bits it does not know'),
      row('MODE6', 'dlopen refuses mode bits it does not know: "invalid mode parameter"'),
      row('LOAD1', 'a name already loaded in the namespace is the same handle again'),
      row('LOAD2', 'new objects are appended: the object, then its DT_NEEDED breadth-first'),
      row('LOAD3', 'constructors run once, in the exact order of the release\'s sorter'),
      row('LOAD4', 'a failed open leaves no trace'),
      row('LOAD5', 'RTLD_NOW fails on an undefined symbol; RTLD_LAZY defers it'),
      row('LOAD6', 'a missing file or DT_NEEDED: "cannot open shared object file"'),
    ],
  },
  {
    title: 'Closing and unloading',
    rows: [
      row('CLOSE1', 'the last dlclose unloads what no root still needs, cycles included'),
      row('CLOSE2', 'dlclose of a nodelete object succeeds and unloads nothing'),
      row('CLOSE3', 'destructors run when an object is unloaded, in the sorter\'s exact order, the closed object first'),
      row('CLOSE4', 'dlclose of an object no longer open: "shared object not open"'),
      row('CLOSE5', 'a kept dependency-only object gets a search list of itself and its DT_NEEDED'),
    ],
  },
  {
    title: 'Symbols',
    rows: [
      row('SYM1', 'dlsym searches the handle\'s object, then its dependencies breadth-first'),
      row('SYM2', 'a symbol not found: "undefined symbol"'),
      row('SYM3', 'a function\'s calls are bound in its scope: the global scope (RTLD_GLOBAL), then its own search list'),
      row('SYM4', 'a binding outside the caller\'s dependencies keeps its object loaded and orders destructors'),
    ],
  },
  {
    title: 'The process: start-up, calls, exit',
    rows: [
      row('PROC1', 'the program\'s own DT_NEEDED are loaded and constructed before main, in the sorter\'s order'),
      row('PROC2', 'a call runs the function and the calls it makes, bound lazily or at load'),
      row('PROC3', 'exit runs every destructor left, namespace by namespace, in the sorter\'s order'),
    ],
  },
  {
    title: 'Auditing (LD_AUDIT)',
    rows: [
      row('AUD1', 'an audit module takes a namespace of its own; LM_ID_NEWLM starts after it'),
      row('AUD2', 'la_objopen for each object an open adds, in order, with its namespace'),
      row('AUD3', 'la_objclose for each object a dlclose removes'),
      row('AUD4', 'LA_ACT_ADD and LA_ACT_CONSISTENT around an open, per namespace'),
      row('AUD5', 'LA_ACT_DELETE and LA_ACT_CONSISTENT around a dlclose, per namespace'),
      row('AUD6', 'calls that fail report no audit event (a failed open is not judged)'),
      row('AUD7', 'at exit: la_activity around each namespace\'s la_objclose calls, the ld.so stand-in\'s included'),
    ],
  },
  {
    title: 'RTLD_SHARED (the series under review)',
    rows: [
      ['S1', 'RTLD_SHARED into namespace 0 is a plain dlopen'],
      ['S2', 'RTLD_SHARED into N: the object in namespace 0, a proxy of it in N'],
      ['S3', 'a proxy already in N is returned again'],
      ['S4', 'a real object of N is never demoted to a proxy: EEXIST'],
      ['S5', 'a proxy pins its master in namespace 0'],
      ['S6', 'a proxy has no constructor or destructor; closing it unloads nothing in namespace 0'],
      ['S7', 'symbols looked up through a proxy are its master\'s'],
      ['S8', 'a UNIQUE object is shared as if RTLD_SHARED were given, as a dependency too'],
      ['S9', 'RTLD_ISOLATE turns all sharing off for the call'],
      ['S10', 'a UNIQUE object N holds as a private copy cannot be shared into N'],
      ['S11', 'RTLD_NOLOAD | RTLD_SHARED proxies a master namespace 0 holds'],
      ['S12', 'RTLD_GLOBAL into N is still "invalid mode"'],
      ['S13', 'namespace 0 holds no proxy; no proxy points at a proxy'],
    ].map(([rule, title]) => row(rule!, title!, ['rtld-shared'])),
  },
];

export const RULE_ROWS: readonly RuleRow[] = RULE_GROUPS.flatMap((g) => g.rows);
