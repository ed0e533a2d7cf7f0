// The read-only runtime report a proxy serves at GET /state on its admin port. The operator
// pulls it from every proxy pod to write CR status, so its shape is a contract between the two
// programs. It never carries secrets (no URLs with credentials, no Redis passwords).

import type { RedisState } from '../cache/types.js';
import type { UpstreamProtocol } from '../upstream/types.js';

export interface UpstreamReport {
  /** The upstream URL with any userinfo removed. */
  readonly url: string;
  readonly protocol: UpstreamProtocol;
  /** Names of the config upstream blocks whose routes use this URL. */
  readonly upstreams: readonly string[];
  readonly size: number;
  readonly active: number;
  readonly idle: number;
  readonly pending: number;
  readonly inFlight: number;
  readonly healthy: boolean;
  readonly lastError: string | null;
}

export interface CacheRuleReport {
  /** The configured TTL prefix that matched (a CacheRule rule's prefix). */
  readonly prefix: string;
  readonly hits: number;
  readonly misses: number;
}

export interface ReloadErrorReport {
  readonly at: string;
  readonly message: string;
  /** sha256 of the rejected document, when it could be read. */
  readonly hash: string | null;
}

/** Rate limits of a proxy (absent or null while no bucket is configured). */
export interface RateLimitStateReport {
  /** `shared`: buckets live in Redis; `local`: each process limits at its share (Redis unusable). */
  readonly mode: 'shared' | 'local';
  /** Processes sharing each bucket. */
  readonly peers: number;
  /** Calls refused per bucket name since start. */
  readonly limited: Readonly<Record<string, number>>;
}

export interface StateReport {
  readonly service: 'jussi';
  /** sha256 of the config document being served; null before the first valid one. */
  readonly configHash: string | null;
  readonly configLoadedAt: string | null;
  readonly configSource: string;
  readonly lastReloadError: ReloadErrorReport | null;
  readonly ready: boolean;
  readonly workers: number;
  readonly redis: RedisState;
  readonly degraded: boolean;
  readonly lastIrreversibleBlockNum: number | null;
  readonly upstreams: readonly UpstreamReport[];
  readonly cacheRules: readonly CacheRuleReport[];
  /** Extension (edge protection): optional, so reports of older proxies still parse. */
  readonly rateLimits?: RateLimitStateReport | null;
}
