// The per-worker memory tier: an LRU bounded by bytes (lru-cache `maxSize`) whose entries each
// carry their own TTL (never more than JUSSI_MEMORY_CACHE_MAX_TTL) and are never served once
// expired. Entries are the `CacheHit` objects themselves, so a hit allocates nothing.

import { LRUCache } from 'lru-cache';
import type { CacheHit } from './types.js';

/** Bookkeeping an entry costs beyond its key and text (lru-cache slots, the hit object). */
export const ENTRY_OVERHEAD_BYTES = 64;

/**
 * Bytes an entry is counted for: UTF-8 length of key and result text plus the overhead. V8 keeps
 * ASCII strings at one byte a character and others at two, so UTF-8 length is a fair measure.
 */
export function entryBytes(key: string, resultText: string): number {
  return Buffer.byteLength(key, 'utf8') + Buffer.byteLength(resultText, 'utf8') + ENTRY_OVERHEAD_BYTES;
}

export class MemoryTier {
  private readonly lru: LRUCache<string, CacheHit> | null;

  /** `maxBytes` 0 disables the tier: every get misses, sets are dropped. */
  constructor(readonly maxBytes: number, readonly maxTtlMs: number) {
    this.lru =
      maxBytes > 0
        ? new LRUCache<string, CacheHit>({
            maxSize: maxBytes,
            sizeCalculation: (hit, key) => entryBytes(key, hit.resultText),
            ttl: maxTtlMs,
            ttlAutopurge: false,
            allowStale: false,
            updateAgeOnGet: false,
            updateAgeOnHas: false,
          })
        : null;
  }

  get enabled(): boolean {
    return this.lru !== null;
  }

  get(key: string): CacheHit | undefined {
    return this.lru === null ? undefined : this.lru.get(key);
  }

  /** Stores for `ttlMs`, capped at the tier's maximum; an entry larger than the whole tier is dropped. */
  set(key: string, resultText: string, ttlMs: number): void {
    if (this.lru === null || !(ttlMs > 0)) return;
    this.lru.set(key, { resultText, tier: 'memory' }, { ttl: Math.min(Math.ceil(ttlMs), this.maxTtlMs) });
  }

  delete(key: string): void {
    this.lru?.delete(key);
  }

  clear(): void {
    this.lru?.clear();
  }

  /** Entries held, expired ones not yet evicted included. */
  get entries(): number {
    return this.lru === null ? 0 : this.lru.size;
  }

  get bytes(): number {
    return this.lru === null ? 0 : this.lru.calculatedSize;
  }
}
