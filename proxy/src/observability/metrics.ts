// Prometheus metrics on prom-client: every series of the README's metrics table in one Registry,
// the request path's `RequestMetrics` events (cheap: per-label-tuple children are memoised),
// gauges read from providers at scrape time, and Node's default process metrics, all prefixed
// `jussi_`. The cluster side (one scrape aggregated over workers) is in metrics-cluster.ts.

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram, type CounterChild, type HistogramChild } from './fast-series.js';
import type { CacheStatus, CacheTier } from '../cache/types.js';
import type { BuildInfo } from '../config/settings.js';
import { ERROR_CATALOGUE } from '../jsonrpc/errors.js';
import type { UpstreamErrorKind, UpstreamProtocol, UpstreamStats } from '../upstream/types.js';
import { safeUrl } from './redact.js';
import type { CacheOperation, CacheResult, EdgeMetrics, MethodLabels, ReloadResult, RequestMetrics, RequestType } from './types.js';

export const METRIC_PREFIX = 'jussi_';

/** Request and upstream latency: sub-millisecond cache hits to a minute-long upstream call. */
export const REQUEST_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Cache operations: memory hits take microseconds, Redis is bounded by its timeouts (seconds). */
export const CACHE_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** JSON-RPC items per batch (JUSSI_JSONRPC_BATCH_SIZE_LIMIT defaults to 50). */
export const BATCH_BUCKETS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Where the scrape-time gauges read their values; each is optional and may be set later. */
export interface MetricsProviders {
  /** Every upstream's pool figures (HTTP and WebSocket). */
  readonly upstreams?: () => readonly UpstreamStats[];
  readonly cache?: () => CacheStatus | null;
  readonly lastIrreversibleBlockNum?: () => number | null;
  /** sha256 of the config being served. */
  readonly configHash?: () => string | null;
  /** Rate-limit mode (shared, local) and peers; null while no rate limit is configured. */
  readonly rateLimits?: () => { readonly mode: string; readonly peers: number } | null;
}

export interface MetricsOptions {
  /** Defaults to a new Registry (tests, the single-process path and cluster workers alike). */
  readonly registry?: Registry;
  readonly providers?: MetricsProviders;
  /** Node's process metrics (`jussi_process_*`, `jussi_nodejs_*`); default true. */
  readonly defaultMetrics?: boolean;
  /** Adds `jussi_build_info{version,source_commit,docker_tag} 1`. */
  readonly build?: BuildInfo & { readonly version?: string };
}

export interface MetricsScrape {
  readonly contentType: string;
  readonly body: string;
}

/** What the admin server serves at PROMETHEUS_PATH (fits `AdminProvider.metrics`). */
export interface MetricsSource {
  scrape(): Promise<MetricsScrape>;
}

// JSON-RPC error codes that may be a label value: the catalogue, the JSON-RPC 2.0 codes and the
// implementation-defined server error range. Anything else an upstream sends is `other`.
const KNOWN_ERROR_CODES: ReadonlySet<number> = new Set<number>([
  ...Object.values(ERROR_CATALOGUE).map((d) => d.code),
  -32700, -32600, -32601, -32602, -32603,
  ...Array.from({ length: 100 }, (_, i) => -32000 - i),
]);

export function errorCodeLabel(code: number): string {
  return KNOWN_ERROR_CODES.has(code) ? String(code) : 'other';
}

const TIERS: readonly CacheTier[] = ['memory', 'redis'];
const CACHE_OPERATIONS: readonly CacheOperation[] = ['get', 'set'];
const CACHE_RESULTS: readonly CacheResult[] = ['hit', 'miss', 'error', 'timeout'];
/** Distinct upstream label values kept; more than this (never with a sane config) count as `other`. */
const MAX_UPSTREAM_SERIES = 1000;
/** Distinct bucket names kept as labels (a document has at most 64; reloads may rename them). */
const MAX_BUCKET_SERIES = 256;
const RATE_LIMIT_MODES = ['shared', 'local'] as const;
const AUTH_KINDS = ['anonymous', 'api_key', 'jwt'] as const;

type ItemLabel = 'namespace' | 'api' | 'method' | 'type' | 'status';
type UpstreamLabel = 'upstream' | 'protocol';

interface ItemChildren {
  readonly count: CounterChild;
  readonly duration: HistogramChild;
}

interface CacheChildren {
  readonly count: CounterChild;
  readonly duration: HistogramChild;
}

