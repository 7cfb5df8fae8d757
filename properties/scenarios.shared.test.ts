/**
 * The RTLD_SHARED rules S1..S13 and the worked examples of SEMANTICS.md
 * section 3, as table rows (notation: properties/rows.ts). Each row is
 * checked under rtld-shared, and under glibc where stock glibc differs (it
 * ignores RTLD_SHARED, RTLD_ISOLATE and the UNIQUE flag: MODE5).
 */
import { describe } from 'vitest';
import { MISSING_DSO, UNDEFINED_SYMBOL } from '../generators/graph.ts';
import { referenceSystem } from '../spec/initial.ts';
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
  NEWLM,
  row,
  RTLD_GLOBAL,
  RTLD_ISOLATE,
  RTLD_NOLOAD,
  RTLD_NOW,
  RTLD_SHARED,
} from './rows.ts';

const NOW = RTLD_NOW;
const SHARED = RTLD_SHARED;
const ISOLATE = RTLD_ISOLATE;

/**
 * liba -> libb; libu UNIQUE; libv -> libu; libx -> libw UNIQUE -> libb;
 * libl libc-linked (libc is UNIQUE on the patched reference system);
 * libs -> libb has an undefined symbol; libvbad -> (libu, a missing file);
 * libt -> libv.
 */
const G = graph(
  dso('liba.so', { needed: ['libb.so'], symbols: ['f0'] }),
  dso('libb.so', { symbols: ['f0', 'f1'] }),
  dso('libu.so', { unique: true, symbols: ['f2'] }),
  dso('libv.so', { needed: ['libu.so'] }),
  dso('libw.so', { unique: true, needed: ['libb.so'] }),
  dso('libx.so', { needed: ['libw.so'] }),
  dso('libl.so', { libc: true, symbols: ['f1'] }),
  dso('libs.so', { needed: ['libb.so'], undefinedSymbol: UNDEFINED_SYMBOL }),
  dso('libvbad.so', { needed: ['libu.so', MISSING_DSO] }),
  dso('libt.so', { needed: ['libv.so'] }),
);

describe('S1: RTLD_SHARED into namespace 0 is a plain dlopen', () => {
  row({
    name: '[S1] dlmopen(LM_ID_BASE, RTLD_SHARED) loads a real entry',
    graph: G,
    call: dlmopen(LM_ID_BASE, 'liba.so', NOW | SHARED),
    both: {
      after: { 0: ['+liba.so', '+libb.so'] },
      handle: '0',
      events: ['ctor libb.so@0', 'ctor liba.so@0'],
      precedes: [['ctor libb.so@0', 'ctor liba.so@0']],
    },
  });
  row({
    name: '[S1][MODE6] RTLD_SHARED is a dlmopen flag: dlopen refuses it under both profiles (the series left dlopen_doit as it was)',
    graph: G,
    call: dlopen('libb.so', NOW | SHARED),
    both: { error: msg.invalidModeParameter() },
  });
});

describe('S2: RTLD_SHARED into N > 0 gives N a proxy of a namespace-0 master', () => {
  row({
    name: '[S2][S6] master and its dependencies load in namespace 0; N gets only a proxy, which constructs nothing',
    graph: G,
    call: dlmopen(NEWLM, 'liba.so', NOW | SHARED),
    shared: {
      after: { 0: ['+liba.so', '+libb.so'], 1: ['+liba.so p'] },
      handle: '1p',
      count: 1,
      events: ['ctor libb.so@0', 'ctor liba.so@0'],
      precedes: [['ctor libb.so@0', 'ctor liba.so@0']],
    },
    glibc: {
      after: { 1: ['+liba.so', '+libb.so'] },
      handle: '1',
      events: ['ctor libb.so@1', 'ctor liba.so@1'],
      precedes: [['ctor libb.so@1', 'ctor liba.so@1']],
    },
  });
  row({
    name: '[S2] a master already in namespace 0 is found, not loaded again',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'liba.so', NOW)],
    call: dlmopen(NEWLM, 'liba.so', NOW | SHARED),
    shared: { after: { 0: ['liba.so', 'libb.so'], 1: ['+liba.so p'] }, handle: '1p' },
    glibc: { after: { 0: ['liba.so', 'libb.so'], 1: ['+liba.so', '+libb.so'] }, handle: '1', events: ['ctor libb.so@1', 'ctor liba.so@1'] },
  });
  row({
    name: "[S2] an explicit N gets a proxy appended; N's own copy of a dependency stays as it is",
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW | SHARED),
    shared: {
      after: { 0: ['+liba.so', '+libb.so'], 1: ['libb.so', '+liba.so p'] },
      handle: '1p',
      events: ['ctor libb.so@0', 'ctor liba.so@0'],
    },
    glibc: { after: { 1: ['libb.so', '+liba.so'] }, handle: '1', events: ['ctor liba.so@1'] },
  });
  row({
    name: '[S2][INFO1] dlinfo(RTLD_DI_LMID) on the proxy says N',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlinfo(0),
    both: { lmid: 1 },
  });
});

