/**
 * Baseline rules of stock glibc (SEMANTICS.md section 2: NS1..CALLER1) as
 * table rows (notation: properties/rows.ts). They hold under both profiles
 * unless a row says otherwise: the graphs here have no UNIQUE object and the
 * calls no RTLD_SHARED/RTLD_ISOLATE bit, so only a libc-linked object (libc is
 * UNIQUE on the patched reference system) tells the profiles apart.
 */
import { describe } from 'vitest';
import { MISSING_DSO, UNDEFINED_SYMBOL } from '../generators/graph.ts';
import * as msg from '../spec/messages.ts';
import {
  dlclose,
  dlinfo,
  dlmopen,
  dlopen,
  dlsym,
  dso,
  graph,
  LM_ID_BASE,
  LM_ID_CALLER,
  NEWLM,
  row,
  RTLD_GLOBAL,
  RTLD_LAZY,
  RTLD_NODELETE,
  RTLD_NOLOAD,
  RTLD_NOW,
  times,
} from './rows.ts';

const NOW = RTLD_NOW;
const LAZY = RTLD_LAZY;

/**
 * liba -> libb. libd -> (libe, libf); libe -> libh; libf -> (libh, libe):
 * breadth-first gives d, e, f, h where depth-first would give d, e, h, f.
 * f1 is defined by libf and libh (SYM1). libp <-> libq is a cycle. libj ->
 * libn, libn is DF_1_NODELETE. libl is libc-linked. libbad needs a missing
 * file; libs has an undefined symbol; libt -> libs. libv <-> libw is a cycle
 * from which libw reaches the leaf libx.
 */
const G = graph(
  dso('liba.so', { needed: ['libb.so'], symbols: ['f0'] }),
  dso('libb.so', { symbols: ['f0'] }),
  dso('libd.so', { needed: ['libe.so', 'libf.so'] }),
  dso('libe.so', { needed: ['libh.so'] }),
  dso('libf.so', { needed: ['libh.so', 'libe.so'], symbols: ['f1'] }),
  dso('libh.so', { symbols: ['f1', 'f2'] }),
  dso('libp.so', { needed: ['libq.so'] }),
  dso('libq.so', { needed: ['libp.so'] }),
  dso('libj.so', { needed: ['libn.so'] }),
  dso('libn.so', { nodelete: true }),
  dso('libl.so', { libc: true }),
  dso('libbad.so', { needed: ['libb.so', MISSING_DSO] }),
  dso('libs.so', { needed: ['libb.so'], undefinedSymbol: UNDEFINED_SYMBOL }),
  dso('libt.so', { needed: ['libs.so'] }),
  dso('libv.so', { needed: ['libw.so'] }),
  dso('libw.so', { needed: ['libv.so', 'libx.so'] }),
  dso('libx.so'),
);

const fifteen = times(15, dlmopen(NEWLM, 'libb.so', NOW));
/** Namespaces 1..15 each holding libb.so. */
const full = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [i + 1, ['libb.so']]));

