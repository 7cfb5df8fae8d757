/**
 * Loader bugs dlmspec found (CONFORMANCE.md, "Loader bugs found"): what each
 * is, which loaders have it (profile and releases, model/release.ts), how
 * upstream fixed it, and the corpus files that keep it. Data only: the
 * triggers that leave a bug's calls out of random runs are
 * generators/known-bugs.ts; a bug the spec models instead (its old behaviour
 * shows in nearly every sequence of a mode) is a range of its rule, marked
 * with the bug's ID (spec/releases.ts).
 *
 * A bug of a range of releases is a behaviour a later release fixed as a
 * bug: `fixed` names the release, the commit and the Bugzilla number, and
 * the backports to release branches, which a distribution's build of an
 * older release may carry (the releases of a range are the release tags as
 * published, ../shared/loaders/).
 */
import { formatRange, inRange, type Release, type ReleaseRange } from '../model/release.ts';
import type { Profile } from './profile.ts';

export interface UpstreamFix {
  /** The first release that has the fix. */
  readonly release: string;
  readonly commit: string;
  /** sourceware Bugzilla number (absent: the commit names none). */
  readonly bug?: number;
  /** The commit's subject line. */
  readonly title: string;
  /** The same fix on release branches (`release/2.36/master`): such a branch's later builds do not have the bug. */
  readonly backports?: readonly { readonly branch: string; readonly commit: string }[];
}

export interface LoaderBug {
  readonly id: string;
  /** What a reader looks up: one line. */
  readonly title: string;
  /** What a run shows at the trigger. */
  readonly shows: 'crash' | 'divergence';
  /** `audit`: only under an audit module (`--audit`). */
  readonly mode: 'plain' | 'audit';
  /** The loaders that have it: stock glibc, the RTLD_SHARED series build, or both ... */
  readonly profiles: readonly Profile[];
  /** ... at these releases (`{}`: every release, the series' build included when its profile is listed). */
  readonly releases: ReleaseRange;
  /** null: not fixed upstream (as of the newest loader here, master 2.42.9000), or a bug of the series under review. */
  readonly fixed: UpstreamFix | null;
  /**
   * `trigger`: left out of random runs by generators/known-bugs.ts;
   * `modelled`: the spec follows it on those releases (spec/releases.ts);
   * `probe`: outside what the spec models (a libc copy's own services), shown
   * by `dlmspec probe` alone.
   */
  readonly handling: 'trigger' | 'modelled' | 'probe';
  /** Corpus files (corpus/) that keep it: each still diverges on a loader that has the bug (replayed strict) and conforms on one that does not. */
  readonly corpus: readonly string[];
  /** The `dlmspec probe` capability (probe/capabilities.ts) whose failure it explains, if one shows it. */
  readonly probe?: string;
  readonly summary: string;
}

/** One fix, two bugs: the DFS sorter's unused `skip` made both the order (GLIBC-DFS-FORCE-FIRST-ORDER) and the premature unload (GLIBC-CLOSE-FORCE-FIRST). */
const FIX_28937: UpstreamFix = {
  release: '2.37',
  commit: '1df71d32fe5f5905ffd5d100e5e9ca8ad6210891',
  bug: 28937,
  title: 'elf: Implement force_first handling in _dl_sort_maps_dfs (bug 28937)',
  backports: [
    { branch: 'release/2.35/master', commit: 'd883d02008b0bd214bdca982f4be82a8d6856934' },
    { branch: 'release/2.36/master', commit: 'da5f134f6d59701a3a6119309ae91c93c3fa5b51' },
  ],
};