describe('S3: a proxy already in N is returned again', () => {
  row({
    name: '[S3] reopening without RTLD_SHARED returns the same proxy, count + 1',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlmopen(1, 'liba.so', NOW),
    shared: { handle: '1p', same: 0, count: 2 },
    glibc: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[S3] reopening with RTLD_SHARED returns the same proxy, count + 1',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlmopen(1, 'liba.so', NOW | SHARED),
    shared: { handle: '1p', same: 0, count: 2 },
    glibc: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[S3][S8] a UNIQUE proxy is returned again by a plain dlmopen',
    graph: G,
    before: [dlmopen(NEWLM, 'libu.so', NOW)],
    call: dlmopen(1, 'libu.so', NOW),
    shared: { handle: '1p', same: 0, count: 2 },
  });
});

describe('S4: a real entry of N is never demoted to a proxy', () => {
  row({
    name: '[S4] RTLD_SHARED on an object N holds as a real entry fails with EEXIST, nothing changes',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW | SHARED),
    shared: { error: msg.cannotDemote('liba.so') },
    glibc: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[S4] a real dependency in N is demoted neither: RTLD_SHARED of it fails too',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'libb.so', NOW | SHARED),
    shared: { error: msg.cannotDemote('libb.so') },
    glibc: { handle: '1', count: 1 },
  });
});

describe('S5: making a proxy pins its master', () => {
  row({
    name: '[S5][CLOSE2] dlclose of a pinned master succeeds, unloads nothing and leaves its count',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'liba.so', NOW), dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlclose(0),
    shared: { count: 1 },
    glibc: {
      after: { 0: [], 1: ['liba.so', 'libb.so'] },
      count: 'unloaded',
      events: ['dtor liba.so@0', 'dtor libb.so@0'],
      precedes: [['dtor liba.so@0', 'dtor libb.so@0']],
    },
  });
  row({
    name: '[S5][S6] the master outlives the proxy that pinned it',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED), dlclose(0)],
    call: dlopen('liba.so', NOW),
    shared: { handle: '0', count: 1 },
    glibc: { after: { 0: ['+liba.so', '+libb.so'] }, handle: '0', events: ['ctor libb.so@0', 'ctor liba.so@0'] },
  });
  row({
    name: '[S5][S8] a UNIQUE master brought in as a dependency stays after its dependent goes',
    graph: G,
    before: [dlmopen(NEWLM, 'libv.so', NOW)],
    call: dlclose(0),
    shared: { after: { 0: ['libu.so'] }, events: ['dtor libv.so@1'] },
    glibc: { after: { 0: [] }, events: ['dtor libv.so@1', 'dtor libu.so@1'], precedes: [['dtor libv.so@1', 'dtor libu.so@1']] },
  });
});

describe('S5 with LOAD4: a failed open pins nothing and loads nothing in namespace 0', () => {
  row({
    name: '[LOAD4][S2] a failed RTLD_SHARED open rolls back the master and dependencies it loaded in namespace 0',
    graph: G,
    call: dlmopen(NEWLM, 'libs.so', NOW | SHARED),
    both: { error: msg.undefinedSymbol('libs.so', UNDEFINED_SYMBOL) },
  });
  row({
    name: '[LOAD4][S5][S8] a failed open that proxied an existing master leaves it unpinned: a later dlclose unloads it',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'libu.so', NOW), dlmopen(NEWLM, 'libvbad.so', NOW)],
    call: dlclose(0),
    both: { after: { 0: [] }, events: ['dtor libu.so@0'] },
  });
});