interface UpstreamChildren {
  readonly label: string;
  readonly protocol: UpstreamProtocol;
  readonly requests: CounterChild;
  readonly duration: HistogramChild;
  readonly errors: Map<string, CounterChild>;
}

/** The proxy's metrics: a Registry holding every series, and the request path's events. */
export class JussiMetrics implements RequestMetrics, EdgeMetrics {
  readonly registry: Registry;
  private providers: MetricsProviders;

  private readonly requests: FastCounter<ItemLabel>;
  private readonly requestDuration: FastHistogram<ItemLabel>;
  private readonly requestErrors: FastCounter<'code'>;
  private inFlightCount = 0;
  private readonly batchSizes: FastHistogram;
  private readonly cacheOperations: FastCounter<'tier' | 'operation' | 'result'>;
  private readonly cacheDuration: FastHistogram<'tier' | 'operation'>;
  private readonly upstreamRequests: FastCounter<UpstreamLabel>;
  private readonly upstreamDuration: FastHistogram<UpstreamLabel>;
  private readonly upstreamErrors: FastCounter<UpstreamLabel | 'kind'>;
  private readonly configReloads: Counter<'result'>;
  private readonly rateLimitedCounter: FastCounter<'bucket'>;
  private readonly rateLimitedByBucket = new Map<string, CounterChild>();
  private readonly authCounter: FastCounter<'kind' | 'result'>;
  private readonly authChildren = new Map<string, CounterChild>();

  // Memoised children: each label tuple is resolved once, not on every event.
  private readonly itemByObject = new WeakMap<MethodLabels, ItemChildren[]>();
  private readonly itemByKey = new Map<string, ItemChildren[]>();
  private readonly errorByCode = new Map<number, CounterChild>();
  private readonly errorOther: CounterChild;
  /** `${tier}/${operation}/${result}` -> children; every combination exists from the start. */
  private readonly cacheChildren = new Map<string, CacheChildren>();
  private readonly upstreamByUrl: Record<UpstreamProtocol, Map<string, UpstreamChildren>> = { http: new Map(), websocket: new Map() };
  private readonly reloadChildren = new Map<ReloadResult, CounterChild>();
  // Per-tier get results since start, for jussi_cache_hit_ratio.
  private readonly cacheGets: Record<CacheTier, { hits: number; total: number }> = {
    memory: { hits: 0, total: 0 },
    redis: { hits: 0, total: 0 },
  };

