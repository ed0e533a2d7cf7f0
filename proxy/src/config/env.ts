// Reads the environment once into `Settings`. Every variable, its default and its meaning is
// listed in ENV_VARS (the README's configuration table is written from it); a bad value gives an
// error that names the variable, the value and what is accepted.

import { availableParallelism } from 'node:os';
import { parseRedisUrl, redactRedisUrl } from '../cache/redis-url.js';
import { cidrProblem } from './edge-config.js';
import type { LogFormat, LogLevel, LogOutput, LogTimestampFormat, OperatorSourceSettings, Settings } from './settings.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvError {
  readonly variable: string;
  readonly value: string;
  readonly message: string;
}

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; errors: EnvError[] };

const TRUE_WORDS = new Set(['y', 'yes', 't', 'true', 'on', '1']);
const FALSE_WORDS = new Set(['n', 'no', 'f', 'false', 'off', '0']);

/** jussi's `strtobool` words, case-insensitive. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  return undefined;
}

class EnvReader {
  readonly errors: EnvError[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | null {
    return this.raw(name) ?? null;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const b = parseBoolean(v);
    if (b === undefined) {
      this.fail(name, v, 'expected a boolean: one of y, yes, t, true, on, 1, n, no, f, false, off, 0');
      return fallback;
    }
    return b;
  }

  number(name: string, fallback: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const kind = opts.integer ? 'an integer' : 'a number';
    if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) {
      this.fail(name, v, `expected ${kind}`);
      return fallback;
    }
    if (opts.min !== undefined && n < opts.min) {
      this.fail(name, v, `expected ${kind} >= ${opts.min}`);
      return fallback;
    }
    if (opts.max !== undefined && n > opts.max) {
      this.fail(name, v, `expected ${kind} <= ${opts.max}`);
      return fallback;
    }
    return n;
  }

  /** Seconds (float allowed) converted to milliseconds. */
  secondsMs(name: string, fallbackSeconds: number, min = 0): number {
    return Math.round(this.number(name, fallbackSeconds, { min }) * 1000);
  }

  choice<T extends string>(name: string, fallback: T, allowed: readonly T[], normalise: (s: string) => string = (s) => s.toLowerCase()): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = normalise(v);
    const hit = allowed.find((a) => a === n);
    if (hit === undefined) {
      this.fail(name, v, `expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return hit;
  }

  /** A Redis URL in one of the forms of cache/redis-url.ts (multi-host forms are not WHATWG URLs). */
  redisUrl(name: string): string | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    return this.checkRedisUrl(name, v) ? v : null;
  }

  /** jussi's space-separated list (commas separate the hosts of one multi-host URL). */
  redisUrlList(name: string): string[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    return v.split(/\s+/).filter((u) => u !== '' && this.checkRedisUrl(name, u));
  }

  private checkRedisUrl(name: string, value: string): boolean {
    const parsed = parseRedisUrl(value);
    if (!parsed.ok) this.fail(name, redactRedisUrl(value), `${parsed.message}; expected ${REDIS_SCHEMES.map((s) => `${s}://`).join(', ')}`);
    return parsed.ok;
  }

  fail(variable: string, value: string, message: string): void {
    this.errors.push({ variable, value, message });
  }
}

const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = {
  DEBUG: 'DEBUG', TRACE: 'DEBUG', INFO: 'INFO', WARN: 'WARN', WARNING: 'WARN', ERROR: 'ERROR', FATAL: 'ERROR',
};

/**
 * Largest upstream answer accepted by default: far above real Steem/Hive answers (a full block
 * is tens of kB, 1,000 account-history entries about 1 MB, a 1,000-block get_block_range some
 * MB), far below what would let a few broken answers exhaust memory.
 */
export const DEFAULT_UPSTREAM_MAX_RESPONSE_SIZE = 32 * 1024 * 1024;

/** 127.0.0.0/8, ::1 and localhost: addresses no other host can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

export const REDIS_SCHEMES = ['redis', 'rediss', 'redis+sentinel', 'redis+cluster', 'rediss+cluster'] as const;

export function readSettings(env: Env = process.env): SettingsResult {
  const r = new EnvReader(env);

  const debug = r.bool('JUSSI_DEBUG', false);
  const levelRaw = r.raw('LOG_LEVEL');
  let level: LogLevel = debug ? 'DEBUG' : 'INFO';
  if (levelRaw !== undefined) {
    const mapped = LOG_LEVEL_ALIASES[levelRaw.toUpperCase()];
    if (mapped === undefined) r.fail('LOG_LEVEL', levelRaw, 'expected one of DEBUG, INFO, WARN, ERROR');
    else level = mapped;
  }

  const prometheusPort = r.number('PROMETHEUS_PORT', 9090, { min: 0, max: 65535, integer: true });
  const wsMin = r.number('JUSSI_WEBSOCKET_POOL_MINSIZE', 8, { min: 0, integer: true });
  const wsMax = r.number('JUSSI_WEBSOCKET_POOL_MAXSIZE', 8, { min: 1, integer: true });
  if (wsMin > wsMax) r.fail('JUSSI_WEBSOCKET_POOL_MINSIZE', String(wsMin), `must not exceed JUSSI_WEBSOCKET_POOL_MAXSIZE (${wsMax})`);

  const maxMessage = r.raw('JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE');
  let websocketMaxMessageSize: number | null = null;
  if (maxMessage !== undefined && maxMessage.toLowerCase() !== 'none') {
    websocketMaxMessageSize = r.number('JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE', 0, { min: 1, integer: true }) || null;
  }

  const configMapRaw = r.raw('JUSSI_CONFIG_CONFIGMAP');
  let configMap: { namespace: string; name: string } | null = null;
  if (configMapRaw !== undefined) {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(configMapRaw);
    if (m === null || m[1] === undefined || m[3] === undefined) {
      r.fail('JUSSI_CONFIG_CONFIGMAP', configMapRaw, 'expected namespace/name of a ConfigMap (lower-case DNS names)');
    } else {
      configMap = { namespace: m[1], name: m[3] };
    }
  }

  const operator = readOperatorSource(r, configMap !== null);

  // JUSSI_ADMIN_HOST follows a loopback JUSSI_SERVER_HOST: whoever keeps traffic on this host
  // does not expect /state and /metrics on every interface.
  const serverHost = r.string('JUSSI_SERVER_HOST', '0.0.0.0');
  const adminHost = r.raw('JUSSI_ADMIN_HOST') ?? (isLoopbackHost(serverHost) ? serverHost : '0.0.0.0');

  const maxResponse = r.raw('JUSSI_UPSTREAM_MAX_RESPONSE_SIZE');
  let upstreamMaxResponseSize: number | null = DEFAULT_UPSTREAM_MAX_RESPONSE_SIZE;
  if (maxResponse !== undefined && maxResponse.toLowerCase() === 'none') upstreamMaxResponseSize = null;
  else if (maxResponse !== undefined) upstreamMaxResponseSize = r.number('JUSSI_UPSTREAM_MAX_RESPONSE_SIZE', DEFAULT_UPSTREAM_MAX_RESPONSE_SIZE, { min: 0, integer: true }) || null;

  const otelEndpoint = r.raw('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? r.raw('OTEL_EXPORTER_OTLP_ENDPOINT');
  const otelDisabled = r.bool('OTEL_SDK_DISABLED', false);

  const workers = r.number('JUSSI_SERVER_WORKERS', availableParallelism(), { min: 1, max: 256, integer: true });
  const trustedProxies = (r.raw('JUSSI_TRUSTED_PROXIES') ?? '').split(/[\s,]+/).filter((c) => c !== '');
  for (const cidr of trustedProxies) {
    const problem = cidrProblem(cidr);
    if (problem !== null) r.fail('JUSSI_TRUSTED_PROXIES', cidr, problem);
  }
  const securityHeadersRaw = r.raw('JUSSI_SECURITY_HEADERS');
  const apiKeysFile = r.optionalString('JUSSI_API_KEYS_FILE');
  if (apiKeysFile !== null && !apiKeysFile.startsWith('/')) r.fail('JUSSI_API_KEYS_FILE', apiKeysFile, 'expected an absolute file path');

  const settings: Settings = {
    server: {
      host: serverHost,
      port: r.number('JUSSI_SERVER_PORT', 9000, { min: 0, max: 65535, integer: true }),
      workers,
      tcpBacklog: r.number('JUSSI_SERVER_TCP_BACKLOG', 100, { min: 1, integer: true }),
      requestMaxSize: r.number('JUSSI_REQUEST_MAX_SIZE', 262144, { min: 1, integer: true }),
      requestReadTimeoutMs: r.secondsMs('JUSSI_REQUEST_READ_TIMEOUT', 5, 0.001),
      keepAliveTimeoutMs: r.secondsMs('JUSSI_KEEP_ALIVE_TIMEOUT', 100, 0),
      shutdownGraceMs: r.secondsMs('JUSSI_SHUTDOWN_GRACE', 15, 0),
      monitorRoute: r.bool('JUSSI_MONITOR_ROUTE', true),
      debug,
    },
    admin: {
      host: adminHost,
      port: r.number('JUSSI_ADMIN_PORT', prometheusPort, { min: 0, max: 65535, integer: true }),
      prometheusEnabled: r.bool('PROMETHEUS_ENABLED', true),
      prometheusPath: r.string('PROMETHEUS_PATH', '/metrics'),
    },
    jsonrpc: {
      batchSizeLimit: r.number('JUSSI_JSONRPC_BATCH_SIZE_LIMIT', 50, { min: 1, integer: true }),
      responseTimeoutMs: r.secondsMs('JUSSI_RESPONSE_TIMEOUT', 65, 0.001),
      accountTransferUrl: r.optionalString('JUSSI_ACCOUNT_TRANSFER_STEEMD_URL'),
      exposeUpstreamUrls: r.bool('JUSSI_EXPOSE_UPSTREAM_URLS', false),
    },
    upstream: {
      httpConnections: r.number('JUSSI_HTTP_POOL_CONNECTIONS', 64, { min: 1, integer: true }),
      httpKeepAliveTimeoutMs: r.secondsMs('JUSSI_HTTP_KEEP_ALIVE_TIMEOUT', 60, 0.001),
      httpConnectTimeoutMs: r.secondsMs('JUSSI_HTTP_CONNECT_TIMEOUT', 10, 0.001),
      websocketPoolMinSize: wsMin,
      websocketPoolMaxSize: wsMax,
      websocketMaxInFlight: r.number('JUSSI_WEBSOCKET_MAX_IN_FLIGHT', 128, { min: 1, integer: true }),
      websocketMaxMessageSize,
      maxResponseSize: upstreamMaxResponseSize,
      websocketConnectTimeoutMs: r.secondsMs('JUSSI_WEBSOCKET_CONNECT_TIMEOUT', 10, 0.001),
      websocketReconnectMinMs: r.secondsMs('JUSSI_WEBSOCKET_RECONNECT_MIN', 0.1, 0.001),
      websocketReconnectMaxMs: r.secondsMs('JUSSI_WEBSOCKET_RECONNECT_MAX', 30, 0.001),
      testUpstreamUrls: r.bool('JUSSI_TEST_UPSTREAM_URLS', true),
    },
    source: {
      configFile: r.optionalString('JUSSI_UPSTREAM_CONFIG_FILE'),
      configMap,
      configMapKey: r.string('JUSSI_CONFIG_CONFIGMAP_KEY', 'config.json'),
      operator,
    },
    cache: {
      memoryMaxBytes: r.number('JUSSI_MEMORY_CACHE_MAX_BYTES', 128 * 1024 * 1024, { min: 0, integer: true }),
      memoryMaxTtlSeconds: r.number('JUSSI_MEMORY_CACHE_MAX_TTL', 180, { min: 1 }),
      readTimeoutMs: r.secondsMs('JUSSI_CACHE_READ_TIMEOUT', 1, 0.001),
      writeTimeoutMs: r.secondsMs('JUSSI_CACHE_WRITE_TIMEOUT', 2, 0.001),
      redisUrl: r.redisUrl('JUSSI_REDIS_URL'),
      redisReadReplicaUrls: r.redisUrlList('JUSSI_REDIS_READ_REPLICA_URLS'),
      redisConnectTimeoutMs: r.secondsMs('JUSSI_REDIS_SOCKET_CONNECT_TIMEOUT', 3, 0.001),
      redisCommandTimeoutMs: r.secondsMs('JUSSI_REDIS_SOCKET_TIMEOUT', 5, 0.001),
      redisHealthCheckIntervalMs: r.secondsMs('JUSSI_REDIS_HEALTH_CHECK_INTERVAL', 30, 0),
      redisMaxOfflineQueue: r.number('JUSSI_REDIS_MAX_OFFLINE_QUEUE', 1000, { min: 0, integer: true }),
      irreversibleTtlSeconds: r.number('JUSSI_IRREVERSIBLE_TTL', 0, { min: 0, integer: true }),
      lirbPollIntervalSeconds: r.number('JUSSI_LIRB_POLL_INTERVAL', 3, { min: 0 }),
    },
    log: {
      level,
      format: r.choice<LogFormat>('LOG_FORMAT', 'json', ['json', 'text']),
      output: r.choice<LogOutput>('LOG_OUTPUT', 'stdout', ['stdout', 'stderr', 'both']),
      includeCaller: r.bool('LOG_INCLUDE_CALLER', false),
      timestampFormat: r.choice<LogTimestampFormat>('LOG_TIMESTAMP_FORMAT', 'rfc3339', ['rfc3339', 'rfc3339nano', 'unix']),
      accessSampleRate: r.number('LOG_ACCESS_SAMPLE_RATE', 1, { min: 0, max: 1 }),
    },
    tracing: {
      enabled: otelEndpoint !== undefined && !otelDisabled,
      serviceName: r.string('OTEL_SERVICE_NAME', 'jussi'),
    },
    build: {
      sourceCommit: r.string('SOURCE_COMMIT', ''),
      dockerTag: r.string('DOCKER_TAG', ''),
    },
    edge: {
      rateLimits: r.bool('JUSSI_RATE_LIMITS', true),
      cors: r.bool('JUSSI_CORS', true),
      securityHeaders: securityHeadersRaw === undefined ? null : r.bool('JUSSI_SECURITY_HEADERS', false),
      authMode: r.raw('JUSSI_AUTH_MODE') === undefined ? null : r.choice('JUSSI_AUTH_MODE', 'off', ['off', 'optional', 'required'] as const),
      trustedProxies,
      apiKeysFile,
      rateLimitPeers: r.number('JUSSI_RATE_LIMIT_PEERS', workers, { min: 1, max: 100_000, integer: true }),
    },
  };
  return r.errors.length === 0 ? { ok: true, settings } : { ok: false, errors: r.errors };
}

/** The operator config source (JUSSI_CONFIG_OPERATOR_URL and friends), or null when unset. */
function readOperatorSource(r: EnvReader, configMapSet: boolean): OperatorSourceSettings | null {
  const url = r.raw('JUSSI_CONFIG_OPERATOR_URL');
  const waitSeconds = r.number('JUSSI_CONFIG_OPERATOR_WAIT', 30, { min: 1, max: 300, integer: true });
  const tokenFile = r.string('JUSSI_CONFIG_OPERATOR_TOKEN_FILE', '/var/run/secrets/jussi.io/serviceaccount/token');
  const caPem = r.raw('JUSSI_CONFIG_OPERATOR_CA') ?? null;
  const caFile = r.raw('JUSSI_CONFIG_OPERATOR_CA_FILE') ?? null;
  if (url === undefined) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (parsed === null || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.pathname !== '/' || parsed.search !== '') {
    r.fail('JUSSI_CONFIG_OPERATOR_URL', url, 'expected the base URL of the operator config server, e.g. https://jussi-operator.jussi.svc:9444');
  }
  if (configMapSet) r.fail('JUSSI_CONFIG_OPERATOR_URL', url, 'set either JUSSI_CONFIG_CONFIGMAP (proxy pods with API access) or JUSSI_CONFIG_OPERATOR_URL (sidecars), not both');
  if (caPem !== null && !caPem.includes('-----BEGIN CERTIFICATE-----')) r.fail('JUSSI_CONFIG_OPERATOR_CA', `${caPem.slice(0, 20)}…`, 'expected PEM certificates (-----BEGIN CERTIFICATE-----)');
  if (caPem !== null && caFile !== null) r.fail('JUSSI_CONFIG_OPERATOR_CA_FILE', caFile, 'set either JUSSI_CONFIG_OPERATOR_CA or JUSSI_CONFIG_OPERATOR_CA_FILE, not both');
  return { url, tokenFile, caPem, caFile, waitSeconds };
}

export function formatEnvErrors(errors: readonly EnvError[]): string {
  return errors.map((e) => `${e.variable}=${JSON.stringify(e.value)}: ${e.message}`).join('\n');
}