describe('NS1..NS5: namespaces', () => {
  row({
    name: '[NS1] LM_ID_NEWLM takes namespace 1 first',
    graph: G,
    call: dlmopen(NEWLM, 'libb.so', NOW),
    both: { after: { 1: ['+libb.so'] }, handle: '1', events: ['ctor libb.so@1'] },
  });
  row({
    name: '[NS1] LM_ID_NEWLM takes the lowest free namespace: an emptied one is reused',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW), dlmopen(NEWLM, 'libb.so', NOW), dlmopen(NEWLM, 'libb.so', NOW), dlclose(1)],
    call: dlmopen(NEWLM, 'liba.so', NOW),
    both: {
      after: { 1: ['libb.so'], 2: ['+liba.so', '+libb.so'], 3: ['libb.so'] },
      handle: '2',
      events: ['ctor libb.so@2', 'ctor liba.so@2'],
    },
  });
  row({
    name: '[NS1][NS2] the fifteenth LM_ID_NEWLM takes namespace 15',
    graph: G,
    before: times(14, dlmopen(NEWLM, 'libb.so', NOW)),
    call: dlmopen(NEWLM, 'libb.so', NOW),
    both: { after: { ...full, 15: ['+libb.so'] }, handle: '15', events: ['ctor libb.so@15'] },
  });
  row({
    name: '[NS2] with namespaces 1..15 in use LM_ID_NEWLM fails: no more namespaces',
    graph: G,
    before: fifteen,
    call: dlmopen(NEWLM, 'liba.so', NOW),
    both: { error: msg.noMoreNamespaces('liba.so') },
  });
  row({
    name: '[NS2][NS1] after exhaustion, closing namespace 4 frees it for LM_ID_NEWLM',
    graph: G,
    before: [...fifteen, dlmopen(NEWLM, 'libb.so', NOW), dlclose(3)],
    call: dlmopen(NEWLM, 'liba.so', NOW),
    both: { after: { ...full, 4: ['+liba.so', '+libb.so'] }, handle: '4', events: ['ctor libb.so@4', 'ctor liba.so@4'] },
  });
  row({
    name: '[NS3] an explicit namespace whose list is empty is invalid',
    graph: G,
    call: dlmopen(1, 'liba.so', NOW),
    both: { error: msg.invalidTargetNamespace('liba.so') },
  });
  row({
    name: '[NS3] namespace 16 (DL_NNS) is out of range',
    graph: G,
    before: fifteen,
    call: dlmopen(16, 'liba.so', NOW),
    both: { error: msg.invalidTargetNamespace('liba.so') },
  });
  row({
    name: '[NS3] a negative namespace other than LM_ID_NEWLM and LM_ID_CALLER is invalid',
    graph: G,
    call: dlmopen(-3, 'liba.so', NOW),
    both: { error: msg.invalidTargetNamespace('liba.so') },
  });
  row({
    name: '[NS3] an emptied namespace is invalid again for an explicit dlmopen',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW), dlclose(0)],
    call: dlmopen(1, 'liba.so', NOW),
    both: { error: msg.invalidTargetNamespace('liba.so') },
  });
  row({
    name: '[NS3] open question: LM_ID_CALLER passed to dlmopen is the caller\'s namespace (0 for the main program)',
    graph: G,
    call: dlmopen(LM_ID_CALLER, 'libb.so', NOW),
    both: { after: { 0: ['+libb.so'] }, handle: '0', events: ['ctor libb.so@0'] },
  });
  row({
    name: '[NS4][NS5] a libc-linked object in N gets a private libc and a proxy of ld.so (libc UNIQUE on the patched loader: S8)',
    graph: G,
    call: dlmopen(NEWLM, 'libl.so', NOW),
    glibc: { after: { 1: ['+libl.so', '+libc.so.6', '+ld-linux-x86-64.so.2 p'] }, handle: '1', events: ['ctor libl.so@1'] },
    shared: { after: { 1: ['+libl.so', '+libc.so.6 p'] }, handle: '1', events: ['ctor libl.so@1'] },
  });
  row({
    name: '[NS5] every namespace gets its own libc copy',
    graph: G,
    before: [dlmopen(NEWLM, 'libl.so', NOW)],
    call: dlmopen(NEWLM, 'libl.so', NOW),
    glibc: {
      after: { 1: ['libl.so', 'libc.so.6', 'ld-linux-x86-64.so.2 p'], 2: ['+libl.so', '+libc.so.6', '+ld-linux-x86-64.so.2 p'] },
      handle: '2',
      events: ['ctor libl.so@2'],
    },
  });
  row({
    name: '[NS4][LOAD1] dlmopen of libc.so.6 into N: a private libc and an ld.so proxy; libc in namespace 0 is the start-up one',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlmopen(1, 'libc.so.6', NOW),
    glibc: { after: { 1: ['libb.so', '+libc.so.6', '+ld-linux-x86-64.so.2 p'] }, handle: '1' },
  });
  row({
    name: '[NS4] closing the namespace removes the ld.so proxy and leaves ld.so in namespace 0',
    graph: G,
    before: [dlmopen(NEWLM, 'libl.so', NOW)],
    call: dlclose(0),
    glibc: { after: { 0: [] }, events: ['dtor libl.so@1'] },
  });
});