describe('S6: a proxy has no constructor or destructor; closing it frees N', () => {
  row({
    name: '[S6] dlclose of the last proxy removes it and unloads nothing in namespace 0',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlclose(0),
    shared: { after: { 0: ['liba.so', 'libb.so'] } },
    glibc: { after: { 0: [] }, events: ['dtor liba.so@1', 'dtor libb.so@1'] },
  });
  row({
    name: '[S6][NS1] the namespace a closed proxy emptied is taken again by LM_ID_NEWLM',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED), dlclose(0)],
    call: dlmopen(NEWLM, 'libb.so', NOW | SHARED),
    shared: { after: { 0: ['liba.so', 'libb.so'], 1: ['+libb.so p'] }, handle: '1p' },
  });
  row({
    name: '[S6] dlclose of a proxy opened twice only counts down',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED), dlmopen(1, 'liba.so', NOW | SHARED)],
    call: dlclose(0),
    shared: { count: 1 },
  });
});

describe('S7: symbol lookups through a proxy resolve in the master', () => {
  row({
    name: "[S7][SYM1] dlsym on a proxy searches the master's search list in namespace 0",
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlsym(0, 'f1'),
    shared: { symbol: 'libb.so@0' },
    glibc: { symbol: 'libb.so@1' },
  });
  row({
    name: '[S7][SYM1] the master itself comes first in that list',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlsym(0, 'f0'),
    shared: { symbol: 'liba.so@0' },
    glibc: { symbol: 'liba.so@1' },
  });
  row({
    name: "[S7][S8] a symbol found through a dependency's proxy is the master's",
    graph: G,
    before: [dlmopen(NEWLM, 'libv.so', NOW)],
    call: dlsym(0, 'f2'),
    shared: { symbol: 'libu.so@0' },
    glibc: { symbol: 'libu.so@1' },
  });
  row({
    name: "[S7][SYM2] a proxy contributes its master's symbols but not the master's dependencies",
    graph: G,
    before: [dlmopen(NEWLM, 'libx.so', NOW)],
    call: dlsym(0, 'f1'),
    shared: { error: msg.undefinedSymbol('libx.so', 'f1') },
    glibc: { symbol: 'libb.so@1' },
  });
});

