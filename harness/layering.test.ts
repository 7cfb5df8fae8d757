/**
 * The layering of the README, checked on the source: model/ <- spec/ <-
 * generators/ (each imports only the layers before it), and nothing outside
 * cli/ (and bin/, which starts it) imports from cli/. Tests may import
 * anything: they drive the CLI and use its test helpers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const SKIP = new Set(['node_modules', 'bin', '.cache', '.scratch', '.git', 'out']);

/** Every non-test TypeScript source of the repository, relative to it. */
function sources(dir = REPO): string[] {
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) found.push(...sources(join(dir, e.name)));
    } else if (/\.(ts|mts|mjs)$/.test(e.name) && !/\.test\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) {
      found.push(relative(REPO, join(dir, e.name)));
    }
  }
  return found;
}

/** The repository files a source imports (static, re-exported and dynamic imports of relative paths). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.map((s) => relative(REPO, resolve(REPO, dirname(file), s)));
}

const top = (path: string) => path.split('/')[0]!;

/** Layers and the top-level directories each may import from (itself included). */
const LAYERS: Record<string, readonly string[]> = {
  model: ['model'],
  spec: ['model', 'spec'],
  generators: ['model', 'spec', 'generators'],
};

describe('layering', () => {
  const all = sources();

  test('the scan sees the sources and their imports', () => {
    expect(all).toContain('cli/validate.ts');
    expect(all).toContain('harness/format.ts');
    expect(importsOf('cli/validate.ts')).toContain('harness/validate.ts');
    expect(importsOf('cli/check.ts')).toContain('cli/format.ts');
  });

  test('nothing outside cli/ imports from cli/', () => {
    const offending = all.filter((f) => top(f) !== 'cli').flatMap((f) => importsOf(f).filter((i) => top(i) === 'cli').map((i) => `${f} imports ${i}`));
    expect(offending).toEqual([]);
  });

  test('model/ <- spec/ <- generators/: each imports only the layers before it', () => {
    const offending = all
      .filter((f) => top(f) in LAYERS)
      .flatMap((f) => importsOf(f).filter((i) => !LAYERS[top(f)]!.includes(top(i))).map((i) => `${f} imports ${i}`));
    expect(offending).toEqual([]);
  });
});