describe('MODE1..MODE5: mode bits', () => {
  row({
    name: '[MODE1] neither RTLD_LAZY nor RTLD_NOW: invalid mode for dlopen()',
    graph: G,
    call: dlopen('liba.so', 0),
    both: { error: msg.invalidModeForDlopen('liba.so') },
  });
  row({
    name: '[MODE1][MODE3] RTLD_NOLOAD alone has no binding either',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'liba.so', RTLD_NOLOAD),
    both: { error: msg.invalidModeForDlopen('liba.so') },
  });
  row({
    name: '[MODE1][NS3] the mode is checked before the namespace',
    graph: G,
    call: dlmopen(5, 'liba.so', 0),
    both: { error: msg.invalidModeForDlopen('liba.so') },
  });
  row({
    name: '[MODE1] RTLD_LAZY | RTLD_NOW is accepted',
    graph: G,
    call: dlopen('libb.so', LAZY | NOW),
    both: { after: { 0: ['+libb.so'] }, handle: '0', events: ['ctor libb.so@0'] },
  });
  row({
    name: '[MODE2] RTLD_GLOBAL with LM_ID_NEWLM: invalid mode',
    graph: G,
    call: dlmopen(NEWLM, 'liba.so', NOW | RTLD_GLOBAL),
    both: { error: msg.invalidMode() },
  });
  row({
    name: '[MODE2][MODE1] RTLD_GLOBAL is refused before the binding is checked',
    graph: G,
    call: dlmopen(NEWLM, 'liba.so', RTLD_GLOBAL),
    both: { error: msg.invalidMode() },
  });
  row({
    name: '[MODE2] RTLD_GLOBAL with an out-of-range namespace: invalid mode first',
    graph: G,
    call: dlmopen(99, 'liba.so', NOW | RTLD_GLOBAL),
    both: { error: msg.invalidMode() },
  });
  row({
    name: '[MODE2] RTLD_GLOBAL with LM_ID_BASE is accepted',
    graph: G,
    call: dlmopen(LM_ID_BASE, 'libb.so', NOW | RTLD_GLOBAL),
    both: { after: { 0: ['+libb.so'] }, handle: '0', events: ['ctor libb.so@0'] },
  });
  row({
    name: '[MODE2][CALLER1] open question: RTLD_GLOBAL through plain dlopen from code in N is accepted (only dlmopen checks it; glibc 2.36 crashes)',
    graph: G,
    before: [dlmopen(NEWLM, 'libl.so', NOW)],
    call: dlopen('libb.so', NOW | RTLD_GLOBAL, 0),
    glibc: { after: { 1: ['libl.so', 'libc.so.6', 'ld-linux-x86-64.so.2 p', '+libb.so'] }, handle: '1', events: ['ctor libb.so@1'] },
  });
  row({
    name: '[MODE3] RTLD_NOLOAD of a loaded name returns its entry and counts as an open',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW | RTLD_NOLOAD),
    both: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[MODE3] RTLD_NOLOAD of a dependency never opened directly returns it with count 1',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'libb.so', NOW | RTLD_NOLOAD),
    both: { handle: '1', count: 1 },
  });
  row({
    name: '[MODE3][CLOSE1] the NOLOAD open keeps the dependency alive when its dependent is closed',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW), dlmopen(1, 'libb.so', NOW | RTLD_NOLOAD)],
    call: dlclose(0),
    both: { after: { 1: ['libb.so'] }, events: ['dtor liba.so@1'] },
  });
  row({
    name: '[MODE3] RTLD_NOLOAD of a name not loaded in the namespace: NULL, no dlerror message',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'liba.so', NOW), dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW | RTLD_NOLOAD),
    both: { error: null },
  });
  row({
    name: '[MODE3][NS1] RTLD_NOLOAD into LM_ID_NEWLM: NULL, no dlerror message, no namespace taken',
    graph: G,
    call: dlmopen(NEWLM, 'libb.so', NOW | RTLD_NOLOAD),
    both: { error: null },
  });
  row({
    name: '[MODE3][LOAD6] RTLD_NOLOAD of a missing file: cannot open shared object file (NOLOAD is checked after the file is opened)',
    graph: G,
    call: dlopen('libnothere.so', NOW | RTLD_NOLOAD),
    both: { error: msg.cannotOpen('libnothere.so') },
  });
  row({
    name: '[MODE3][LOAD6] RTLD_NOLOAD of a missing file into LM_ID_NEWLM: cannot open shared object file',
    graph: G,
    call: dlmopen(NEWLM, 'libnothere.so', NOW | RTLD_NOLOAD),
    both: { error: msg.cannotOpen('libnothere.so') },
  });
  row({
    name: '[MODE4][CLOSE2] an RTLD_NODELETE entry is not unloaded by dlclose, and its count is untouched',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | RTLD_NODELETE)],
    call: dlclose(0),
    both: { count: 1 },
  });
  row({
    name: '[MODE4][CLOSE2] RTLD_NODELETE on a reopen makes the entry nodelete: later closes leave count 2',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW), dlmopen(1, 'liba.so', NOW | RTLD_NODELETE), dlclose(0)],
    call: dlclose(1),
    both: { count: 2 },
  });
  row({
    name: '[MODE4][CLOSE1] a DF_1_NODELETE dependency stays when its dependent is unloaded',
    graph: G,
    before: [dlmopen(NEWLM, 'libj.so', NOW)],
    call: dlclose(0),
    both: { after: { 1: ['libn.so'] }, events: ['dtor libj.so@1'] },
  });
  row({
    name: '[MODE5] dlmopen ignores unknown mode bits (0x200)',
    graph: G,
    call: dlmopen(NEWLM, 'libb.so', NOW | 0x200),
    both: { after: { 1: ['+libb.so'] }, handle: '1', events: ['ctor libb.so@1'] },
  });
  row({
    name: '[MODE5] dlmopen(LM_ID_BASE) ignores them too: only dlopen checks',
    graph: G,
    call: dlmopen(LM_ID_BASE, 'libb.so', NOW | 0x200),
    both: { after: { 0: ['+libb.so'] }, handle: '0', events: ['ctor libb.so@0'] },
  });
  row({
    name: '[MODE6] dlopen refuses an unknown mode bit: invalid mode parameter',
    graph: G,
    call: dlopen('libb.so', NOW | 0x200),
    both: { error: msg.invalidModeParameter() },
  });
  row({
    name: '[MODE6][MODE1] the unknown bit is refused before the binding is checked',
    graph: G,
    call: dlopen('libb.so', 0x200),
    both: { error: msg.invalidModeParameter() },
  });
  row({
    name: '[MODE6] dlopen refuses RTLD_SHARED (0x80): on stock glibc an unknown bit, on the series a dlmopen-only flag',
    graph: G,
    call: dlopen('libb.so', NOW | 0x80),
    both: { error: msg.invalidModeParameter() },
  });
  row({
    name: '[MODE6] dlopen refuses RTLD_ISOLATE (0x40) under both profiles',
    graph: G,
    call: dlopen('libb.so', LAZY | 0x40),
    both: { error: msg.invalidModeParameter() },
  });
  row({
    name: '[MODE5] stock glibc ignores 0x40 and 0x80 (RTLD_ISOLATE, RTLD_SHARED)',
    graph: G,
    call: dlmopen(NEWLM, 'libb.so', NOW | 0x40 | 0x80),
    glibc: { after: { 1: ['+libb.so'] }, handle: '1', events: ['ctor libb.so@1'] },
  });
});