describe('S8: UNIQUE objects are shared as if RTLD_SHARED were given', () => {
  row({
    name: '[S8] a direct dlmopen of a UNIQUE object into N makes a master and a proxy',
    graph: G,
    call: dlmopen(NEWLM, 'libu.so', NOW),
    shared: { after: { 0: ['+libu.so'], 1: ['+libu.so p'] }, handle: '1p', events: ['ctor libu.so@0'] },
    glibc: { after: { 1: ['+libu.so'] }, handle: '1', events: ['ctor libu.so@1'] },
  });
  row({
    name: '[S8] a UNIQUE dependency: the dependent stays real in N, N gets a proxy, the master constructs first',
    graph: G,
    call: dlmopen(NEWLM, 'libv.so', NOW),
    shared: {
      after: { 0: ['+libu.so'], 1: ['+libv.so', '+libu.so p'] },
      handle: '1',
      events: ['ctor libu.so@0', 'ctor libv.so@1'],
      precedes: [['ctor libu.so@0', 'ctor libv.so@1']],
    },
    glibc: {
      after: { 1: ['+libv.so', '+libu.so'] },
      handle: '1',
      events: ['ctor libu.so@1', 'ctor libv.so@1'],
      precedes: [['ctor libu.so@1', 'ctor libv.so@1']],
    },
  });
  row({
    name: "[S8] a UNIQUE dependency not yet in namespace 0 is loaded there with its own dependencies, constructors before the dependent's",
    graph: G,
    call: dlmopen(NEWLM, 'libx.so', NOW),
    shared: {
      after: { 0: ['+libw.so', '+libb.so'], 1: ['+libx.so', '+libw.so p'] },
      handle: '1',
      events: ['ctor libb.so@0', 'ctor libw.so@0', 'ctor libx.so@1'],
      precedes: [
        ['ctor libb.so@0', 'ctor libw.so@0'],
        ['ctor libw.so@0', 'ctor libx.so@1'],
        ['ctor libb.so@0', 'ctor libx.so@1'],
      ],
    },
    glibc: {
      after: { 1: ['+libx.so', '+libw.so', '+libb.so'] },
      handle: '1',
      events: ['ctor libb.so@1', 'ctor libw.so@1', 'ctor libx.so@1'],
      precedes: [['ctor libb.so@1', 'ctor libw.so@1'], ['ctor libw.so@1', 'ctor libx.so@1']],
    },
  });
  row({
    name: '[S8][NS4][NS5] a UNIQUE libc is proxied into N (and ld.so with it is not needed there)',
    graph: G,
    call: dlmopen(NEWLM, 'libl.so', NOW),
    shared: { after: { 1: ['+libl.so', '+libc.so.6 p'] }, handle: '1', events: ['ctor libl.so@1'] },
    glibc: { after: { 1: ['+libl.so', '+libc.so.6', '+ld-linux-x86-64.so.2 p'] }, handle: '1', events: ['ctor libl.so@1'] },
  });
  row({
    name: '[S8][S10] open question: a dependency on a UNIQUE object N holds as a real ISOLATE copy fails the open, as the series\' _dl_map_object does',
    graph: G,
    before: [dlmopen(NEWLM, 'libu.so', NOW | ISOLATE)],
    call: dlmopen(1, 'libv.so', NOW),
    shared: { error: msg.cannotDemote('libu.so') },
  });
  row({
    name: '[S10][LOAD2] open question: opening an entry N holds only as a dependency looks its DT_NEEDED up again, and the isolated UNIQUE copy is refused',
    graph: G,
    before: [dlmopen(NEWLM, 'libt.so', NOW | ISOLATE)],
    call: dlmopen(1, 'libv.so', NOW),
    shared: { error: msg.cannotDemote('libu.so') },
  });
  row({
    name: '[S10][LOAD1] once that entry has a search list of its own, the same open is a plain reopen',
    graph: G,
    before: [dlmopen(NEWLM, 'libt.so', NOW | ISOLATE), dlmopen(1, 'libv.so', NOW | ISOLATE)],
    call: dlmopen(1, 'libv.so', NOW),
    shared: { handle: '1', same: 1, after: 'unchanged', events: [] },
  });
  row({
    name: '[S8][S10][S9] the same dependency is satisfied by the real copy when the call isolates too',
    graph: G,
    before: [dlmopen(NEWLM, 'libu.so', NOW | ISOLATE)],
    call: dlmopen(1, 'libv.so', NOW | ISOLATE),
    shared: { after: { 1: ['libu.so', '+libv.so'] }, handle: '1', events: ['ctor libv.so@1'] },
  });
});

describe('S9: RTLD_ISOLATE turns off all sharing for the call', () => {
  row({
    name: '[S9] a UNIQUE object opened with RTLD_ISOLATE gets a private copy in N',
    graph: G,
    call: dlmopen(NEWLM, 'libu.so', NOW | ISOLATE),
    both: { after: { 1: ['+libu.so'] }, handle: '1', events: ['ctor libu.so@1'] },
  });
  row({
    name: '[S9] RTLD_SHARED | RTLD_ISOLATE behaves as RTLD_ISOLATE',
    graph: G,
    call: dlmopen(NEWLM, 'liba.so', NOW | SHARED | ISOLATE),
    both: { after: { 1: ['+liba.so', '+libb.so'] }, handle: '1', events: ['ctor libb.so@1', 'ctor liba.so@1'] },
  });
  row({
    name: '[S9] UNIQUE dependencies, libc included, get private copies too',
    graph: G,
    call: dlmopen(NEWLM, 'libv.so', NOW | ISOLATE),
    both: { after: { 1: ['+libv.so', '+libu.so'] }, handle: '1', events: ['ctor libu.so@1', 'ctor libv.so@1'] },
  });
  row({
    name: '[S9][NS4] with RTLD_ISOLATE a libc-linked object gets a private libc and a proxy of ld.so, as on stock glibc',
    graph: G,
    call: dlmopen(NEWLM, 'libl.so', NOW | ISOLATE),
    both: { after: { 1: ['+libl.so', '+libc.so.6', '+ld-linux-x86-64.so.2 p'] }, handle: '1', events: ['ctor libl.so@1'] },
  });
  row({
    name: '[S9][S3] open question: RTLD_ISOLATE on an object N holds as a proxy returns the proxy',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlmopen(1, 'liba.so', NOW | ISOLATE),
    shared: { handle: '1p', same: 0, count: 2 },
  });
});

