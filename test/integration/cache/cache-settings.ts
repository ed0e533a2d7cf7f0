// CacheSettings for tests: env.ts defaults, with generous Redis timeouts unless a test is about them.
import type { CacheSettings } from '@jussi/proxy/config/settings';

export function cacheSettings(overrides: Partial<CacheSettings> = {}): CacheSettings {
  return {
    memoryMaxBytes: 16 * 1024 * 1024,
    memoryMaxTtlSeconds: 180,
    readTimeoutMs: 2000,
    writeTimeoutMs: 2000,
    redisUrl: null,
    redisReadReplicaUrls: [],
    redisConnectTimeoutMs: 3000,
    redisCommandTimeoutMs: 5000,
    redisHealthCheckIntervalMs: 30_000,
    redisMaxOfflineQueue: 1000,
    irreversibleTtlSeconds: 0,
    lirbPollIntervalSeconds: 3,
    ...overrides,
  };
}