  constructor(options: MetricsOptions = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    this.providers = options.providers ?? {};
    const registers = [registry];
    const name = (n: string): string => `${METRIC_PREFIX}${n}`;

    this.requests = new FastCounter({
      name: name('requests_total'),
      help: 'JSON-RPC items answered (a batch counts each item), by method and outcome.',
      labelNames: ['namespace', 'api', 'method', 'type', 'status'],
      registers,
    });
    this.requestDuration = new FastHistogram({
      name: name('request_duration_seconds'),
      help: 'Time to answer one JSON-RPC item, from the request being read to its reply being ready.',
      labelNames: ['namespace', 'api', 'method', 'type', 'status'],
      buckets: [...REQUEST_BUCKETS],
      registers,
    });
    this.requestErrors = new FastCounter({
      name: name('request_errors_total'),
      help: 'JSON-RPC error objects sent, by error code (unknown upstream codes count as "other").',
      labelNames: ['code'],
      registers,
    });
    const inFlight = (): number => this.inFlightCount;
    new Gauge({
      name: name('requests_in_flight'),
      help: 'HTTP requests being processed.',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    this.batchSizes = new FastHistogram({
      name: name('batch_size'),
      help: 'Items per JSON-RPC batch request.',
      buckets: [...BATCH_BUCKETS],
      registers,
    });
    this.cacheOperations = new FastCounter({
      name: name('cache_operations_total'),
      help: 'Cache reads and writes by tier and result.',
      labelNames: ['tier', 'operation', 'result'],
      registers,
    });
    const cacheGets = this.cacheGets;
    new Gauge({
      name: name('cache_hit_ratio'),
      help: 'Cache reads that were hits since the process started, per tier (0..1).',
      labelNames: ['tier'],
      aggregator: 'average',
      registers,
      collect() {
        this.reset();
        for (const tier of TIERS) {
          const g = cacheGets[tier];
          if (g.total > 0) this.set({ tier }, g.hits / g.total);
        }
      },
    });
    this.cacheDuration = new FastHistogram({
      name: name('cache_operation_duration_seconds'),
      help: 'Duration of cache reads and writes by tier.',
      labelNames: ['tier', 'operation'],
      buckets: [...CACHE_BUCKETS],
      registers,
    });
    const cache = (): CacheStatus | null => this.read(this.providers.cache) ?? null;
    new Gauge({
      name: name('cache_entries'),
      help: 'Entries in the memory cache tier.',
      registers,
      collect() {
        this.set(finite(cache()?.memory.entries));
      },
    });
    new Gauge({
      name: name('cache_bytes'),
      help: 'Bytes held by the memory cache tier.',
      registers,
      collect() {
        this.set(finite(cache()?.memory.bytes));
      },
    });
    this.upstreamRequests = new FastCounter({
      name: name('upstream_requests_total'),
      help: 'Calls sent to upstreams (errors included).',
      labelNames: ['upstream', 'protocol'],
      registers,
    });
    this.upstreamDuration = new FastHistogram({
      name: name('upstream_request_duration_seconds'),
      help: 'Duration of upstream calls, errors included.',
      labelNames: ['upstream', 'protocol'],
      buckets: [...REQUEST_BUCKETS],
      registers,
    });
    this.upstreamErrors = new FastCounter({
      name: name('upstream_errors_total'),
      help: 'Upstream calls that failed, by kind (connect, closed, timeout, aborted, protocol, overloaded, shutdown, invalid_response).',
      labelNames: ['upstream', 'protocol', 'kind'],
      registers,
    });
    this.poolGauge(name('websocket_pool_size'), 'Open WebSocket connections per upstream.', 'websocket', (s) => s.size);
    this.poolGauge(name('websocket_pool_active'), 'WebSocket connections carrying at least one call.', 'websocket', (s) => s.active);
    this.poolGauge(name('websocket_pool_idle'), 'WebSocket connections carrying no call.', 'websocket', (s) => s.idle);
    this.poolGauge(name('http_pool_connections'), 'Open HTTP connections per upstream origin.', 'http', (s) => s.size);
    this.poolGauge(name('upstream_pending'), 'Calls waiting for a connection, per upstream.', null, (s) => s.pending);
    this.poolGauge(name('upstream_in_flight'), 'Calls sent and not yet answered, per upstream.', null, (s) => s.inFlight);
    this.poolGauge(name('upstream_healthy'), '1 when the upstream is considered healthy, else 0.', null, (s) => (s.healthy ? 1 : 0), 'min');
    const lirb = (): number | null => this.read(this.providers.lastIrreversibleBlockNum) ?? null;
    new Gauge({
      name: name('last_irreversible_block_num'),
      help: 'Last irreversible block number known to the proxy (0 until known).',
      aggregator: 'max',
      registers,
      collect() {
        this.set(finite(lirb()));
      },
    });
    this.configReloads = new Counter({
      name: name('config_reloads_total'),
      help: 'Config reloads by result (success, failure).',
      labelNames: ['result'],
      // Every worker of a cluster applies (or is told of) each document: the proxy counted it once.
      aggregator: 'max',
      registers,
    });
    const configHash = (): string | null => this.read(this.providers.configHash) ?? null;
    new Gauge({
      name: name('config_info'),
      help: 'Always 1; the hash label is the sha256 of the config document being served.',
      labelNames: ['hash'],
      aggregator: 'max',
      registers,
      collect() {
        this.reset();
        const hash = configHash();
        if (hash !== null) this.set({ hash }, 1);
      },
    });
    if (options.build !== undefined) {
      const info = new Gauge({
        name: name('build_info'),
        help: 'Always 1; labels name the build.',
        labelNames: ['version', 'source_commit', 'docker_tag'],
        aggregator: 'max',
        registers,
      });
      info.set({ version: options.build.version ?? '', source_commit: options.build.sourceCommit, docker_tag: options.build.dockerTag }, 1);
    }
    this.rateLimitedCounter = new FastCounter({
      name: name('rate_limited_total'),
      help: 'JSON-RPC calls refused by a rate limit (a batch counts each item), by bucket.',
      labelNames: ['bucket'],
      registers,
    });
    this.authCounter = new FastCounter({
      name: name('auth_requests_total'),
      help: 'Requests whose credentials were checked, by kind (anonymous, api_key, jwt) and result (accepted, rejected).',
      labelNames: ['kind', 'result'],
      registers,
    });
    for (const kind of AUTH_KINDS) for (const result of ['accepted', 'rejected'] as const) this.authChild(kind, result);
    const rateLimits = (): { mode: string; peers: number } | null => this.read(this.providers.rateLimits) ?? null;
    new Gauge({
      name: name('rate_limit_mode'),
      help: '1 for the mode rate limits run in: shared (buckets in Redis) or local (each process at its share, while Redis is unusable).',
      labelNames: ['mode'],
      aggregator: 'max',
      registers,
      collect() {
        this.reset();
        const r = rateLimits();
        if (r !== null) for (const mode of RATE_LIMIT_MODES) this.set({ mode }, r.mode === mode ? 1 : 0);
      },
    });
    new Gauge({
      name: name('rate_limit_peers'),
      help: 'Proxy processes sharing each rate-limit bucket (a process limits at 1/peers of a bucket while local).',
      aggregator: 'max',
      registers,
      collect() {
        this.set(finite(rateLimits()?.peers));
      },
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

    // Series that exist from the start, so dashboards and alerts see zeros rather than gaps.
    for (const tier of TIERS) {
      for (const operation of CACHE_OPERATIONS) {
        for (const result of CACHE_RESULTS) {
          const children = { count: this.cacheOperations.labels(tier, operation, result), duration: this.cacheDuration.labels(tier, operation) };
          children.count.inc(0);
          this.cacheChildren.set(`${tier}/${operation}/${result}`, children);
        }
      }
    }
    this.errorOther = this.requestErrors.labels('other');
    this.reloadChild('success').inc(0);
    this.reloadChild('failure').inc(0);
  }

  /** Set or replace providers (e.g. once the cache and upstream pools exist). */
  setProviders(providers: MetricsProviders): void {
    this.providers = { ...this.providers, ...providers };
  }

  /** The single-process scrape (PROMETHEUS_PATH on the admin port). */
  source(): MetricsSource {
    const registry = this.registry;
    return { scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }) };
  }

  // ----------------------------------------------------------------------------------------
  // RequestMetrics: every method is cheap and never throws.

  requestStarted(): void {
    this.inFlightCount += 1;
  }

  requestFinished(): void {
    // An unmatched call (a bug elsewhere) must not drive the gauge negative.
    if (this.inFlightCount > 0) this.inFlightCount -= 1;
  }

  itemFinished(labels: MethodLabels, type: RequestType, ok: boolean, seconds: number): void {
    try {
      const children = this.itemChildren(labels)[(type === 'batch' ? 2 : 0) + (ok ? 0 : 1)];
      if (children === undefined) return;
      children.count.inc();
      if (isDuration(seconds)) children.duration.observe(seconds);
    } catch {
      // A metric must never fail a request.
    }
  }

  requestError(code: number): void {
    try {
      let child = this.errorByCode.get(code);
      if (child === undefined) {
        if (KNOWN_ERROR_CODES.has(code)) {
          child = this.requestErrors.labels(String(code));
          this.errorByCode.set(code, child);
        } else {
          child = this.errorOther;
        }
      }
      child.inc();
    } catch {
      // ignored: see itemFinished
    }
  }

  batchSize(size: number): void {
    if (Number.isFinite(size) && size >= 0) this.batchSizes.observe(size);
  }

  cacheOperation(tier: CacheTier, operation: CacheOperation, result: CacheResult, seconds: number): void {
    try {
      const children = this.cacheChildren.get(`${tier}/${operation}/${result}`);
      if (children === undefined) return;
      children.count.inc();
      if (isDuration(seconds)) children.duration.observe(seconds);
      if (operation === 'get') {
        const g = this.cacheGets[tier];
        g.total += 1;
        if (result === 'hit') g.hits += 1;
      }
    } catch {
      // ignored: see itemFinished
    }
  }

  upstreamRequest(upstream: string, protocol: UpstreamProtocol, seconds: number, error: UpstreamErrorKind | 'invalid_response' | null): void {
    try {
      const children = this.upstreamChildren(upstream, protocol);
      children.requests.inc();
      if (isDuration(seconds)) children.duration.observe(seconds);
      if (error !== null) {
        let child = children.errors.get(error);
        if (child === undefined) {
          child = this.upstreamErrors.labels(children.label, protocol, error);
          children.errors.set(error, child);
        }
        child.inc();
      }
    } catch {
      // ignored: see itemFinished
    }
  }

  configReload(result: ReloadResult): void {
    this.reloadChild(result).inc();
  }

  // EdgeMetrics

  rateLimited(bucket: string): void {
    try {
      let child = this.rateLimitedByBucket.get(bucket);
      if (child === undefined) {
        const label = this.rateLimitedByBucket.size < MAX_BUCKET_SERIES ? bucket : 'other';
        child = this.rateLimitedCounter.labels(label);
        if (label !== 'other') this.rateLimitedByBucket.set(bucket, child);
      }
      child.inc();
    } catch {
      // ignored: see itemFinished
    }
  }

  authResult(kind: string, accepted: boolean): void {
    try {
      this.authChild((AUTH_KINDS as readonly string[]).includes(kind) ? kind : 'anonymous', accepted ? 'accepted' : 'rejected').inc();
    } catch {
      // ignored: see itemFinished
    }
  }

  private authChild(kind: string, result: string): CounterChild {
    const key = `${kind}/${result}`;
    let child = this.authChildren.get(key);
    if (child === undefined) {
      child = this.authCounter.labels(kind, result);
      child.inc(0);
      this.authChildren.set(key, child);
    }
    return child;
  }

  // ----------------------------------------------------------------------------------------

  private itemChildren(labels: MethodLabels): ItemChildren[] {
    const known = this.itemByObject.get(labels);
    if (known !== undefined) return known;
    // Labels not interned by a MethodLabeler still share children through their values.
    const key = `${labels.namespace}\u0000${labels.api}\u0000${labels.method}`;
    let children = this.itemByKey.get(key);
    if (children === undefined) {
      children = [];
      for (const type of ['single', 'batch'] as const) {
        for (const status of ['ok', 'error'] as const) {
          const values = [labels.namespace, labels.api, labels.method, type, status];
          children.push({ count: this.requests.labels(...values), duration: this.requestDuration.labels(...values) });
        }
      }
      this.itemByKey.set(key, children);
    }
    this.itemByObject.set(labels, children);
    return children;
  }

  private upstreamChildren(upstream: string, protocol: UpstreamProtocol): UpstreamChildren {
    const byUrl = this.upstreamByUrl[protocol];
    let children = byUrl.get(upstream);
    if (children === undefined) {
      const label = byUrl.size < MAX_UPSTREAM_SERIES ? safeUrl(upstream) : 'other';
      children = {
        label,
        protocol,
        requests: this.upstreamRequests.labels(label, protocol),
        duration: this.upstreamDuration.labels(label, protocol),
        errors: new Map(),
      };
      if (label !== 'other') byUrl.set(upstream, children);
    }
    return children;
  }

  private reloadChild(result: ReloadResult): CounterChild {
    let child = this.reloadChildren.get(result);
    if (child === undefined) {
      child = this.configReloads.labels(result);
      this.reloadChildren.set(result, child);
    }
    return child;
  }

  /** A gauge per upstream, refreshed from the upstreams provider at scrape time. */
  private poolGauge(
    name: string,
    help: string,
    only: UpstreamProtocol | null,
    value: (s: UpstreamStats) => number,
    combine: 'sum' | 'min' = 'sum',
  ): void {
    const read = (): readonly UpstreamStats[] => this.read(this.providers.upstreams) ?? [];
    const labelNames = only === null ? ['upstream', 'protocol'] : ['upstream'];
    new Gauge({
      name,
      help,
      labelNames,
      // Across cluster workers, pools add up; health is the worst any worker sees.
      aggregator: combine,
      registers: [this.registry],
      collect() {
        this.reset();
        // Several pools may share a URL (one per config block): combine them into one series.
        const series = new Map<string, { labels: Record<string, string>; value: number }>();
        for (const stats of read()) {
          if ((only !== null && stats.protocol !== only) || typeof stats.url !== 'string') continue;
          const upstream = safeUrl(stats.url);
          const key = `${stats.protocol} ${upstream}`;
          const v = finite(value(stats));
          const seen = series.get(key);
          if (seen === undefined) {
            series.set(key, { labels: only === null ? { upstream, protocol: stats.protocol } : { upstream }, value: v });
          } else {
            seen.value = combine === 'sum' ? seen.value + v : Math.min(seen.value, v);
          }
        }
        for (const { labels, value: v } of series.values()) this.set(labels, v);
      },
    });
  }

  /** A provider's value; a provider that throws reads as absent (a scrape never fails on one). */
  private read<T>(provider: (() => T) | undefined): T | undefined {
    if (provider === undefined) return undefined;
    try {
      return provider();
    } catch {
      return undefined;
    }
  }
}

/** A provider's figure as a gauge value: anything not a finite number reads as 0. */
function finite(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function isDuration(seconds: number): boolean {
  return Number.isFinite(seconds) && seconds >= 0;
}

export function createMetrics(options: MetricsOptions = {}): JussiMetrics {
  return new JussiMetrics(options);
}