describe('LOAD1..LOAD6: loading', () => {
  row({
    name: '[LOAD1] reopening a name in its namespace returns the same handle, count + 1',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW),
    both: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[LOAD1] a name loaded as a dependency is matched: a new handle to the existing entry, no constructor',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'libb.so', NOW),
    both: { handle: '1', count: 1 },
  });
  row({
    name: '[LOAD1] the match is per namespace: the same name in another namespace is a new entry',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlopen('libb.so', NOW),
    both: { after: { 0: ['+libb.so'], 1: ['libb.so'] }, handle: '0', events: ['ctor libb.so@0'] },
  });
  row({
    name: '[LOAD2] the object, then its DT_NEEDED breadth-first, each once',
    graph: G,
    call: dlmopen(NEWLM, 'libd.so', NOW),
    both: {
      after: { 1: ['+libd.so', '+libe.so', '+libf.so', '+libh.so'] },
      handle: '1',
      events: ['ctor libh.so@1', 'ctor libe.so@1', 'ctor libf.so@1', 'ctor libd.so@1'],
    },
  });
  row({
    name: '[LOAD2] new entries are appended after the existing ones; dependencies already there are reused',
    graph: G,
    before: [dlmopen(NEWLM, 'libe.so', NOW)],
    call: dlmopen(1, 'libd.so', NOW),
    both: {
      after: { 1: ['libe.so', 'libh.so', '+libd.so', '+libf.so'] },
      handle: '1',
      events: ['ctor libf.so@1', 'ctor libd.so@1'],
      precedes: [['ctor libf.so@1', 'ctor libd.so@1']],
    },
  });
  row({
    name: '[LOAD3] constructors run dependencies before dependents',
    graph: G,
    call: dlmopen(NEWLM, 'libd.so', NOW),
    both: {
      after: { 1: ['+libd.so', '+libe.so', '+libf.so', '+libh.so'] },
      handle: '1',
      events: ['ctor libh.so@1', 'ctor libe.so@1', 'ctor libf.so@1', 'ctor libd.so@1'],
      precedes: [
        ['ctor libh.so@1', 'ctor libe.so@1'],
        ['ctor libe.so@1', 'ctor libf.so@1'],
        ['ctor libf.so@1', 'ctor libd.so@1'],
        ['ctor libh.so@1', 'ctor libd.so@1'],
      ],
    },
  });
  row({
    name: '[LOAD3] objects in a cycle construct once each, the opened one last',
    graph: G,
    call: dlmopen(NEWLM, 'libp.so', NOW),
    both: { after: { 1: ['+libp.so', '+libq.so'] }, handle: '1', events: ['ctor libq.so@1', 'ctor libp.so@1'] },
  });
  row({
    name: '[LOAD3] around a cycle the sorter decides: the leaf the cycle reaches first, the opened object last (spec/sorter.test.ts: per release)',
    graph: G,
    call: dlmopen(NEWLM, 'libv.so', NOW),
    both: {
      after: { 1: ['+libv.so', '+libw.so', '+libx.so'] },
      handle: '1',
      events: ['ctor libx.so@1', 'ctor libw.so@1', 'ctor libv.so@1'],
    },
  });
  row({
    name: '[CLOSE3] around a cycle the closed object destructs first, the leaf the cycle reaches last',
    graph: G,
    before: [dlmopen(NEWLM, 'libv.so', NOW)],
    call: dlclose(0),
    both: { after: { 0: [] }, events: ['dtor libv.so@1', 'dtor libw.so@1', 'dtor libx.so@1'] },
  });
  row({
    name: '[LOAD3][LOAD1] a reopen runs no constructor',
    graph: G,
    before: [dlmopen(NEWLM, 'libd.so', NOW)],
    call: dlmopen(1, 'libd.so', NOW),
    both: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[LOAD4][LOAD6] a missing DT_NEEDED fails the open and rolls back everything it loaded',
    graph: G,
    call: dlmopen(NEWLM, 'libbad.so', NOW),
    both: { error: msg.cannotOpen(MISSING_DSO) },
  });
  row({
    name: '[LOAD4][NS1] the namespace a failed LM_ID_NEWLM took is free again',
    graph: G,
    before: [dlmopen(NEWLM, 'libbad.so', NOW)],
    call: dlmopen(NEWLM, 'libb.so', NOW),
    both: { after: { 1: ['+libb.so'] }, handle: '1', events: ['ctor libb.so@1'] },
  });
  row({
    name: '[LOAD4] a failed open into a used namespace leaves its list as it was',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'libbad.so', LAZY),
    both: { error: msg.cannotOpen(MISSING_DSO) },
  });
  row({
    name: '[LOAD5][LOAD4] RTLD_NOW: an undefined symbol fails the open and rolls it back',
    graph: G,
    call: dlmopen(NEWLM, 'libs.so', NOW),
    both: { error: msg.undefinedSymbol('libs.so', UNDEFINED_SYMBOL) },
  });
  row({
    name: '[LOAD5][LOAD4] RTLD_NOW: an undefined symbol in a dependency fails the dependent',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'libt.so', NOW),
    both: { error: msg.undefinedSymbol('libs.so', UNDEFINED_SYMBOL) },
  });
  row({
    name: '[LOAD5] RTLD_LAZY defers the undefined symbol: the open succeeds',
    graph: G,
    call: dlmopen(NEWLM, 'libt.so', LAZY),
    both: {
      after: { 1: ['+libt.so', '+libs.so', '+libb.so'] },
      handle: '1',
      events: ['ctor libb.so@1', 'ctor libs.so@1', 'ctor libt.so@1'],
    },
  });
  row({
    name: '[LOAD5][MODE1] RTLD_LAZY | RTLD_NOW binds lazily',
    graph: G,
    call: dlmopen(NEWLM, 'libs.so', LAZY | NOW),
    both: { after: { 1: ['+libs.so', '+libb.so'] }, handle: '1', events: ['ctor libb.so@1', 'ctor libs.so@1'] },
  });
  row({
    name: '[LOAD5][LOAD1] RTLD_NOW on a reopen of a lazily bound object does not fail',
    graph: G,
    before: [dlmopen(NEWLM, 'libs.so', LAZY)],
    call: dlmopen(1, 'libs.so', NOW),
    both: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[LOAD6] a missing file: cannot open shared object file',
    graph: G,
    call: dlopen('libnothere.so', NOW),
    both: { error: msg.cannotOpen('libnothere.so') },
  });
});

