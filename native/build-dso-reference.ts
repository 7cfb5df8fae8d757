/**
 * The one-step recipe for a test DSO: its source compiled and linked by one
 * `cc` run with `linkFlags`, against stubs made by `cc` too, exactly as a
 * reproducer's Makefile does (repro/generate.ts). Not cached, not used to
 * run anything: native/build-dsos.test.ts compares the builder's objects
 * (one compile per shape, then a link) with these.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dso } from '../model/dso.ts';
import { checkBuildable, linkFlags } from './build-dsos.ts';
import { dsoSource } from './dso-source.ts';
import { cc, NATIVE_DIR } from './toolchain.ts';

/** Builds `dso` as DIR/lib/NAME (stubs in DIR/stubs/); returns its path. */
export async function buildDsoOneStep(dso: Dso, dir: string): Promise<string> {
  checkBuildable(dso);
  await mkdir(join(dir, 'stubs'), { recursive: true });
  await mkdir(join(dir, 'lib'), { recursive: true });
  const stubs = dso.needed.map((n) => join(dir, 'stubs', n));
  for (const [i, n] of dso.needed.entries()) {
    if (!existsSync(stubs[i]!)) await cc(['-shared', '-nostdlib', `-Wl,-soname,${n}`, '-x', 'c', '/dev/null', '-o', stubs[i]!]);
  }
  const src = join(dir, `${dso.name}.c`);
  await writeFile(src, dsoSource(dso));
  const out = join(dir, 'lib', dso.name);
  await cc([...linkFlags(dso), `-I${NATIVE_DIR}`, '-o', out, src, ...stubs]);
  return out;
}