describe('S10: a UNIQUE object held as a real ISOLATE copy is not demoted', () => {
  row({
    name: '[S10] reopening it without RTLD_ISOLATE fails with EEXIST',
    graph: G,
    before: [dlmopen(NEWLM, 'libu.so', NOW | ISOLATE)],
    call: dlmopen(1, 'libu.so', NOW),
    shared: { error: msg.cannotDemote('libu.so') },
    glibc: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[S10] reopening it with RTLD_ISOLATE returns the real copy',
    graph: G,
    before: [dlmopen(NEWLM, 'libu.so', NOW | ISOLATE)],
    call: dlmopen(1, 'libu.so', NOW | ISOLATE),
    both: { handle: '1', same: 0, count: 2 },
  });
});

describe('S11: RTLD_NOLOAD | RTLD_SHARED (open question: reference behaviour)', () => {
  row({
    name: '[S11][MODE3] NOLOAD|SHARED with the object loaded in namespace 0 makes and returns a proxy',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'liba.so', NOW)],
    call: dlmopen(NEWLM, 'liba.so', NOW | RTLD_NOLOAD | SHARED),
    shared: { after: { 0: ['liba.so', 'libb.so'], 1: ['+liba.so p'] }, handle: '1p', count: 1 },
    glibc: { error: null },
  });
  row({
    name: '[S11] NOLOAD|SHARED returns a proxy already in N',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlmopen(1, 'liba.so', NOW | RTLD_NOLOAD | SHARED),
    shared: { handle: '1p', same: 0, count: 2 },
  });
  row({
    name: '[S11][MODE3] NOLOAD|SHARED with the object not in namespace 0: NULL, no dlerror message',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW | RTLD_NOLOAD | SHARED),
    both: { error: null },
  });
  row({
    name: '[S11][S4] open question: NOLOAD|SHARED on an object N holds as a real entry fails with EEXIST',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW | RTLD_NOLOAD | SHARED),
    shared: { error: msg.cannotDemote('liba.so') },
    glibc: { handle: '1', same: 0, count: 2 },
  });
  row({
    name: '[S11][S8] NOLOAD of a UNIQUE object loaded in namespace 0 proxies it too',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'libu.so', NOW)],
    call: dlmopen(NEWLM, 'libu.so', NOW | RTLD_NOLOAD),
    shared: { after: { 0: ['libu.so'], 1: ['+libu.so p'] }, handle: '1p' },
    glibc: { error: null },
  });
});

describe('S12: RTLD_GLOBAL with N > 0 is invalid, with or without RTLD_SHARED', () => {
  row({
    name: '[S12][MODE2] RTLD_GLOBAL | RTLD_SHARED into LM_ID_NEWLM',
    graph: G,
    call: dlmopen(NEWLM, 'liba.so', NOW | RTLD_GLOBAL | SHARED),
    both: { error: msg.invalidMode() },
  });
  row({
    name: '[S12][MODE2] RTLD_GLOBAL | RTLD_SHARED into an existing N',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlmopen(1, 'liba.so', NOW | RTLD_GLOBAL | SHARED),
    both: { error: msg.invalidMode() },
  });
  row({
    name: '[S12][S1] RTLD_GLOBAL | RTLD_SHARED into namespace 0 is a plain global dlopen',
    graph: G,
    call: dlmopen(LM_ID_BASE, 'libb.so', NOW | RTLD_GLOBAL | SHARED),
    both: { after: { 0: ['+libb.so'] }, handle: '0', events: ['ctor libb.so@0'] },
  });
});

