// Per-tier, per-operation counts of the cache group (for metrics and /state), and the observer
// callback that mirrors each count with its duration (`RequestMetrics.cacheOperation`).

import type { CacheOperation, CacheResult } from '../observability/types.js';
import type { CacheTier } from './types.js';

/**
 * Called once per key and tier for reads (hit / miss / error / timeout) and once per entry and
 * tier for writes. A write that succeeded is reported as `hit` (the metric's label set has no
 * "ok"); `seconds` is the duration of the pass or round trip the key was part of.
 */
export type CacheObserver = (tier: CacheTier, operation: CacheOperation, result: CacheResult, seconds: number) => void;

export interface OpCounts {
  hit: number;
  miss: number;
  error: number;
  timeout: number;
}

export interface TierCounts {
  readonly get: OpCounts;
  readonly set: OpCounts;
}

export interface CacheCounters {
  readonly memory: TierCounts;
  readonly redis: TierCounts & {
    /** Redis values that were present but not servable (not jussi format, error answers, wrong block). */
    invalid: number;
    /** Keys read or written while Redis was down or saturated (counted as errors too). */
    unavailable: number;
  };
}

function ops(): OpCounts {
  return { hit: 0, miss: 0, error: 0, timeout: 0 };
}

export function emptyCounters(): CacheCounters {
  return { memory: { get: ops(), set: ops() }, redis: { get: ops(), set: ops(), invalid: 0, unavailable: 0 } };
}

export function copyCounters(c: CacheCounters): CacheCounters {
  return {
    memory: { get: { ...c.memory.get }, set: { ...c.memory.set } },
    redis: { get: { ...c.redis.get }, set: { ...c.redis.set }, invalid: c.redis.invalid, unavailable: c.redis.unavailable },
  };
}
