/**
 * `--shard i/n`: n machines (or processes) split one validation. Shard i
 * (1-based) searches with its own seed, derived from the base seed and i, and
 * runs ceil(runs / n) sequences, so the n shards together run at least `runs`
 * sequences, none of them the same sequence as another shard's by design.
 */
import { InputError } from './files.ts';

export interface Shard {
  /** 1..count */
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (!m) throw new InputError(`--shard ${JSON.stringify(text)}: expected i/n, e.g. 1/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new InputError(`--shard ${text}: the number of shards must be at least 1`);
  if (index < 1 || index > count) throw new InputError(`--shard ${text}: i must be between 1 and ${count}`);
  return { index, count };
}

/** The seed of shard i: the base seed itself for a single shard, else a hash of (seed, i). */
export function shardSeed(seed: number, shard: Shard | null): number {
  if (shard === null || shard.count === 1) return seed;
  return mixSeed(seed, shard.index);
}

/** A seed derived from (seed, n): murmur3's 32-bit finaliser over the pair, well mixed and stable forever. */
export function mixSeed(seed: number, n: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(n, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h | 0;
}

export function shardRuns(runs: number, shard: Shard | null): number {
  return shard === null ? runs : Math.ceil(runs / shard.count);
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
