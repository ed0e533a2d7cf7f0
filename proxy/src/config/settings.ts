// Process-wide settings, read once from the environment (see env.ts) and passed down as plain
// data. Durations are in milliseconds unless a name says otherwise; `null` means "none".

export type LogFormat = 'json' | 'text';
export type LogOutput = 'stdout' | 'stderr' | 'both';
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type LogTimestampFormat = 'rfc3339' | 'rfc3339nano' | 'unix';

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  /** Worker processes; 1 runs a single process with no cluster primary. */
  readonly workers: number;
  readonly tcpBacklog: number;
  /** JUSSI_REQUEST_MAX_SIZE: bytes; larger bodies get HTTP 413. */
  readonly requestMaxSize: number;
  /** Time allowed to receive a whole request (headers and body). */
  readonly requestReadTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** SIGTERM/SIGINT: how long in-flight requests may take before the process exits anyway. */
  readonly shutdownGraceMs: number;
  readonly monitorRoute: boolean;
  readonly debug: boolean;
}

export interface AdminSettings {
  readonly host: string;
  readonly port: number;
  readonly prometheusEnabled: boolean;
  readonly prometheusPath: string;
}

export interface JsonRpcSettings {
  readonly batchSizeLimit: number;
  /** Global cap on any upstream call; also the bound for prefixes whose timeout is 0 (none). */
  readonly responseTimeoutMs: number;
  readonly accountTransferUrl: string | null;
  /**
   * JUSSI_EXPOSE_UPSTREAM_URLS: client-facing error reasons name the failing upstream by its
   * (redacted) URL; by default only by namespace and host, so a public endpoint does not
   * publish its internal topology.
   */
  readonly exposeUpstreamUrls: boolean;
}

export interface UpstreamSettings {
  /** Default undici Pool connections per HTTP origin (a config `pool` entry overrides it). */
  readonly httpConnections: number;
  readonly httpKeepAliveTimeoutMs: number;
  readonly httpConnectTimeoutMs: number;
  readonly websocketPoolMinSize: number;
  readonly websocketPoolMaxSize: number;
  /** Concurrent requests one WebSocket connection carries before the pool opens another. */
  readonly websocketMaxInFlight: number;
  /** JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE: largest upstream WebSocket message, bytes; null = `maxResponseSize` applies. */
  readonly websocketMaxMessageSize: number | null;
  /** JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: largest upstream answer (HTTP body or WebSocket message), bytes; null = no limit. */
  readonly maxResponseSize: number | null;
  readonly websocketConnectTimeoutMs: number;
  readonly websocketReconnectMinMs: number;
  readonly websocketReconnectMaxMs: number;
  /** Resolve every upstream host at startup and on reload (JUSSI_TEST_UPSTREAM_URLS). */
  readonly testUpstreamUrls: boolean;
}

export interface ConfigSourceSettings {
  /** JUSSI_UPSTREAM_CONFIG_FILE; null = the embedded example config. */
  readonly configFile: string | null;
  /** JUSSI_CONFIG_CONFIGMAP as namespace/name; when set, the ConfigMap is the source. */
  readonly configMap: { readonly namespace: string; readonly name: string } | null;
  readonly configMapKey: string;
  /** JUSSI_CONFIG_OPERATOR_*: long-poll the operator (injected sidecars); the file, when set, is the fallback. */
  readonly operator: OperatorSourceSettings | null;
}

export interface OperatorSourceSettings {
  readonly url: string;
  readonly tokenFile: string;
  /** PEM text of the CA bundle (from JUSSI_CONFIG_OPERATOR_CA or read from JUSSI_CONFIG_OPERATOR_CA_FILE at start). */
  readonly caPem: string | null;
  readonly caFile: string | null;
  readonly waitSeconds: number;
}

export interface CacheSettings {
  readonly memoryMaxBytes: number;
  readonly memoryMaxTtlSeconds: number;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly redisUrl: string | null;
  readonly redisReadReplicaUrls: readonly string[];
  readonly redisConnectTimeoutMs: number;
  readonly redisCommandTimeoutMs: number;
  readonly redisHealthCheckIntervalMs: number;
  readonly redisMaxOfflineQueue: number;
  /** TTL for blocks at or below the last irreversible block; 0 = no expiry. */
  readonly irreversibleTtlSeconds: number;
  /** Seconds between LIRB polls of the steemd/appbase upstream; 0 disables polling. */
  readonly lirbPollIntervalSeconds: number;
}

export interface LogSettings {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly output: LogOutput;
  readonly includeCaller: boolean;
  readonly timestampFormat: LogTimestampFormat;
  readonly accessSampleRate: number;
}

export interface TracingSettings {
  /** True when an OTLP endpoint is configured and OTEL_SDK_DISABLED is not true. */
  readonly enabled: boolean;
  readonly serviceName: string;
}

/**
 * Global switches of the edge protection (rate limits, CORS, security headers, auth) over what
 * the config document's `edge` member says, and where key material is read from.
 */
export interface EdgeSettings {
  /** JUSSI_RATE_LIMITS: false turns every rate limit off (an emergency switch). */
  readonly rateLimits: boolean;
  /** JUSSI_CORS: false answers no preflight and adds no CORS headers. */
  readonly cors: boolean;
  /** JUSSI_SECURITY_HEADERS: null follows the document. */
  readonly securityHeaders: boolean | null;
  /** JUSSI_AUTH_MODE: null follows the document (default off). */
  readonly authMode: 'off' | 'optional' | 'required' | null;
  /** JUSSI_TRUSTED_PROXIES: CIDRs added to the document's trusted_proxies. */
  readonly trustedProxies: readonly string[];
  /** JUSSI_API_KEYS_FILE: the key file when the document names none. */
  readonly apiKeysFile: string | null;
  /** JUSSI_RATE_LIMIT_PEERS: processes sharing each bucket until Redis tells (default: workers). */
  readonly rateLimitPeers: number;
}

export interface BuildInfo {
  readonly sourceCommit: string;
  readonly dockerTag: string;
}

export interface Settings {
  readonly server: ServerSettings;
  readonly admin: AdminSettings;
  readonly jsonrpc: JsonRpcSettings;
  readonly upstream: UpstreamSettings;
  readonly source: ConfigSourceSettings;
  readonly cache: CacheSettings;
  readonly log: LogSettings;
  readonly tracing: TracingSettings;
  readonly build: BuildInfo;
  readonly edge: EdgeSettings;
}