describe('CLOSE1..CLOSE4: unloading', () => {
  row({
    name: '[CLOSE1] dlclose of an entry opened twice only counts down',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW), dlmopen(1, 'liba.so', NOW)],
    call: dlclose(1),
    both: { count: 1 },
  });
  row({
    name: '[CLOSE1][CLOSE3] at zero the entry and its unreachable dependencies are unloaded, dependents first',
    graph: G,
    before: [dlmopen(NEWLM, 'libd.so', NOW)],
    call: dlclose(0),
    both: {
      after: { 0: [] },
      count: 'unloaded',
      events: ['dtor libd.so@1', 'dtor libf.so@1', 'dtor libe.so@1', 'dtor libh.so@1'],
      precedes: [
        ['dtor libd.so@1', 'dtor libf.so@1'],
        ['dtor libf.so@1', 'dtor libe.so@1'],
        ['dtor libe.so@1', 'dtor libh.so@1'],
      ],
    },
  });
  row({
    name: '[CLOSE1] dependencies still reachable from another root stay',
    graph: G,
    before: [dlmopen(NEWLM, 'libd.so', NOW), dlmopen(1, 'libe.so', NOW)],
    call: dlclose(0),
    both: { after: { 1: ['libe.so', 'libh.so'] }, events: ['dtor libd.so@1', 'dtor libf.so@1'] },
  });
  row({
    name: '[CLOSE1][CLOSE3] a cycle is collected; the closed object destructs first',
    graph: G,
    before: [dlmopen(NEWLM, 'libp.so', NOW)],
    call: dlclose(0),
    both: { after: { 0: [] }, events: ['dtor libp.so@1', 'dtor libq.so@1'] },
  });
  row({
    name: '[CLOSE1] unloading is per namespace: the same object in namespace 0 stays',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'liba.so', NOW), dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlclose(1),
    both: { after: { 0: ['liba.so', 'libb.so'] }, events: ['dtor liba.so@1', 'dtor libb.so@1'] },
  });
  row({
    name: '[CLOSE1] a start-up object opened by name is counted but never unloaded',
    graph: G,
    before: [dlopen('libc.so.6', NOW)],
    call: dlclose(0),
    both: { count: 0 },
  });
  row({
    name: '[CLOSE2][MODE4] dlclose of a DF_1_NODELETE entry succeeds and unloads nothing',
    graph: G,
    before: [dlmopen(NEWLM, 'libj.so', NOW), dlmopen(1, 'libn.so', NOW)],
    call: dlclose(1),
    both: { count: 1 },
  });
  row({
    name: '[CLOSE4] dlclose of a loaded entry whose count is 0: shared object not open',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW), dlmopen(1, 'libb.so', NOW), dlclose(1)],
    call: dlclose(1),
    both: { error: msg.notOpen('libb.so') },
  });
  row({
    name: '[CLOSE4] closing a start-up object more often than it was opened',
    graph: G,
    before: [dlopen('libc.so.6', NOW), dlclose(0)],
    call: dlclose(0),
    both: { error: msg.notOpen('libc.so.6') },
  });
});

