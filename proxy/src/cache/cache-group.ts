// The two tiers as one cache. Reads: one memory pass, then one Redis round trip for what memory
// missed, the whole bounded by the read timeout; any Redis trouble is a miss. Redis hits are
// promoted into memory with their remaining TTL only. Writes (after the reply): memory at once,
// Redis pipelined under the write timeout; they never throw. The group holds no config, so a
// config reload keeps both tiers.

import { performance } from 'node:perf_hooks';
import type { CacheSettings } from '../config/settings.js';
import type { CacheOperation, CacheResult, Logger } from '../observability/types.js';
import { noopLogger } from '../observability/types.js';
import { getBlockRequestFromKey, isValidGetBlockResult } from './answer-validation.js';
import { copyCounters, emptyCounters, type CacheCounters, type CacheObserver, type OpCounts } from './counters.js';
import { withDeadline } from './deadline.js';
import { decodeAnswer, decodeJson, encodeAnswer, encodeJson } from './jussi-format.js';
import { MemoryTier } from './memory-tier.js';
import { LinkUnavailableError, type LinkState, type RedisLink } from './redis-link.js';
import { RedisTier, type RawRead, type RawWrite } from './redis-tier.js';
import { memoryTtlMs } from './ttl-policy.js';
import type { CacheEntry, CacheGroup, CacheHit, CacheStatus, CacheTier } from './types.js';

export interface CacheGroupOptions {
  readonly observer?: CacheObserver;
  readonly logger?: Logger;
  /** Prefix of the Redis CLIENT SETNAME of this process's connections. */
  readonly connectionName?: string;
}

export interface RedisLinkReport {
  /** URL with the password redacted. */
  readonly url: string;
  readonly role: 'primary' | 'replica';
  readonly state: LinkState;
  readonly pending: number;
  readonly lastError: string | null;
}

export type CreateCacheGroupResult = { readonly ok: true; readonly group: TieredCacheGroup } | { readonly ok: false; readonly message: string };

/** Builds the group from settings; fails only when a Redis URL cannot be parsed. */
export function createCacheGroup(settings: CacheSettings, options: CacheGroupOptions = {}): CreateCacheGroupResult {
  const logger = options.logger ?? noopLogger;
  let redis: RedisTier | null = null;
  let group: TieredCacheGroup | null = null;
  if (settings.redisUrl !== null) {
    const created = RedisTier.create({
      primaryUrl: settings.redisUrl,
      replicaUrls: settings.redisReadReplicaUrls,
      connectTimeoutMs: settings.redisConnectTimeoutMs,
      commandTimeoutMs: settings.redisCommandTimeoutMs,
      healthCheckIntervalMs: settings.redisHealthCheckIntervalMs,
      maxPending: Math.max(1, settings.redisMaxOfflineQueue),
      connectionName: options.connectionName ?? 'jussi',
      onStateChange: (link, state, reason) => {
        logStateChange(logger, link, state, reason);
        if (state === 'up' && link === redis?.primary) group?.primaryUp();
      },
    });
    if (!created.ok) return { ok: false, message: created.message };
    redis = created.tier;
  }
  group = new TieredCacheGroup(settings, redis, options);
  return { ok: true, group };
}

function logStateChange(logger: Logger, link: RedisLink, state: LinkState, reason: string): void {
  const fields = { redis: link.label, state, reason, ...(link.lastError !== null ? { error: { type: 'RedisError', message: link.lastError } } : {}) };
  if (state === 'up') logger.info(fields, 'redis connected');
  else if (state === 'down') logger.warn(fields, 'redis unavailable: serving from memory and upstream');
}

const now = (): number => performance.now();
const LANDED: Promise<void> = Promise.resolve();

