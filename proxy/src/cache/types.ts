// What the request path needs from the cache: a batched read bounded in time, and writes that
// happen after the reply and never fail a request.

export type CacheTier = 'memory' | 'redis';

export interface CacheHit {
  /** The cached answer's `result` as JSON text, spliced into the reply without parsing. */
  readonly resultText: string;
  readonly tier: CacheTier;
}

export interface CacheEntry {
  /** The URN string (jussi's cache key). */
  readonly key: string;
  /** JSON text of the answer's `result`. */
  readonly resultText: string;
  /** Seconds; `null` = no expiry (ttl 0 and the irreversible TTL's default). */
  readonly ttlSeconds: number | null;
}

export type RedisState = 'disabled' | 'connecting' | 'up' | 'down';

export interface CacheStatus {
  readonly redis: RedisState;
  /** True while a configured Redis cannot be used: the proxy serves from memory and upstream. */
  readonly degraded: boolean;
  readonly memory: { readonly entries: number; readonly bytes: number; readonly maxBytes: number };
}

export interface CacheGroup {
  /**
   * One memory pass, then one Redis MGET for the keys memory missed; the whole read is bounded
   * by the read timeout. Errors and timeouts are misses. Result has the length of `keys`.
   */
  getMany(keys: readonly string[]): Promise<(CacheHit | undefined)[]>;
  /** Memory only, synchronous: the hot path of a single request. */
  getFromMemory(key: string): CacheHit | undefined;
  /** The Redis part of `getMany`, for keys memory already missed. */
  getFromRedis(keys: readonly string[]): Promise<(CacheHit | undefined)[]>;
  /** Pipelined writes to every tier, bounded by the write timeout; never throws or rejects. */
  setMany(entries: readonly CacheEntry[]): void;
  status(): CacheStatus;
  close(): Promise<void>;
}
