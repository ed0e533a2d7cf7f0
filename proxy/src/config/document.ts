// The proxy config document: jussi's upstream config format, plus optional extensions. This
// is the contract between the operator (which renders it) and the proxy (which loads it); an
// existing jussi config file is a valid document unchanged.

import type { EdgeConfig } from './edge-config.js';

/** `[prefix, value]` or `{"prefix": p, "<value key>": value}` (jussi takes the key before `prefix`). */
export type RawEntry<V> = readonly [string, V] | Readonly<Record<string, unknown>>;

/** A URL, or (extension) an ordered list of URLs tried in turn for idempotent reads. */
export type RawUrlValue = string | readonly string[];

export interface RawPoolSettings {
  /** undici Pool connections for this upstream's HTTP origins. */
  readonly http_connections?: number;
  readonly websocket_min?: number;
  readonly websocket_max?: number;
}

export interface RawUpstreamBlock {
  readonly name: string;
  readonly translate_to_appbase?: boolean;
  readonly urls: readonly RawEntry<RawUrlValue>[];
  readonly ttls: readonly RawEntry<number>[];
  readonly timeouts: readonly RawEntry<number>[];
  /** jussi ignores `retries`; so do we. */
  readonly retries?: unknown;
  /** Extension: connection pool settings for the URLs this block defines. */
  readonly pool?: RawPoolSettings;
}

export interface RawLimits {
  readonly accounts_blacklist?: readonly string[];
  readonly account_history_limit?: number;
  /** Extension: custom_json `json` size limit in UTF-8 bytes (jussi: 8192, not configurable). */
  readonly custom_json_op_length?: number;
  /** Extension: overrides JUSSI_JSONRPC_BATCH_SIZE_LIMIT for this document. */
  readonly jsonrpc_batch_size_limit?: number;
  /** jussi's DEV_config uses this key, which jussi never reads: accepted, warned about. */
  readonly blacklist_accounts?: readonly string[];
}

export interface RawConfigDocument {
  readonly limits?: RawLimits;
  readonly upstreams: readonly RawUpstreamBlock[];
  /** Extension: edge protection (see the end of this file). */
  readonly edge?: RawEdge;
}

// ---------------------------------------------------------------------------------------------
// After validation: one normalised form, later entries already winning, ready for the tries.

export interface PrefixEntry<V> {
  readonly prefix: string;
  readonly value: V;
  /** Name of the upstream block that defined it (for status, metrics and messages). */
  readonly upstream: string;
}

export interface PoolSettings {
  readonly httpConnections: number | null;
  readonly websocketMin: number | null;
  readonly websocketMax: number | null;
}

export interface NormalisedUpstream {
  readonly name: string;
  readonly translateToAppbase: boolean;
  readonly pool: PoolSettings;
}

export interface Limits {
  readonly accountsBlacklist: ReadonlySet<string>;
  readonly accountHistoryLimit: number;
  readonly customJsonOpLength: number;
  /** null: use JUSSI_JSONRPC_BATCH_SIZE_LIMIT. */
  readonly batchSizeLimit: number | null;
}

export interface ConfigWarning {
  /** JSON path of the offending member, e.g. `/upstreams/0/ttls/10/0`. */
  readonly path: string;
  readonly message: string;
}

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export interface NormalisedConfig {
  readonly upstreams: readonly NormalisedUpstream[];
  /** Every URL entry in document order; a later entry with the same prefix wins. */
  readonly urls: readonly PrefixEntry<readonly string[]>[];
  readonly ttls: readonly PrefixEntry<number>[];
  readonly timeouts: readonly PrefixEntry<number>[];
  readonly limits: Limits;
  readonly warnings: readonly ConfigWarning[];
  /** Extension: edge protection; null when the document has no `edge` member. */
  readonly edge?: EdgeConfig | null;
  /** sha256 (hex) of the document text as loaded: what the proxy reports as its config hash. */
  readonly hash: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: NormalisedConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

// ---------------------------------------------------------------------------------------------
// Extension: edge protection for public endpoints (rate limits, CORS, security headers, API keys
// and JWT). The document holds settings and references to key material (file paths, a JWKS
// URL), never keys themselves. Absent `edge`: none of it runs, and a request pays nothing.

/** What a rate-limit bucket is counted per. */
export type RawBucketKey = 'client' | 'subject' | 'global';

export interface RawRateLimitBucket {
  /** Names the bucket in metrics (`jussi_rate_limited_total{bucket}`) and in error data. */
  readonly name: string;
  /** `client`: per client address; `subject`: per API key or token subject (the address when anonymous); `global`: one for all. */
  readonly key: RawBucketKey;
  /** `limit` calls every `period` seconds on average. */
  readonly limit: number;
  readonly period?: number;
  /** Calls allowed at once after a quiet spell; default `limit`. */
  readonly burst?: number;
  /** Method prefixes (jussi URN prefixes) the bucket counts; absent: every method. */
  readonly prefixes?: readonly string[];
  /** Tiers the bucket applies to; absent: every tier. */
  readonly tiers?: readonly string[];
}

export interface RawRateLimits {
  readonly buckets: readonly RawRateLimitBucket[];
}

export interface RawCors {
  /** Exact origins (`https://condenser.example`), wildcard subdomains (`https://*.example.com`), or `*`. */
  readonly allowed_origins: readonly string[];
  readonly allowed_methods?: readonly string[];
  readonly allowed_headers?: readonly string[];
  readonly expose_headers?: readonly string[];
  /** Seconds a browser may cache a preflight answer. */
  readonly max_age?: number;
  readonly allow_credentials?: boolean;
}

export interface RawSecurityHeaders {
  readonly enabled?: boolean;
  /** Strict-Transport-Security max-age in seconds; 0 (default) sends none (set it only behind TLS). */
  readonly hsts_max_age?: number;
}

export type RawAuthMode = 'off' | 'optional' | 'required';

export interface RawApiKeys {
  /** A file of `name tier key` lines (a mounted Secret); re-read when it changes. */
  readonly file: string;
}

export type RawJwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface RawJwt {
  readonly algorithms: readonly RawJwtAlgorithm[];
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  /** Keys for RS256/ES256 from a JWKS document, cached and refreshed on rotation. */
  readonly jwks_url?: string;
  /** A PEM public key (SPKI) file for RS256/ES256. */
  readonly public_key_file?: string;
  /** A file holding the HS256 shared secret. */
  readonly secret_file?: string;
  /** Seconds of clock skew tolerated on exp/nbf/iat; default 30. */
  readonly clock_skew?: number;
  /** Claim naming the caller's tier; default "tier". */
  readonly tier_claim?: string;
  /** Tier of a valid token without the tier claim; default "authenticated". */
  readonly default_tier?: string;
  /** Least seconds between two JWKS fetches (bounds the refresh rate); default 30. */
  readonly jwks_cooldown?: number;
  /** Seconds a fetched JWKS is used before it is fetched again; default 600. */
  readonly jwks_max_age?: number;
}

export interface RawAuth {
  readonly mode: RawAuthMode;
  /** Tier of calls without credentials (mode optional); default "anonymous". */
  readonly anonymous_tier?: string;
  readonly api_keys?: RawApiKeys;
  readonly jwt?: RawJwt;
}

export interface RawEdge {
  /** CIDRs of proxies in front (load balancers, ingress) whose X-Forwarded-For is believed. */
  readonly trusted_proxies?: readonly string[];
  readonly rate_limits?: RawRateLimits;
  readonly cors?: RawCors;
  readonly security_headers?: RawSecurityHeaders;
  readonly auth?: RawAuth;
}