export const LOADER_BUGS: readonly LoaderBug[] = [
  {
    id: 'GLIBC-AUDIT-EMPTY-NS',
    title: 'under LD_AUDIT, any open into an empty namespace crashes (la_activity with no head)',
    shows: 'crash',
    mode: 'audit',
    profiles: ['glibc'],
    // 2.34 as released; 2.35 development snapshots (2.34.9000) had the fix from
    // 2021-11-11 on, and the RTLD_SHARED series build guards it itself ("Do
    // not try to call auditing functions if the namespace is currently empty").
    releases: { from: '2.34', until: '2.34.9000' },
    fixed: {
      release: '2.35',
      commit: 'ed3ce71f5c64c5f07cbde0ef03554ea8950d8f2c',
      bug: 28062,
      title: 'elf: Move la_activity (LA_ACT_ADD) after _dl_add_to_namespace_list() (BZ #28062)',
      backports: [{ branch: 'release/2.34/master', commit: 'e25fe992132c460fecc1ab9fade185d5dd3f91ff' }],
    },
    handling: 'trigger',
    probe: 'audit-dlmopen',
    corpus: ['glibc-audit-empty-ns.json'],
    summary:
      'under LD_AUDIT, dlmopen(LM_ID_NEWLM, ...) crashes (SIGSEGV) before it returns: _dl_map_object_from_fd (elf/dl-load.c) signals LA_ACT_ADD for the target namespace before the new object is added to it, reading `head->l_auditing` of an empty namespace (head NULL). Every sequence that makes a new namespace crashes at that call, so on 2.34 an auditor and dlmopen cannot be used together.',
  },
  {
    id: 'GLIBC-CLOSE-FORCE-FIRST',
    title: 'dlclose unloads an object a kept object on a dependency cycle still needs (DFS sort without force_first)',
    shows: 'divergence',
    mode: 'plain',
    profiles: ['glibc', 'rtld-shared'],
    releases: { from: '2.35', until: '2.37' },
    fixed: FIX_28937,
    handling: 'trigger',
    corpus: ['glibc-close-force-first.json', 'glibc-close-force-first-rollback.json', 'glibc-close-force-first-caller.json'],
    summary:
      'dlclose unloads (destructor, gone from the list) an object that a kept object still needs, when that kept object was opened by dlopen while on a DT_NEEDED cycle; a call made from code in the unloaded object then crashes (SIGSEGV). 2.35 made the DFS sorter of elf/dl-sort-maps.c the default (commit 15a0c5730d1d, bug 17645), and _dl_sort_maps_dfs ignored its `skip` argument: _dl_map_object_deps (elf/dl-deps.c) sorts the new l_initfini of the object dlopen opened, and on a cycle the object lands after the dependency it reaches back through. _dl_close_worker (elf/dl-close.c) marks a kept object\'s dependencies from l_initfini[1] on ("We are always the zeroth entry"), so l_initfini[0], that dependency, is never marked used and is unloaded.',
  },
  {
    id: 'GLIBC-NS-DLOPEN-MODE',
    title: 'dlopen from code in a secondary namespace with a mode bit dlopen refuses crashes',
    shows: 'crash',
    mode: 'plain',
    profiles: ['glibc', 'rtld-shared'],
    releases: { until: '2.37' },
    fixed: { release: '2.37', commit: 'ee1ada1bdb8074de6e1bdc956ab19aef7b6a7872', bug: 25486, title: 'elf: Rework exception handling in the dynamic loader [BZ #25486]' },
    handling: 'trigger',
    corpus: ['glibc-ns-dlopen-refused-mode-crash.json', 'glibc-ns-dlopen-refused-mode-crash-series.json'],
    summary:
      'dlopen with a mode bit it refuses, called from code in a secondary namespace, crashes (SIGSEGV): the libc copy of that namespace signals "invalid mode parameter" through its own _dl_signal_error, whose catch hook is unset, so fatal_error runs instead of dlerror. Fixed in 2.37 by the rework that moved the exception handling back into ld.so (ee1ada1bdb80, bug 25486): a build of that commit conforms, a build of its parent crashes (../shared/loaders/build-release.sh).',
  },
  {
    id: 'GLIBC-AUDIT-RTLD-STANDIN-SILENT',
    title: 'under LD_AUDIT, no la_objopen for the ld.so stand-in a new namespace gets',
    shows: 'divergence',
    mode: 'audit',
    profiles: ['glibc', 'rtld-shared'],
    releases: { until: '2.41' },
    fixed: {
      release: '2.41',
      commit: '8f36b1469677afe37168f9af1b77402d7a70c673',
      bug: 31985,
      title: 'elf: Signal la_objopen for the proxy link map in dlmopen (bug 31985)',
    },
    handling: 'modelled',
    probe: 'audit-ldso-objopen',
    corpus: ['glibc-audit-rtld-standin-silent.json'],
    summary:
      'under LD_AUDIT, a namespace that gets the ld.so stand-in (NS4, with a libc copy of its own) reports no la_objopen for it, though la_objclose reports it when the namespace is unloaded: _dl_map_object_from_fd (elf/dl-load.c) returns the stand-in it adds to the namespace list before the auditing checkpoints. Modelled (AUD2): nearly every audited sequence loads a libc copy into a new namespace.',
  },
  {
    id: 'GLIBC-AUDIT-DELETE-AFTER-CLOSE',
    title: 'under LD_AUDIT, dlclose reports LA_ACT_DELETE after la_objclose, not before',
    shows: 'divergence',
    mode: 'audit',
    profiles: ['glibc', 'rtld-shared'],
    releases: { until: '2.41' },
    fixed: {
      release: '2.41',
      commit: '495b96e064da605630a23092d1e484ade4bdc093',
      bug: 32066,
      title: 'elf: Reorder audit events in dlcose to match _dl_fini (bug 32066)',
    },
    handling: 'modelled',
    corpus: ['glibc-audit-delete-after-close.json'],
    summary:
      'under LD_AUDIT, a dlclose that unloads objects calls la_objclose for each before la_activity(LA_ACT_DELETE), where process exit (_dl_fini) and rtld-audit(7) have LA_ACT_DELETE first: _dl_close_worker (elf/dl-close.c) signalled LA_ACT_DELETE only after its loop over the objects it unloads. Modelled (AUD5): every audited dlclose that unloads shows it.',
  },
  {
    id: 'GLIBC-AUDIT-EXIT-NO-ACTIVITY',
    title: 'under LD_AUDIT, process exit reports la_objclose without la_activity around it',
    shows: 'divergence',
    mode: 'audit',
    profiles: ['glibc', 'rtld-shared'],
    releases: { until: '2.35' },
    fixed: {
      release: '2.35',
      commit: '5fa11a2bc94c912c3b25860065086902674537ba',
      title: 'elf: Add la_activity during application exit',
      backports: [{ branch: 'release/2.34/master', commit: '98047ba95caf9ed596908ca73a22070c5e27597b' }],
    },
    handling: 'modelled',
    corpus: ['glibc-audit-exit-no-activity.json'],
    summary:
      'under LD_AUDIT, _dl_fini (elf/dl-fini.c) calls la_objclose for every object at exit but no la_activity: an auditor is never told that the namespaces are being torn down ("la_activity is not called during application exit, even though la_objclose is"). Modelled (AUD7): every audited run that ends with exit shows it.',
  },
  {
    id: 'GLIBC-AUDIT-EXIT-STANDIN-SILENT',
    title: 'under LD_AUDIT, process exit reports no la_objclose for the ld.so stand-in of a secondary namespace',
    shows: 'divergence',
    mode: 'audit',
    profiles: ['glibc', 'rtld-shared'],
    releases: { until: '2.41' },
    fixed: {
      release: '2.41',
      commit: 'c4b160744cb39eca20dc36b39c7fa6e10352706c',
      bug: 32065,
      title: 'elf: Call la_objclose for proxy link maps in _dl_fini (bug 32065)',
      backports: [
        { branch: 'release/2.39/master', commit: 'f407a14ff7788cb6158d91d2cd9850f218e796d3' },
        { branch: 'release/2.40/master', commit: '196fce69506d0b3aede8e333ed3a5e777a645352' },
      ],
    },
    handling: 'modelled',
    corpus: ['glibc-audit-exit-standin-silent.json'],
    summary:
      'under LD_AUDIT, at exit _dl_fini (elf/dl-fini.c) leaves the ld.so stand-in of each secondary namespace out of its maps ("Do not handle ld.so in secondary namespaces") and so out of its la_objclose calls, though dlclose reports it when it unloads the namespace. Modelled (AUD7): every audited run that exits with a secondary namespace holding a libc copy shows it.',
  },
  {
    id: 'GLIBC-DFS-FORCE-FIRST-ORDER',
    title: 'the DFS sorter ignores force_first: an object dlopen opens on a dependency cycle is not constructed last',
    shows: 'divergence',
    mode: 'plain',
    profiles: ['glibc', 'rtld-shared'],
    releases: { from: '2.35', until: '2.37' },
    fixed: FIX_28937,
    handling: 'modelled',
    corpus: ['glibc-dfs-force-first-order.json'],
    summary:
      'the order of constructors when dlopen opens an object on a DT_NEEDED cycle: _dl_sort_maps_dfs (elf/dl-sort-maps.c) ignored its skip argument, so the l_initfini that _dl_map_object_deps (elf/dl-deps.c) sorts need not start with the opened object, and _dl_init, which runs it from the end, does not construct that object last. The same unused argument is GLIBC-CLOSE-FORCE-FIRST\'s cause. Modelled (LOAD3): the order is the release\'s, marked.',
  },
  {
    id: 'GLIBC-DLCLOSE-FORCE-FIRST-ORDER',
    title: 'dlclose does not run the closed object\'s destructor first when objects it unloads depend on it',
    shows: 'divergence',
    mode: 'plain',
    profiles: ['glibc', 'rtld-shared'],
    releases: { until: '2.39' },
    fixed: {
      release: '2.39',
      commit: '849274d48fc59bfa6db3c713c8ced8026b20f3b7',
      bug: 30981,
      title: 'elf: Fix force_first handling in dlclose (bug 30981)',
    },
    handling: 'modelled',
    corpus: ['glibc-dlclose-force-first-order.json'],
    summary:
      'the order of destructors of a dlclose that unloads objects on a cycle with the closed one: _dl_close_worker (elf/dl-close.c) sorted the namespace list as it stood, keeping its first entry first in namespace 0 only, so the closed object, wherever it was in the list, had no place of its own ("The force_first parameter was ineffective because the dlclose\'d object was not necessarily the first in the maps array"). Modelled (CLOSE3): the order is the release\'s, marked.',
  },
  {
    id: 'GLIBC-NS-DLOPEN-GLOBAL',
    title: 'dlopen with RTLD_GLOBAL from code in a secondary namespace crashes',
    shows: 'crash',
    mode: 'plain',
    profiles: ['glibc', 'rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    probe: 'dlopen-global-in-ns',
    corpus: ['glibc-ns-dlopen-global-crash.json', 'glibc-ns-dlopen-global-crash-series.json'],
    summary:
      'dlopen with RTLD_GLOBAL, called from code in a secondary namespace, crashes (SIGSEGV in add_to_global_resize, elf/dl-open.c): that namespace has no global scope list. dlmopen refuses the same request with "invalid mode"; dlopen has no such check.',
  },
  {
    id: 'GLIBC-CLOSE-LIBC-MAP-STALE',
    title: 'an open into a namespace whose libc copy a dlclose unloaded, the namespace kept, crashes (a stale libc_map)',
    shows: 'crash',
    mode: 'plain',
    profiles: ['glibc'],
    releases: { from: '2.39' },
    fixed: null,
    handling: 'trigger',
    probe: 'libc-reload',
    corpus: ['glibc-close-libc-map-stale.json'],
    summary:
      'dlmopen(N, ...) (or a dlopen from code in N) crashes (SIGSEGV in dl_open_worker_begin) once a dlclose has unloaded N\'s libc copy while N keeps other objects (ones linked -nostdlib, or nodelete): `liba -> {libb (nodelete), libd (libc)}`, `libb -> libe`; dlmopen(LM_ID_NEWLM, "liba.so"), dlclose(h0), dlmopen(1, "libd.so"). _dl_map_object_from_fd (elf/dl-load.c) records the copy as GL(dl_ns)[N].libc_map, which only _dl_open clears (for LM_ID_NEWLM, or after a failed open that loaded it); _dl_close_worker (elf/dl-close.c) frees the link map and leaves the pointer. Since 2.39 dl_open_worker_begin (elf/dl-open.c) relocates libc_map before anything else (commit 78ca44da0160, "elf: Relocate libc.so early during startup and dlmopen", bug 31083), so the next open into N follows it into freed memory (poisoned by glibc.malloc.perturb: every run crashes). Before 2.39 the same stale pointer only made libc_already_loaded true, so a libc copy loaded into N again got no __libc_early_init (no crash seen: the test DSOs do not use it). Not fixed on master (2.42.9000); found by dlmspec matrix --seed 3 --runs 6000 on 2.42 and master, replayed on every release (crashes on 2.39, 2.41, 2.42, master; conforms up to 2.38).',
  },
  {
    id: 'GLIBC-NS-REUSE-LIBC-UNINIT',
    title: 'a namespace taken again after dlclose emptied it gets a libc copy that was never initialised: its ctype crashes',
    shows: 'crash',
    mode: 'plain',
    profiles: ['glibc'],
    releases: { until: '2.37' },
    fixed: {
      release: '2.37',
      commit: 'd0e357ff45a75553dee3b17ed7d303bfa544f6fe',
      bug: 29528,
      title: 'elf: Call __libc_early_init for reused namespaces (bug 29528)',
      backports: [
        { branch: 'release/2.34/master', commit: '536ddc5c02f1ee82483319863a893ccb381beece' },
        { branch: 'release/2.35/master', commit: '577c2fc7f34eeaaa2ecec94108bb3f0417383a32' },
        { branch: 'release/2.36/master', commit: '924e4f3eaa502ce82fccf8537f021a796d158771' },
      ],
    },
    handling: 'probe',
    probe: 'namespace-reuse',
    corpus: [],
    summary:
      'dlmopen(LM_ID_NEWLM) that takes again a namespace a dlclose emptied loads a new libc copy there but never runs its __libc_early_init: _dl_open (elf/dl-open.c) decided whether to call it from GL(dl_ns)[nsid].libc_map, which the namespace kept from its first libc copy. The copy\'s ctype tables are unset: isalpha from code in the namespace crashes (SIGSEGV). The spec models no libc service, so random runs do not see it; `dlmspec probe` (namespace-reuse) does.',
  },
  {
    id: 'GLIBC-LIBC-RELOAD-NO-EARLY-INIT',
    title: 'a second libc copy in a namespace that kept other objects is never initialised: its ctype crashes',
    shows: 'crash',
    mode: 'plain',
    profiles: ['glibc'],
    // Up to 2.41: 2.42 initialises ctype's TLS pointers by relocation, so a copy that missed its early initialisation no longer crashes there (it still misses it).
    releases: { until: '2.42' },
    fixed: {
      release: '2.42',
      commit: '2745db8dd3ec31045acd761b612516490085bc20',
      bug: 32483,
      title: 'ctype: Fallback initialization of TLS using relocations (bug 19341, bug 32483)',
    },
    handling: 'probe',
    probe: 'libc-reload',
    corpus: [],
    summary:
      'the same stale GL(dl_ns)[N].libc_map as GLIBC-CLOSE-LIBC-MAP-STALE, before it became a crash in dlmopen: when a dlclose unloaded namespace N\'s libc copy and N kept other objects, the next libc copy loaded into N finds libc_map set, so dl_open_worker_begin takes libc as already loaded (libc_already_loaded) and _dl_open never calls its __libc_early_init; ctype from code in N then crashes (SIGSEGV). Seen without poisoned memory on 2.34 to 2.41 (2.42\'s ctype no longer needs the early initialisation, 2745db8dd3ec, which hides it); with it, from 2.39 the open itself crashes first (GLIBC-CLOSE-LIBC-MAP-STALE). Bug 29528\'s fix (2.37) covers a namespace emptied and taken again by LM_ID_NEWLM, which clears libc_map, not this one.',
  },
  {
    id: 'SHARED-UNIQUE-RT-ADD',
    title: 'a UNIQUE object opened into N leaves N in RT_ADD: the next open there aborts',
    shows: 'crash',
    mode: 'plain',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-unique-rt-add.json'],
    summary:
      'after a direct open of a UNIQUE object into namespace N > 0 while namespace 0 does not hold it yet, the next dlopen/dlmopen into N that maps no new real object (a reopen of the proxy, an RTLD_NOLOAD miss, an error) crashes (abort, exit 127): "Assertion `_dl_debug_update (args.nsid)->r_state == RT_CONSISTENT\' failed" (elf/dl-open.c _dl_open). _dl_map_object_from_fd marks N RT_ADD before it redirects the UNIQUE object to namespace 0, and only namespace 0 is made RT_CONSISTENT again.',
  },
  {
    id: 'SHARED-ISOLATE-RTLD-RELOC',
    title: 'RTLD_ISOLATE with a private libc relocates ld.so again and crashes',
    shows: 'crash',
    mode: 'plain',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-isolate-rtld-reloc.json'],
    summary:
      'dlmopen with RTLD_ISOLATE that gives namespace N a private libc copy (and so a stand-in for ld.so, NS4) crashes (SIGSEGV in _dl_relocate_object) when the stand-in sits between objects still to relocate (liba -> {libb, libc}, libb -> libd -> libe): the series changed the relocation loop of dl_open_worker_begin (elf/dl-open.c) from `l->l_real->l_relocated` to `if (l->l_proxy) l = l->l_real; if (l->l_relocated)`, and the ld.so stand-in is no l_proxy, so ld.so itself is relocated again.',
  },
  {
    id: 'SHARED-UNIQUE-DEP-UNINITIALISED',
    title: 'a UNIQUE dependency namespace 0 lacks is proxied uninitialised',
    shows: 'divergence',
    mode: 'plain',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-unique-dep-uninitialised.json'],
    summary:
      'a UNIQUE DT_NEEDED dependency of an object loaded into namespace N > 0, not yet in namespace 0, diverges (S8): it is mapped into namespace 0 but its own DT_NEEDED are never loaded and its constructor never runs. openaux (elf/dl-deps.c) wraps the object _dl_map_object just mapped in namespace 0 in a proxy at once, and _dl_map_object_deps, the relocation loop and _dl_init then see only the proxy (which has no dependencies and no initialiser), never the new master.',
  },
  {
    id: 'SHARED-PROXY-NODELETE-LOST',
    title: 'RTLD_NODELETE on a proxy is lost',
    shows: 'divergence',
    mode: 'plain',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-proxy-nodelete-lost.json'],
    summary:
      'dlclose of a proxy opened with RTLD_NODELETE diverges (MODE4, CLOSE2): the proxy is removed when its count reaches zero. _dl_new_proxy (elf/dl-object.c) records RTLD_NODELETE as `l_flags_1 |= DF_1_NODELETE`, a flag read only while a dynamic section is parsed; since glibc 2.31 _dl_close and _dl_close_worker (elf/dl-close.c) test l_nodelete_active, which nothing sets for a proxy (a reopen of an existing proxy returns before any NODELETE handling).',
  },
  {
    id: 'SHARED-MASTER-PIN-LOST',
    title: 'a master is unloaded under its proxies',
    shows: 'divergence',
    mode: 'plain',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-master-pin-lost.json'],
    summary:
      'a master in namespace 0 is unloaded under its proxies (S5), and the process diverges: dlclose of the master, or of an object in namespace 0 that holds it, unloads it (destructor, gone from namespace 0) while the proxy stays in N, pointing at freed memory. _dl_new_proxy (elf/dl-object.c) pins the master with `old->l_flags_1 |= DF_1_NODELETE`, which _dl_close and _dl_close_worker (elf/dl-close.c) never read (they test l_nodelete_active); and dl_open_worker_begin (elf/dl-open.c) counts the proxy\'s open on the master too (`++new->l_direct_opencount` before _dl_new_proxy), a count no close of the proxy gives back, so the master goes one close after its own opens are closed. A start-up master (libc.so.6) is not even flagged (`if (old->l_type == lt_loaded)`): closing it once more than it was opened, proxy creations counted, fails with `shared object not open`, where S5 has dlclose of a master succeed.',
  },
  {
    id: 'SHARED-PROXY-DLSYM-DEP-MASTER',
    title: 'dlsym through a proxy of a dependency-only master crashes',
    shows: 'crash',
    mode: 'plain',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-proxy-dlsym-dep-master.json', 'shared-proxy-dlsym-dep-master-caller.json'],
    summary:
      'dlsym through a proxy whose master has no search list of its own crashes (SIGSEGV in do_lookup_x): a master namespace 0 loaded at start-up (libc.so.6) or only as a dependency, proxied into N as a DT_NEEDED of a real object there, or reopened there through that proxy (S3). _dl_sym (elf/dl-sym.c) looks the name up in the master\'s l_local_scope, that is its l_searchlist, which _dl_map_object_deps builds only for the object a dlopen maps; openaux (elf/dl-deps.c) proxies the master without one, and do_lookup_x reads the NULL list. A direct RTLD_SHARED open of the object builds one, and dlsym on that proxy works (S7); so does a list the close worker gave the master (CLOSE5).',
  },
  {
    id: 'SHARED-PROXY-SONAME-MISS',
    title: 'a DT_NEEDED by soname misses a proxy and loads a second copy',
    shows: 'divergence',
    mode: 'plain',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-proxy-soname-miss.json'],
    summary:
      'a DT_NEEDED name that namespace N holds as a proxy (opened by path) diverges (LOAD2, S3): N gets a second, real copy beside the proxy, with its constructor. _dl_find_dso (elf/dl-load.c) matches a proxy by l_name and l_libname only; its soname fallback reads l_info[DT_SONAME], which _dl_new_proxy (elf/dl-object.c) leaves empty, so a dependency named by soname misses the proxy.',
  },
  {
    id: 'SHARED-AUDIT-PROXY-COOKIE',
    title: 'la_objclose and la_activity get a cookie of 0 for proxies',
    shows: 'divergence',
    mode: 'audit',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-audit-proxy-cookie.json'],
    summary:
      'under LD_AUDIT, the audit report diverges (AUD3, AUD4) wherever a proxy goes: an auditor cannot tell which object or namespace a proxy stands for: la_objclose for a removed proxy, and la_activity for a namespace whose head is a proxy, pass a cookie of 0 (AUD3, AUD4), where rtld-audit(7) says the cookie starts out as the object\'s link map. _dl_new_proxy (elf/dl-object.c) reserves the proxy\'s audit state (calloc of sizeof (struct link_map) + audit_space) but, unlike _dl_new_object, never sets `l_audit[cnt].cookie = (uintptr_t) new`; it makes no la_objopen either (AUD2 has none for a proxy), while _dl_close_worker (elf/dl-close.c) reports every map it removes, proxies included.',
  },
  {
    id: 'SHARED-AUDIT-UNIQUE-ADD',
    title: 'no LA_ACT_ADD for namespace 0 when a UNIQUE object is redirected there',
    shows: 'divergence',
    mode: 'audit',
    profiles: ['rtld-shared'],
    releases: {},
    fixed: null,
    handling: 'trigger',
    corpus: ['shared-audit-unique-add.json'],
    summary:
      'under LD_AUDIT, the audit report diverges (AUD4) when a direct open into namespace N > 0 of a UNIQUE object namespace 0 lacks (without RTLD_SHARED) reports la_objopen(obj, 0) with no LA_ACT_ADD for namespace 0 before it (AUD4). _dl_map_object_from_fd (elf/dl-load.c) makes the "going to add new objects" checkpoint for N (skipped there, N being empty) before has_gnu_unique redirects the object to namespace 0: the same misplaced checkpoint as SHARED-UNIQUE-RT-ADD.',
  },
];

export const loaderBug = (id: string): LoaderBug | undefined => LOADER_BUGS.find((b) => b.id === id);

/** Whether a loader of `profile` at `release` (null: the newest behaviour) has the bug. */
export function affects(bug: LoaderBug, profile: Profile, release: Release | null): boolean {
  return bug.profiles.includes(profile) && inRange(release, bug.releases);
}

/** `glibc 2.35 to 2.36`, `RTLD_SHARED series v12`, `glibc (every release) and the RTLD_SHARED series v12`. */
export function loadersOf(bug: LoaderBug): string {
  const stock = !bug.profiles.includes('glibc') ? null : bug.releases.from === undefined && bug.releases.until === undefined ? 'glibc (every release)' : `glibc ${formatRange(bug.releases)}`;
  const series = bug.profiles.includes('rtld-shared') && inRange({ major: 2, minor: 34, patch: 9000 }, bug.releases) ? 'the RTLD_SHARED series v12 (2.34.9000)' : null;
  return [stock, series].filter((x) => x !== null).join(' and ');
}

/** `fixed in 2.37 by 1df71d32fe5f (bug 28937)`, or why there is no fix. */
export function fixText(bug: LoaderBug): string {
  if (bug.fixed === null) return bug.profiles.includes('glibc') ? 'not fixed upstream (master 2.42.9000 has it)' : 'a bug of the series under review';
  const f = bug.fixed;
  const backports = (f.backports ?? []).map((b) => `${b.branch} ${b.commit.slice(0, 12)}`);
  return `fixed in ${f.release} by ${f.commit.slice(0, 12)}${f.bug !== undefined ? ` (bug ${f.bug})` : ''}${backports.length > 0 ? `; backported: ${backports.join(', ')}` : ''}`;
}