/**
 * liba -> libb -> libd -> libe, libe defines f0; libk -> libb and libr -> libd
 * each open part of the chain a second time. libb and libd are only dependencies
 * unless a row opens them.
 */
const CHAIN = graph(
  dso('liba.so', { needed: ['libb.so'] }),
  dso('libb.so', { needed: ['libd.so'] }),
  dso('libd.so', { needed: ['libe.so'] }),
  dso('libe.so', { symbols: ['f0'] }),
  dso('libk.so', { needed: ['libb.so'] }),
  dso('libr.so', { needed: ['libd.so'] }),
);

describe('CLOSE5: search lists the close worker gives (scenarios/glibc/close5-*.scenario on the real loaders)', () => {
  row({
    name: '[CLOSE5][SYM2] a dependency kept after its loader is unloaded searches only itself and its direct DT_NEEDED, reopened or not',
    graph: CHAIN,
    before: [dlopen('liba.so', NOW), dlopen('libk.so', NOW), dlclose(0), dlopen('libb.so', NOW)],
    call: dlsym(3, 'f0'),
    both: { error: msg.undefinedSymbol('libb.so', 'f0') },
  });
  row({
    name: '[CLOSE5] a later open whose search list took the dependency in counts as its loader too',
    graph: CHAIN,
    before: [dlopen('liba.so', NOW), dlopen('libk.so', NOW), dlclose(1), dlopen('libb.so', NOW)],
    call: dlsym(3, 'f0'),
    both: { error: msg.undefinedSymbol('libb.so', 'f0') },
  });
  row({
    name: '[CLOSE5] a close that unloads nothing in the dependency\'s scope leaves it without a list: a later open builds the whole one',
    graph: CHAIN,
    before: [dlopen('libd.so', NOW), dlopen('liba.so', NOW), dlopen('libr.so', NOW), dlclose(2), dlopen('libb.so', NOW)],
    call: dlsym(4, 'f0'),
    both: { symbol: 'libe.so@0' },
  });
  row({
    name: '[CLOSE5][SYM1] an entry opened before the close keeps its breadth-first list',
    graph: CHAIN,
    before: [dlopen('liba.so', NOW), dlopen('libb.so', NOW), dlopen('libk.so', NOW), dlclose(0), dlclose(1), dlopen('libb.so', NOW)],
    call: dlsym(5, 'f0'),
    both: { symbol: 'libe.so@0' },
  });
  row({
    name: '[CLOSE5] in a secondary namespace, its first entry is in every scope: unloading it gives the list',
    graph: CHAIN,
    before: [dlmopen(NEWLM, 'libr.so', NOW), dlmopen(1, 'libk.so', NOW), dlclose(0), dlmopen(1, 'libb.so', NOW)],
    call: dlsym(3, 'f0'),
    both: { error: msg.undefinedSymbol('libb.so', 'f0') },
  });
});

