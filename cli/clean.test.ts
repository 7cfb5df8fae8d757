/** `dlmspec clean`: the builders' directories under the cache root go, nothing else there. */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { schemaError } from '../schema/validate.ts';
import { runBin, tempDir } from './test-helpers.ts';

test('dlmspec clean removes the build cache of $DLMSPEC_CACHE_DIR', async () => {
  const root = await tempDir('dlmspec-clean-');
  await mkdir(join(root, 'dsos'), { recursive: true });
  await writeFile(join(root, 'dsos', 'x.so'), '');
  await writeFile(join(root, 'keep.txt'), '');
  const r = await runBin(['clean'], { env: { DLMSPEC_CACHE_DIR: root } });
  expect(r).toMatchObject({ code: 0, stdout: `removed the build cache in ${root}\n` });
  expect(await readdir(root)).toEqual(['keep.txt']);
  expect((await runBin(['clean', 'extra'])).code).toBe(2);
  // --json: the summary alone on stdout, valid against schema/summary.schema.json, the text on stderr.
  await mkdir(join(root, 'dsos'), { recursive: true });
  const j = await runBin(['clean', '--json'], { env: { DLMSPEC_CACHE_DIR: root } });
  expect(j.code).toBe(0);
  const s = JSON.parse(j.stdout);
  expect(s).toEqual({ format: 'dlmspec-summary', version: 1, command: 'clean', verdict: 'done', counts: {}, findings: [], data: { cache: root } });
  expect(schemaError('summary', s)).toBeNull();
  expect(j.stderr).toBe(`removed the build cache in ${root}\n`);
  expect(await readdir(root)).toEqual(['keep.txt']);
  await rm(root, { recursive: true, force: true });
});
