import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { specCounterexample } from '../cli/fixtures.ts';
import { tempDir } from '../cli/test-helpers.ts';
import { callsError, checkCounterexample, readCounterexample, writeCounterexample } from './counterexample-file.ts';
import { InputError, writeFileAtomic } from './files.ts';
import { formatShard, parseShard, shardRuns, shardSeed } from './shard.ts';

describe('atomic writes', () => {
  test('replace the file whole and leave no temporary file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'sub', 'x.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'sub'))).toEqual(['x.json']);
  });
});

describe('counterexample files', () => {
  test('round trip, and the writer refuses what the reader would', async () => {
    const dir = await tempDir();
    const c = await specCounterexample('glibc', 'rtld-shared');
    await writeCounterexample(join(dir, 'c.json'), c);
    expect(await readCounterexample(join(dir, 'c.json'))).toEqual(c);
    await expect(writeCounterexample(join(dir, 'd.json'), { ...c, seed: 1.5 })).rejects.toThrow(/refusing to write/);
    await writeFile(join(dir, 'e.json'), JSON.stringify({ ...c, calls: [] }));
    await expect(readCounterexample(join(dir, 'e.json'))).rejects.toThrow(InputError);
    await expect(readCounterexample(join(dir, 'e.json'))).rejects.toThrow(/finding.step 0 is past the last call|finding.call is not call 0/);
  });

  test('consistency beyond the schema', async () => {
    const c = await specCounterexample('glibc', 'rtld-shared');
    expect(checkCounterexample(c)).toBeNull();
    expect(checkCounterexample({ ...c, graph: { dsos: [c.graph.dsos[0], c.graph.dsos[0]] } })).toMatch(/duplicate DSO/);
    expect(checkCounterexample({ ...c, graph: { dsos: [{ ...c.graph.dsos[0]!, name: 'libc.so.6' }] } })).toMatch(/pattern|system object/);
    expect(checkCounterexample({ ...c, finding: { ...c.finding, step: 0, call: { op: 'dlinfo', handle: 0 } } })).toMatch(/finding.call is not call 0/);
    expect(checkCounterexample({ ...c, finding: { ...c.finding, observed: null } })).toMatch(/a divergence needs/);
    const order = { ...c.finding.expected!, order: [[0, 7]] };
    expect(checkCounterexample({ ...c, finding: { ...c.finding, expected: order } })).toMatch(/does not name two distinct events/);
  });

  test('handles name earlier opening calls', () => {
    expect(callsError([{ op: 'dlopen', file: 'liba.so', mode: 2 }, { op: 'dlclose', handle: 0, caller: 0 }])).toBeNull();
    expect(callsError([{ op: 'dlclose', handle: 0 }])).toMatch(/call 0: handle h0 is not an earlier call/);
    expect(callsError([{ op: 'dlopen', file: 'liba.so', mode: 2 }, { op: 'dlinfo', handle: 0 }, { op: 'dlsym', handle: 1, symbol: 'f' }])).toMatch(
      /call 2: handle h1 names a dlinfo call/,
    );
    expect(callsError([{ op: 'dlopen', file: 'liba.so', mode: 2, caller: 0 }])).toMatch(/caller h0 is not an earlier call/);
  });
});

describe('shards', () => {
  test('i/n, 1-based', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(formatShard(parseShard(' 1/1 '))).toBe('1/1');
    for (const bad of ['0/3', '4/3', '1/0', '1-3', '/3', 'a/b', '1/3/5']) expect(() => parseShard(bad), bad).toThrow(InputError);
  });

  test('seeds are derived deterministically, distinct per shard; runs are split up', () => {
    expect(shardSeed(42, null)).toBe(42);
    expect(shardSeed(42, { index: 1, count: 1 })).toBe(42);
    const seeds = [1, 2, 3, 4].map((index) => shardSeed(42, { index, count: 4 }));
    expect(new Set(seeds).size).toBe(4);
    expect(seeds).toEqual([1, 2, 3, 4].map((index) => shardSeed(42, { index, count: 4 })));
    expect(seeds.every((s) => Number.isInteger(s) && s >= -0x80000000 && s <= 0x7fffffff)).toBe(true);
    expect(shardRuns(100, { index: 1, count: 3 })).toBe(34);
    expect(shardRuns(100, null)).toBe(100);
  });
});