describe('SYM1, SYM2, INFO1, CALLER1', () => {
  row({
    name: '[SYM1] dlsym returns the first definition breadth-first (libf at depth 1, not libh at depth 2)',
    graph: G,
    before: [dlmopen(NEWLM, 'libd.so', NOW)],
    call: dlsym(0, 'f1'),
    both: { symbol: 'libf.so@1' },
  });
  row({
    name: '[SYM1] the handle\'s own object comes first',
    graph: G,
    before: [dlmopen(NEWLM, 'libf.so', NOW)],
    call: dlsym(0, 'f1'),
    both: { symbol: 'libf.so@1' },
  });
  row({
    name: '[SYM1] the search list is the handle\'s own: a handle to a dependency does not see its dependents',
    graph: G,
    before: [dlmopen(NEWLM, 'libd.so', NOW), dlmopen(1, 'libh.so', NOW)],
    call: dlsym(1, 'f2'),
    both: { symbol: 'libh.so@1' },
  });
  row({
    name: '[SYM1] a symbol of the same object in another namespace resolves in the handle\'s namespace',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'liba.so', NOW), dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlsym(1, 'f0'),
    both: { symbol: 'liba.so@1' },
  });
  row({
    name: '[SYM2] a miss: OBJECT: undefined symbol: NAME',
    graph: G,
    before: [dlmopen(NEWLM, 'libd.so', NOW)],
    call: dlsym(0, 'f0'),
    both: { error: msg.undefinedSymbol('libd.so', 'f0') },
  });
  row({
    name: '[INFO1] dlinfo(RTLD_DI_LMID) gives the entry\'s namespace',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW), dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlinfo(1),
    both: { lmid: 2 },
  });
  row({
    name: '[INFO1] dlinfo on an entry of namespace 0',
    graph: G,
    before: [dlopen('libb.so', NOW)],
    call: dlinfo(0),
    both: { lmid: 0 },
  });
  row({
    name: '[CALLER1] dlopen from code in a DSO of namespace N loads into N',
    graph: G,
    before: [dlmopen(NEWLM, 'libl.so', NOW)],
    call: dlopen('liba.so', NOW, 0),
    glibc: {
      after: { 1: ['libl.so', 'libc.so.6', 'ld-linux-x86-64.so.2 p', '+liba.so', '+libb.so'] },
      handle: '1',
      events: ['ctor libb.so@1', 'ctor liba.so@1'],
    },
    shared: { after: { 1: ['libl.so', 'libc.so.6 p', '+liba.so', '+libb.so'] }, handle: '1', events: ['ctor libb.so@1', 'ctor liba.so@1'] },
  });
  row({
    name: '[CALLER1][LOAD1] a name dlopen\'d from code in N is matched in N',
    graph: G,
    before: [dlmopen(NEWLM, 'libl.so', NOW), dlmopen(1, 'libb.so', NOW)],
    call: dlopen('libb.so', NOW, 0),
    both: { handle: '1', same: 1, count: 2 },
  });
  row({
    name: '[CALLER1][CLOSE1] dlclose from code in N behaves as from the main program',
    graph: G,
    before: [dlmopen(NEWLM, 'libl.so', NOW), dlopen('libb.so', NOW, 0)],
    call: dlclose(1, 0),
    glibc: { after: { 1: ['libl.so', 'libc.so.6', 'ld-linux-x86-64.so.2 p'] }, events: ['dtor libb.so@1'] },
    shared: { after: { 1: ['libl.so', 'libc.so.6 p'] }, events: ['dtor libb.so@1'] },
  });
});