export class TieredCacheGroup implements CacheGroup {
  private readonly memory: MemoryTier;
  private readonly counts: CacheCounters = emptyCounters();
  private readonly observer: CacheObserver | undefined;
  private readonly writes = new Set<Promise<void>>();
  private readonly primaryUpListeners = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly settings: CacheSettings,
    private readonly redis: RedisTier | null,
    options: CacheGroupOptions = {},
  ) {
    this.memory = new MemoryTier(settings.memoryMaxBytes, Math.max(1, Math.round(settings.memoryMaxTtlSeconds * 1000)));
    this.observer = options.observer;
  }

  /** Memory only, synchronous: the pipeline's fast path for a single request. */
  getFromMemory(key: string): CacheHit | undefined {
    const hit = this.memory.get(key);
    if (this.memory.enabled) this.record('memory', 'get', hit === undefined ? 'miss' : 'hit', 0, 1);
    return hit;
  }

  getMany(keys: readonly string[]): Promise<(CacheHit | undefined)[]> {
    const n = keys.length;
    const hits = new Array<CacheHit | undefined>(n).fill(undefined);
    let missing = n;
    if (this.memory.enabled) {
      const started = now();
      missing = 0;
      for (let i = 0; i < n; i++) {
        const hit = this.memory.get(keys[i] as string);
        if (hit === undefined) missing += 1;
        else hits[i] = hit;
      }
      const seconds = (now() - started) / 1000;
      if (n - missing > 0) this.record('memory', 'get', 'hit', seconds, n - missing);
      if (missing > 0) this.record('memory', 'get', 'miss', seconds, missing);
    }
    if (missing === 0 || this.redis === null || this.closed) return Promise.resolve(hits);
    const missKeys: string[] = [];
    const missAt: number[] = [];
    for (let i = 0; i < n; i++) {
      if (hits[i] === undefined) {
        missKeys.push(keys[i] as string);
        missAt.push(i);
      }
    }
    return this.readRedis(missKeys, missAt, hits);
  }

  /**
   * The Redis half of `getMany`, for keys memory already missed (after `getFromMemory`): one
   * round trip bounded by the read timeout, hits promoted into memory. Result has the length of `keys`.
   */
  getFromRedis(keys: readonly string[]): Promise<(CacheHit | undefined)[]> {
    const hits = new Array<CacheHit | undefined>(keys.length).fill(undefined);
    if (keys.length === 0 || this.redis === null || this.closed) return Promise.resolve(hits);
    return this.readRedis(keys, keys.map((_k, i) => i), hits);
  }

  private readRedis(missKeys: readonly string[], missAt: readonly number[], hits: (CacheHit | undefined)[]): Promise<(CacheHit | undefined)[]> {
    const redis = this.redis;
    if (redis === null) return Promise.resolve(hits);
    if (!redis.readable()) {
      this.counts.redis.unavailable += missKeys.length;
      this.record('redis', 'get', 'error', 0, missKeys.length);
      return Promise.resolve(hits);
    }
    const started = now();
    const wantTtl = this.memory.enabled;
    return withDeadline(redis.readMany(missKeys, wantTtl), this.settings.readTimeoutMs).then((outcome) => {
      const seconds = (now() - started) / 1000;
      if (outcome.kind === 'timeout') {
        this.record('redis', 'get', 'timeout', seconds, missKeys.length);
      } else if (outcome.kind === 'error') {
        if (outcome.error instanceof LinkUnavailableError) this.counts.redis.unavailable += missKeys.length;
        this.record('redis', 'get', 'error', seconds, missKeys.length);
      } else {
        this.acceptRedisReads(missKeys, missAt, outcome.value, hits, seconds);
      }
      return hits;
    });
  }

  private acceptRedisReads(keys: readonly string[], at: readonly number[], reads: readonly RawRead[], hits: (CacheHit | undefined)[], seconds: number): void {
    let found = 0;
    for (let j = 0; j < keys.length; j++) {
      const read = reads[j];
      if (read === undefined || read.value === null) continue;
      const key = keys[j] as string;
      const decoded = decodeAnswer(read.value);
      const getBlock = decoded === undefined ? undefined : getBlockRequestFromKey(key);
      if (decoded === undefined || (getBlock !== undefined && !isValidGetBlockResult(getBlock.requested, decoded.result))) {
        this.counts.redis.invalid += 1;
        continue;
      }
      found += 1;
      hits[at[j] as number] = { resultText: decoded.resultText, tier: 'redis' };
      // Promote with what is left of the Redis TTL, never a fresh one; the round trip is taken
      // off too, so the memory copy never outlives the Redis key.
      if (read.pttlMs !== null) {
        const ttlMs = read.pttlMs === -1 ? this.memory.maxTtlMs : read.pttlMs - seconds * 1000;
        if (ttlMs >= 1) this.memory.set(key, decoded.resultText, Math.floor(ttlMs));
      }
    }
    if (found > 0) this.record('redis', 'get', 'hit', seconds, found);
    if (keys.length - found > 0) this.record('redis', 'get', 'miss', seconds, keys.length - found);
  }

  setMany(entries: readonly CacheEntry[]): void {
    void this.store(entries);
  }

  /**
   * `setMany`, resolving once the entries have landed in every tier (memory at once, Redis when
   * its write is answered or timed out). Never rejects.
   */
  store(entries: readonly CacheEntry[]): Promise<void> {
    if (this.closed || entries.length === 0) return LANDED;
    const valid: CacheEntry[] = [];
    for (const e of entries) {
      const ttl = e.ttlSeconds;
      if (typeof e.key === 'string' && typeof e.resultText === 'string' && (ttl === null || (ttl > 0 && Number.isFinite(ttl)))) valid.push(e);
      else this.record(this.memory.enabled ? 'memory' : 'redis', 'set', 'error', 0, 1);
    }
    if (valid.length === 0) return LANDED;
    if (this.memory.enabled) {
      const started = now();
      for (const e of valid) this.memory.set(e.key, e.resultText, memoryTtlMs(e.ttlSeconds, this.settings.memoryMaxTtlSeconds));
      this.record('memory', 'set', 'hit', (now() - started) / 1000, valid.length);
    }
    const redis = this.redis;
    if (redis === null) return LANDED;
    if (!redis.writable()) {
      this.counts.redis.unavailable += valid.length;
      this.record('redis', 'set', 'error', 0, valid.length);
      return LANDED;
    }
    let writes: RawWrite[];
    try {
      writes = valid.map((e) => ({ key: e.key, value: encodeAnswer(e.resultText), ttlMs: e.ttlSeconds === null ? null : Math.round(e.ttlSeconds * 1000) }));
    } catch {
      this.record('redis', 'set', 'error', 0, valid.length);
      return LANDED;
    }
    return this.track(this.writeRedis(redis, writes));
  }

  private async writeRedis(redis: RedisTier, writes: readonly RawWrite[]): Promise<void> {
    const started = now();
    const outcome = await withDeadline(redis.writeMany(writes), this.settings.writeTimeoutMs);
    const seconds = (now() - started) / 1000;
    if (outcome.kind === 'timeout') this.record('redis', 'set', 'timeout', seconds, writes.length);
    else if (outcome.kind === 'error') {
      if (outcome.error instanceof LinkUnavailableError) this.counts.redis.unavailable += writes.length;
      this.record('redis', 'set', 'error', seconds, writes.length);
    } else {
      const failed = outcome.value;
      if (writes.length - failed > 0) this.record('redis', 'set', 'hit', seconds, writes.length - failed);
      if (failed > 0) this.record('redis', 'set', 'error', seconds, failed);
    }
  }

  private track(write: Promise<void>): Promise<void> {
    const settled = write.catch(() => undefined);
    this.writes.add(settled);
    void settled.then(() => this.writes.delete(settled));
    return settled;
  }

  /** A JSON value stored in jussi's format (e.g. `last_irreversible_block_num`), read from the primary. */
  async readShared(key: string): Promise<unknown> {
    const redis = this.redis;
    if (redis === null || this.closed) return undefined;
    const outcome = await withDeadline(redis.readPrimary(key), this.settings.readTimeoutMs);
    return outcome.kind === 'ok' && outcome.value !== null ? decodeJson(outcome.value) : undefined;
  }

  /** Writes a JSON value in jussi's format to the primary; resolves false when it could not. */
  async writeShared(key: string, value: unknown, ttlSeconds: number | null): Promise<boolean> {
    const redis = this.redis;
    if (redis === null || this.closed) return false;
    let write: RawWrite;
    try {
      write = { key, value: encodeJson(value), ttlMs: ttlSeconds === null ? null : Math.round(ttlSeconds * 1000) };
    } catch {
      return false;
    }
    const outcome = await withDeadline(redis.writeMany([write]), this.settings.writeTimeoutMs);
    return outcome.kind === 'ok' && outcome.value === 0;
  }

  /** Resolves when the Redis writes started so far have finished (each is bounded by the write timeout). */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  /** The Redis primary's link, for other users of the same connection (shared rate-limit buckets). */
  redisPrimaryLink(): RedisLink | null {
    return this.redis?.primary ?? null;
  }

  /**
   * Calls `listener` each time the Redis primary becomes usable (connected at last, or back
   * after an outage): shared values read while it was not must be read again.
   */
  onPrimaryUp(listener: () => void): void {
    this.primaryUpListeners.add(listener);
  }

  /** The link reports the primary up (see createCacheGroup). */
  primaryUp(): void {
    if (this.closed) return;
    for (const listener of this.primaryUpListeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the cache goes on.
      }
    }
  }

  /** Whether Redis is configured at all. */
  get hasRedis(): boolean {
    return this.redis !== null;
  }

  status(): CacheStatus {
    return {
      redis: this.redis === null ? 'disabled' : this.redis.state,
      degraded: this.redis !== null && this.redis.degraded,
      memory: { entries: this.memory.entries, bytes: this.memory.bytes, maxBytes: this.memory.maxBytes },
    };
  }

  redisLinks(): readonly RedisLinkReport[] {
    if (this.redis === null) return [];
    const primary = this.redis.primary;
    return this.redis.links().map((l) => ({ url: l.label, role: l === primary ? 'primary' : 'replica', state: l.state, pending: l.pending, lastError: l.lastError }));
  }

  counters(): CacheCounters {
    return copyCounters(this.counts);
  }

  /** Drops every memory entry (Redis is shared and left alone). */
  clearMemory(): void {
    this.memory.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.redis?.close();
  }

  private record(tier: CacheTier, operation: CacheOperation, result: CacheResult, seconds: number, count: number): void {
    const c: OpCounts = tier === 'memory' ? this.counts.memory[operation] : this.counts.redis[operation];
    c[result] += count;
    const observer = this.observer;
    if (observer === undefined) return;
    for (let i = 0; i < count; i++) {
      try {
        observer(tier, operation, result, seconds);
      } catch {
        // A metrics callback must never break the cache.
      }
    }
  }
}
