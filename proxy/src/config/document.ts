// The proxy config document: jussi's upstream config format, plus optional extensions. This
// is the contract between the operator (which renders it) and the proxy (which loads it); an
// existing jussi config file is a valid document unchanged.

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
  /** sha256 (hex) of the document text as loaded: what the proxy reports as its config hash. */
  readonly hash: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: NormalisedConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };
