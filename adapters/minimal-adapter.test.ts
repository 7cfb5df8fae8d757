/**
 * PROTOCOL.md section 8, the minimal adapter, taken from the document
 * verbatim: mini-run.c compiled with cc, adapter.mjs run by node, and
 * `dlmspec validate` on this machine's glibc through it must conform.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BIN, REPO, runBin, tempDir } from '../cli/test-helpers.ts';

/** The fenced block right after `<!-- minimal-adapter: NAME -->`. */
export function adapterFile(protocol: string, name: string): string {
  const m = new RegExp(`<!-- minimal-adapter: ${name.replace('.', '\\.')} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\n`).exec(protocol);
  if (m === null) throw new Error(`PROTOCOL.md: no minimal-adapter block ${name}`);
  return m[1]!;
}

describe('the minimal adapter of PROTOCOL.md', () => {
  let impl: string;
  beforeAll(async () => {
    const protocol = readFileSync(join(REPO, 'PROTOCOL.md'), 'utf8');
    const dir = await tempDir('dlmspec-minimal-');
    for (const name of ['adapter.mjs', 'mini-run.c']) writeFileSync(join(dir, name), adapterFile(protocol, name));
    execFileSync(process.env.CC ?? 'cc', ['-O1', '-Wall', '-Werror', '-o', join(dir, 'mini-run'), join(dir, 'mini-run.c')]);
    impl = `cmd:${process.execPath} ${join(dir, 'adapter.mjs')} ${join(dir, 'mini-run')} ${process.execPath} ${BIN}`;
  }, 60_000);

  test('validate through it conforms on this machine glibc', async () => {
    const out = await tempDir();
    const r = await runBin(['validate', '--impl', impl, '--profile', 'glibc', '--runs', '8', '--seed', '1', '--out', out, '--quiet', '--json'], { timeoutMs: 170_000 });
    const s = JSON.parse(r.stdout) as { verdict: string; counts: { runs: number }; data: { implementation: string } };
    expect(s.data.implementation).toMatch(/dlmspec minimal adapter/);
    expect({ code: r.code, verdict: s.verdict, runs: s.counts.runs }, r.stderr).toEqual({ code: 0, verdict: 'conforms', runs: 8 });
  }, 180_000);

  test('a hand-written table runs on it: the private copy of a normal DSO (glibc)', async () => {
    const r = await runBin(['run', 'scenarios/semantics/example2-normal-private-copy.scenario', '--impl', impl, '--profile', 'glibc', '--json'], { timeoutMs: 110_000 });
    const s = JSON.parse(r.stdout) as { verdict: string; counts: { rows: number; rowsFailed: number } };
    expect(s.verdict, r.stderr).toBe('conforms');
    expect(s.counts.rows).toBeGreaterThan(0);
  }, 120_000);
});