describe('S13: namespace 0 never holds a proxy; a proxy never points at a proxy', () => {
  row({
    name: '[S13][S8] a UNIQUE object opened in namespace 0 is a real entry',
    graph: G,
    call: dlmopen(LM_ID_BASE, 'libu.so', NOW),
    both: { after: { 0: ['+libu.so'] }, handle: '0', events: ['ctor libu.so@0'] },
  });
  row({
    name: '[S13][S7] a second namespace proxies the master, not the first proxy: lookups land in namespace 0',
    graph: G,
    before: [dlmopen(NEWLM, 'liba.so', NOW | SHARED), dlmopen(NEWLM, 'liba.so', NOW | SHARED)],
    call: dlsym(1, 'f1'),
    shared: { symbol: 'libb.so@0' },
    glibc: { symbol: 'libb.so@2' },
  });
  row({
    name: "[S13][CALLER1] code reached through a proxy is the master's: its dlopen loads into namespace 0",
    graph: G,
    before: [dlmopen(NEWLM, 'libl.so', NOW | SHARED)],
    call: dlopen('libb.so', NOW, 0),
    shared: { after: { 0: ['libl.so', '+libb.so'], 1: ['libl.so p'] }, handle: '0', events: ['ctor libb.so@0'] },
    glibc: {
      after: { 1: ['libl.so', 'libc.so.6', 'ld-linux-x86-64.so.2 p', '+libb.so'] },
      handle: '1',
      events: ['ctor libb.so@1'],
    },
  });
});

/** SEMANTICS.md section 3, "Worked examples from the patch's own tables". */
describe('worked examples (SEMANTICS.md section 3)', () => {
  row({
    name: '[S2] example 1: - | new | SHARED | +0, +1p | 1p',
    graph: G,
    call: dlmopen(NEWLM, 'libb.so', NOW | SHARED),
    shared: { after: { 0: ['+libb.so'], 1: ['+libb.so p'] }, handle: '1p', events: ['ctor libb.so@0'] },
    glibc: { after: { 1: ['+libb.so'] }, handle: '1', events: ['ctor libb.so@1'] },
  });
  row({
    name: '[LOAD1] example 2: 0 | new | - | 0, +1 | 1 (normal DSO: private copy)',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'libb.so', NOW)],
    call: dlmopen(NEWLM, 'libb.so', NOW),
    both: { after: { 0: ['libb.so'], 1: ['+libb.so'] }, handle: '1', events: ['ctor libb.so@1'] },
  });
  row({
    name: '[S8] example 3: 0 | new | - | 0, +1p | 1p (UNIQUE DSO)',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'libu.so', NOW)],
    call: dlmopen(NEWLM, 'libu.so', NOW),
    shared: { after: { 0: ['libu.so'], 1: ['+libu.so p'] }, handle: '1p' },
    glibc: { after: { 0: ['libu.so'], 1: ['+libu.so'] }, handle: '1', events: ['ctor libu.so@1'] },
  });
  row({
    name: '[LOAD1] example 4: 1 | 0 | - | +0, 1 | 0',
    graph: G,
    before: [dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlmopen(LM_ID_BASE, 'libb.so', NOW),
    both: { after: { 0: ['+libb.so'], 1: ['libb.so'] }, handle: '0', events: ['ctor libb.so@0'] },
  });
  row({
    name: '[S4] example 5: 0, 1 | 1 | SHARED | 0, 1 | error',
    graph: G,
    before: [dlmopen(LM_ID_BASE, 'libb.so', NOW), dlmopen(NEWLM, 'libb.so', NOW)],
    call: dlmopen(1, 'libb.so', NOW | SHARED),
    shared: { error: msg.cannotDemote('libb.so') },
    glibc: { handle: '1', same: 1, count: 2 },
  });
});

/** The patched loader with a libc that is not UNIQUE (libcUnique = false): NS4/NS5 as on stock glibc. */
describe('rtld-shared with a non-UNIQUE libc', () => {
  row({
    name: '[NS4][NS5] a libc-linked object gets a private libc and a proxy of ld.so',
    graph: G,
    system: () => referenceSystem(false),
    call: dlmopen(NEWLM, 'libl.so', NOW),
    both: { after: { 1: ['+libl.so', '+libc.so.6', '+ld-linux-x86-64.so.2 p'] }, handle: '1', events: ['ctor libl.so@1'] },
  });
});
