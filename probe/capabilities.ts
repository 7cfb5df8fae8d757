/**
 * What `dlmspec probe` checks: the capabilities a project that isolates
 * libraries with dlmopen asks about, each a small real check run in a
 * process of its own (native/probe.c, native/probe-lib.c). Their names are
 * stable (`probe --list`, `--require`): add new ones, never rename.
 *
 * Where a capability is also a rule of the spec, `spec` says what the spec
 * expects of a loader at a release (its rules, ranges and known loader
 * bugs, run on a small model of the check), and probe/probe.test.ts checks
 * that the loaders agree. The others are observations the spec does not
 * model (the secondary libc's own services, static TLS room): each says
 * what it runs and what counts as working (README, CONFORMANCE.md "Probe").
 */
import type { Call } from '../model/call.ts';
import type { Dso } from '../model/dso.ts';
import { LM_ID_NEWLM, RTLD_GLOBAL, RTLD_ISOLATE, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';
import type { Release } from '../model/release.ts';
import { knownBug } from '../generators/known-bugs.ts';
import { withAuditor } from '../spec/audit.ts';
import { referenceSystem } from '../spec/initial.ts';
import { affects, LOADER_BUGS } from '../spec/loader-bugs.ts';
import type { Profile } from '../spec/profile.ts';
import { formatRelease } from '../model/release.ts';
import { runSpec } from '../spec/run.ts';
import type { Step } from '../spec/step.ts';

export type ProbeStatus = 'works' | 'fails' | 'crashes' | 'timeout';

export interface Capability {
  /** Stable name: `probe --require NAME`. */
  readonly name: string;
  /** What a reader asks, in a line. */
  readonly title: string;
  /** What the check runs. */
  readonly runs: string;
  /** What counts as works. */
  readonly works: string;
  /** native/probe.c's check. */
  readonly check: string;
  /** The environment the check runs in: GLIBC_TUNABLES beyond freed-memory poisoning, an audit module. */
  readonly tunables?: string;
  readonly audit?: boolean;
  /** The spec's own answer at a release, for a capability that is also a rule of it. */
  readonly spec?: SpecAnswer;
  /** The rules the spec answer rests on. */
  readonly rules?: readonly string[];
}

/** A small model of the check: its calls, and how the spec's steps answer. */
interface SpecAnswer {
  readonly calls: readonly Call[];
  readonly audit?: boolean;
  readonly answer: (steps: readonly Step[]) => 'works' | 'fails';
}

const newlm = (file: string, mode = RTLD_NOW): Call => ({ op: 'dlmopen', lmid: LM_ID_NEWLM, file, mode });
const handleIn = (s: Step | undefined, proxy?: boolean) => s?.expected.result.kind === 'handle' && (proxy === undefined || s.expected.result.proxy === proxy);
const lmidOf = (s: Step | undefined) => (s?.expected.result.kind === 'handle' ? s.expected.result.ns : -1);

export const CAPABILITIES: readonly Capability[] = [
  {
    name: 'dlmopen-libc',
    title: 'a DSO with its own libc in a new namespace, and dlinfo naming it',
    runs: 'dlmopen(LM_ID_NEWLM) of a libc-linked DSO, dlinfo(RTLD_DI_LMID) on it, the namespace\'s list walked, malloc called there',
    works: 'the handle\'s namespace is 1 or more, lists libc.so.6 once, and that libc serves malloc',
    check: 'dlmopen-libc',
    rules: ['NS1', 'NS5', 'INFO1'],
    spec: { calls: [newlm('libp.so')], answer: ([s]) => (lmidOf(s) >= 1 ? 'works' : 'fails') },
  },
  {
    name: 'namespaces-default',
    title: 'how many namespaces with a libc copy each, default tunables',
    runs: 'dlmopen(LM_ID_NEWLM) of a libc-linked DSO until it fails, no GLIBC_TUNABLES',
    works: 'all 15 secondary namespaces (14 under an audit module); else the count and the error that stopped it (static TLS)',
    check: 'namespaces',
  },
  {
    name: 'namespaces-nns',
    title: 'how many namespaces with glibc.rtld.nns=16',
    runs: 'the same with GLIBC_TUNABLES=glibc.rtld.nns=16 (static TLS room for 16 libc copies)',
    works: 'all 15 secondary namespaces, then "no more namespaces available for dlmopen()"',
    check: 'namespaces',
    tunables: 'glibc.rtld.nns=16',
    rules: ['NS1', 'NS2'],
    spec: {
      calls: [...Array.from({ length: 15 }, () => newlm('libp.so')), newlm('libp.so')],
      answer: (steps) => (steps.slice(0, 15).every((s) => handleIn(s)) && steps[15]?.expected.result.kind === 'null' ? 'works' : 'fails'),
    },
  },
  {
    name: 'dlopen-in-ns',
    title: 'dlopen called from code inside a namespace',
    runs: 'dlopen(RTLD_NOW) of a second DSO from code in a new namespace, dlinfo on what it returns',
    works: 'it loads into that namespace, not namespace 0',
    check: 'dlopen-in-ns',
    rules: ['CALLER1'],
    spec: { calls: [newlm('libp.so'), { op: 'dlopen', file: 'libq.so', mode: RTLD_NOW, caller: 0 }], answer: ([a, b]) => (lmidOf(b) === lmidOf(a) && lmidOf(a) >= 1 ? 'works' : 'fails') },
  },
  {
    name: 'dlopen-global-in-ns',
    title: 'dlopen with RTLD_GLOBAL from code inside a namespace',
    runs: 'the same with RTLD_NOW | RTLD_GLOBAL',
    works: 'it loads into that namespace',
    check: 'dlopen-global-in-ns',
    rules: ['CALLER1', 'MODE2'],
    spec: { calls: [newlm('libp.so'), { op: 'dlopen', file: 'libq.so', mode: RTLD_NOW | RTLD_GLOBAL, caller: 0 }], answer: ([a, b]) => (lmidOf(b) === lmidOf(a) ? 'works' : 'fails') },
  },
  {
    name: 'dlsym-in-ns',
    title: 'dlsym and dlerror from code inside a namespace',
    runs: 'dlsym from code in a new namespace on a DSO it dlopened there: a symbol it defines, then one it does not',
    works: 'the symbol is found; the missing one gives NULL and "undefined symbol" from that namespace\'s dlerror',
    check: 'dlsym-in-ns',
    rules: ['SYM1', 'SYM2'],
    spec: {
      calls: [newlm('libp.so'), { op: 'dlopen', file: 'libq.so', mode: RTLD_NOW, caller: 0 }, { op: 'dlsym', handle: 1, symbol: 'f0' }, { op: 'dlsym', handle: 1, symbol: 'nosuchsym' }],
      answer: ([, , found, missing]) => (found?.expected.result.kind === 'symbol' && missing?.expected.result.kind === 'null' ? 'works' : 'fails'),
    },
  },
  {
    name: 'dlerror-in-ns',
    title: 'dlerror inside a namespace after a failed dlopen there',
    runs: 'dlopen of a file that does not exist, from code in a new namespace; dlerror there and in namespace 0',
    works: 'that namespace\'s dlerror says "cannot open shared object file"',
    check: 'dlerror-in-ns',
    rules: ['LOAD6'],
    spec: { calls: [newlm('libp.so'), { op: 'dlopen', file: 'libmissing.so', mode: RTLD_NOW, caller: 0 }], answer: ([, b]) => (b?.expected.result.kind === 'null' && /cannot open shared object file/.test(b.expected.result.error ?? '') ? 'works' : 'fails') },
  },
  {
    name: 'namespace-reuse',
    title: 'a namespace emptied by dlclose, taken again by LM_ID_NEWLM, with a usable new libc copy',
    runs: 'dlmopen(LM_ID_NEWLM), dlclose, dlmopen(LM_ID_NEWLM) again; malloc, ctype, strerror and TLS in the new libc copy',
    works: 'the same namespace is taken again and its new libc copy serves all four',
    check: 'namespace-reuse',
    rules: ['NS1'],
    spec: { calls: [newlm('libp.so'), { op: 'dlclose', handle: 0 }, newlm('libp.so')], answer: ([a, , c]) => (lmidOf(c) === lmidOf(a) ? 'works' : 'fails') },
  },
  {
    name: 'libc-reload',
    title: 'a namespace that keeps other objects gets a second libc copy after a dlclose unloaded its first',
    runs: 'a nodelete -nostdlib DSO in a new namespace N; dlmopen(N) of a libc-linked DSO, dlclose, dlmopen(N) again; ctype, malloc, strerror in the second copy',
    works: 'the second open succeeds and its libc copy serves all three',
    check: 'libc-reload',
    rules: ['CLOSE1', 'NS5'],
    spec: {
      calls: [newlm('libk.so'), { op: 'dlmopen', lmid: 1, file: 'libp.so', mode: RTLD_NOW }, { op: 'dlclose', handle: 1 }, { op: 'dlmopen', lmid: 1, file: 'libp.so', mode: RTLD_NOW }],
      answer: ([, , , d]) => (handleIn(d) ? 'works' : 'fails'),
    },
  },
  ...(
    [
      ['ctype', 'ctype (isalpha, toupper) in the namespace\'s libc, on the loading thread', 'isalpha, isdigit, isspace, toupper, tolower called from code in a new namespace', 'each answers as in the C locale'],
      ['ctype-thread', 'ctype in the namespace\'s libc, on a thread that code there creates', 'the same on a thread created by pthread_create from code in the namespace', 'each answers as in the C locale'],
      ['setlocale', 'setlocale in the namespace\'s libc', 'setlocale(LC_ALL, "") and setlocale(LC_ALL, "C") from code in a new namespace, and from namespace 0', 'the namespace\'s answers are namespace 0\'s'],
      ['strerror', 'strerror in the namespace\'s libc', 'strerror(ENOENT) from code in a new namespace', '"No such file or directory"'],
      ['malloc', 'malloc and free in the namespace\'s libc', 'malloc, realloc (contents kept), calloc (zeroed) and free of 1 byte to 4 MiB from code in a new namespace', 'every call succeeds as specified'],
      ['pthread-create', 'pthread_create from code in a namespace', 'pthread_create and pthread_join from code in a new namespace', 'the thread runs and is joined'],
      ['tls', 'thread-local storage in a namespace', 'a __thread variable of a DSO in a new namespace, set on one thread, read on a new one', 'each thread has its own copy, starting from the initial value'],
    ] as const
  ).map(([name, title, runs, works]): Capability => ({ name, title, runs, works, check: name })),
  {
    name: 'audit-dlmopen',
    title: 'LD_AUDIT and dlmopen together',
    runs: 'dlmopen(LM_ID_NEWLM) of a libc-linked DSO under an audit module (dlmspec\'s, LD_AUDIT), malloc called there',
    works: 'the namespace is made and its libc serves malloc',
    check: 'audit-dlmopen',
    audit: true,
    rules: ['AUD1', 'AUD2'],
    spec: { audit: true, calls: [newlm('libp.so')], answer: ([s]) => (handleIn(s) ? 'works' : 'fails') },
  },
  {
    name: 'audit-ldso-objopen',
    title: 'an auditor is told of the ld.so stand-in of a new namespace (la_objopen, la_objclose)',
    runs: 'under an audit module, dlmopen(LM_ID_NEWLM) of a libc-linked DSO, then dlclose; the la_objopen and la_objclose calls the module got for the stand-in',
    works: 'la_objopen(ld-linux-x86-64.so.2, N) came with the namespace\'s other objects and la_objclose when it went; fails also when the namespace has no stand-in (a shared libc)',
    check: 'audit-ldso-objopen',
    audit: true,
    rules: ['AUD2', 'NS4'],
    spec: { audit: true, calls: [newlm('libp.so')], answer: ([s]) => (s?.expected.audited?.opens.some((e) => e.event === 'objopen' && e.object === 'ld-linux-x86-64.so.2') ? 'works' : 'fails') },
  },
  {
    name: 'rtld-shared',
    title: 'RTLD_SHARED: an object shared from namespace 0 through a proxy',
    runs: 'dlmopen(LM_ID_NEWLM, RTLD_NOW | RTLD_SHARED) of a DSO; RTLD_NOLOAD of it in namespace 0',
    works: 'honoured: namespace 0 holds the object (the namespace a proxy); fails: ignored (a private copy) or refused',
    check: 'rtld-shared',
    rules: ['S2'],
    spec: { calls: [newlm('libq.so', RTLD_NOW | RTLD_SHARED)], answer: ([s]) => (handleIn(s, true) ? 'works' : 'fails') },
  },
  {
    name: 'rtld-isolate',
    title: 'RTLD_ISOLATE: a private copy of what would be shared',
    runs: 'a UNIQUE DSO opened into a new namespace, then with RTLD_ISOLATE into another; where its symbol lives',
    works: 'honoured: the first is namespace 0\'s, the second a private copy; fails: ignored (nothing is shared to begin with) or refused',
    check: 'rtld-isolate',
    rules: ['S9'],
    spec: { calls: [newlm('libu.so'), newlm('libu.so', RTLD_NOW | RTLD_ISOLATE)], answer: ([a, b]) => (handleIn(a, true) && handleIn(b, false) ? 'works' : 'fails') },
  },
  {
    name: 'unique',
    title: 'DF_GNU_1_UNIQUE: a UNIQUE DSO shared as if RTLD_SHARED were given',
    runs: 'dlmopen(LM_ID_NEWLM, RTLD_NOW) of a DSO linked -z unique; RTLD_NOLOAD of it in namespace 0',
    works: 'honoured: namespace 0 holds it; fails: ignored (a private copy)',
    check: 'unique',
    rules: ['S8'],
    spec: { calls: [newlm('libu.so')], answer: ([s]) => (handleIn(s, true) ? 'works' : 'fails') },
  },
];

export const capability = (name: string): Capability | undefined => CAPABILITIES.find((c) => c.name === name);

/** The model of the probe's objects: libp (libc-linked), libq and libu (-nostdlib; libu UNIQUE), libk (nodelete, -nostdlib). */
const PROBE_GRAPH: { dsos: Dso[] } = {
  dsos: [
    { name: 'libp.so', needed: [], unique: false, nodelete: false, libc: true, symbols: [] },
    { name: 'libq.so', needed: [], unique: false, nodelete: false, libc: false, symbols: ['f0'] },
    { name: 'libu.so', needed: [], unique: true, nodelete: false, libc: false, symbols: ['f0'] },
    { name: 'libk.so', needed: [], unique: false, nodelete: true, libc: false, symbols: [] },
  ],
};

/** The known loader bugs a capability's failure on a loader of `profile` at `release` can be: the probe bugs of the capability, the spec's bugs its model triggers. */
export function bugsOf(cap: Capability, profile: Profile, release: Release | null): string[] {
  // Bugs only the probe shows; the others explain a failure through the spec's model of the check.
  const probeBugs = LOADER_BUGS.filter((b) => b.handling === 'probe' && b.probe === cap.name && affects(b, profile, release)).map((b) => b.id);
  if (cap.spec === undefined) return probeBugs;
  const run = modelRun(cap.spec, profile, release);
  const triggered = run.steps.flatMap((s, i) => knownBug(run.ctx, s.before, s.call, run.steps.slice(0, i))?.id ?? []);
  if (triggered.length > 0) return [...new Set([...triggered, ...probeBugs])];
  // A bug the spec models explains the answer when expecting its fix would change it.
  const strict = cap.spec.answer(modelRun(cap.spec, profile, release, true).steps);
  const modelled = strict === cap.spec.answer(run.steps) ? [] : run.steps.flatMap((s) => s.bugs);
  return [...new Set([...modelled, ...probeBugs])];
}

function modelRun(spec: SpecAnswer, profile: Profile, release: Release | null, strict = false) {
  const base = referenceSystem(profile === 'rtld-shared');
  const sys = { ...(spec.audit ? withAuditor(base) : base), ...(release !== null ? { release: formatRelease(release) } : {}) };
  return runSpec(profile, PROBE_GRAPH, spec.calls, sys, { strict });
}

/**
 * What the spec expects the check to show on a loader of `profile` at
 * `release`: the run of its model, unless a known loader bug of that
 * release is in the way (a bug that crashes: crashes; one that diverges, or
 * a probe bug of the capability: what that bug makes of it). Null for a
 * capability the spec does not model.
 */
export function specAnswer(cap: Capability, profile: Profile, release: Release | null): ProbeStatus | null {
  if (cap.spec === undefined) return null;
  const run = modelRun(cap.spec, profile, release);
  for (const [i, s] of run.steps.entries()) {
    const bug = knownBug(run.ctx, s.before, s.call, run.steps.slice(0, i));
    if (bug !== undefined) return bug.shows === 'crash' ? 'crashes' : 'fails';
  }
  const probeBug = LOADER_BUGS.find((b) => b.handling === 'probe' && b.probe === cap.name && affects(b, profile, release));
  if (probeBug !== undefined) return probeBug.shows === 'crash' ? 'crashes' : 'fails';
  return cap.spec.answer(run.steps);
}
