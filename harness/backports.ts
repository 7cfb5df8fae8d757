/**
 * Release branches carry backports: a distribution's build of 2.36 may have
 * a fix that glibc 2.36 as released lacks (this machine's Debian 2.36 has
 * the fix of bug 28937). Where the spec models a known bug as the old
 * behaviour of a range (spec/releases.ts), judging such a loader by its
 * release alone would call every sequence that shows the fix a divergence.
 *
 * So the fix is measured, not guessed from a version string: for each
 * modelled bug that the loader's release has and that glibc backported to a
 * release branch, the bug's corpus file (corpus/, which shows it) is run on
 * the loader and judged strictly (the fix expected). A loader that conforms
 * carries the backport, and the spec judges it as the fixed releases
 * (SystemDescription.backports, recorded in counterexample files so a
 * replay judges alike). One short run per such bug, once per loader.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Implementation, SystemInfo } from '../adapters/implementation.ts';
import { parseRelease } from '../model/release.ts';
import { affects, LOADER_BUGS } from '../spec/loader-bugs.ts';
import type { Profile } from '../spec/profile.ts';
import { describedSystem, runSpec, type SystemDescription } from '../spec/run.ts';
import { readCounterexample } from './counterexample-file.ts';
import { judge } from './judge.ts';

const CORPUS_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), 'corpus');

/** Modelled bugs of `release` under `profile` with a backport to some release branch that a run in this mode can show (an audit bug needs the audit module). */
export function backportCandidates(profile: Profile, release: string | undefined, audited: boolean): string[] {
  if (release === undefined) return [];
  const r = parseRelease(release);
  return LOADER_BUGS.filter((b) => b.handling === 'modelled' && (b.fixed?.backports?.length ?? 0) > 0 && affects(b, profile, r) && (b.mode !== 'audit' || audited)).map((b) => b.id);
}

/** How many runs measureBackports makes: one per corpus file of each candidate of the profile. */
export async function backportRuns(profile: Profile, release: string | undefined, audited: boolean): Promise<number> {
  let n = 0;
  for (const id of backportCandidates(profile, release, audited)) {
    for (const file of LOADER_BUGS.find((b) => b.id === id)!.corpus) if ((await readCounterexample(join(CORPUS_DIR, file))).profile === profile) n += 1;
  }
  return n;
}

/** The bugs of backportCandidates whose corpus files conform on `impl` when the fix is expected. */
export async function measureBackports(impl: Implementation, info: SystemInfo, profile: Profile, release: string | undefined): Promise<string[]> {
  const found: string[] = [];
  for (const id of backportCandidates(profile, release, info.extensions?.audit === 1)) {
    const bug = LOADER_BUGS.find((b) => b.id === id)!;
    // Fixed when at least one of its files (of this profile) ran and every one conformed.
    let ran = 0;
    let fixed = true;
    for (const file of bug.corpus) {
      const c = await readCounterexample(join(CORPUS_DIR, file));
      if (c.profile !== profile) continue;
      ran += 1;
      const system = describedSystem(info, release);
      const steps = runSpec(profile, c.graph, c.calls, system, { strict: true }).steps;
      const outcome = await impl.run(c.graph, c.calls);
      if (judge(steps, outcome) !== null) fixed = false;
    }
    if (fixed && ran > 0) found.push(id);
  }
  return found;
}

/** The system the spec judges a loader by: its hello, its release (or `release`), and the backports measured on it. */
export async function loaderSystem(impl: Implementation, info: SystemInfo, profile: Profile, release: string | undefined = info.release): Promise<SystemDescription> {
  const backports = await measureBackports(impl, info, profile, release);
  return { ...describedSystem(info, release), ...(backports.length > 0 ? { backports } : {}) };
}
