// Wires one serving process: observability, the cache group and LIRB tracker, the runtime
// (config snapshots and upstream pools), the request pipeline and the traffic server. The
// process layer (process/) decides where its config comes from and who serves the admin port.

import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { createCacheGroup, type TieredCacheGroup } from './cache/cache-group.js';
import { LirbTracker } from './cache/lirb.js';
import { Singleflight } from './cache/singleflight.js';
import type { Settings } from './config/settings.js';
import type { ConfigDocumentText } from './config/sources/source.js';
import { healthReply, type HealthFacts } from './admin/health.js';
import type { StateReport, UpstreamReport } from './admin/state-report.js';
import { EdgeGate } from './edge/edge-gate.js';
import { RedisBucketStore } from './edge/redis-bucket-store.js';
import { authRefusedReply, httpErrorReply } from './http/error-replies.js';
import { requestIdFrom } from './jsonrpc/headers.js';
import type { HttpReply } from './http/reply.js';
import { buildTrafficApp } from './http/traffic-app.js';
import { startObservability, type Observability } from './observability/telemetry.js';
import { lirbPoll } from './pipeline/lirb-poll.js';
import { Pipeline } from './pipeline/pipeline.js';
import { RuleCounters } from './pipeline/rule-counters.js';
import type { UpstreamOutcome } from './pipeline/upstream-call.js';
import { Runtime, type ApplyResult } from './runtime/runtime.js';
import { StartupError } from './process/startup-error.js';
import type { LoggerOptions } from './observability/logger.js';
import { noopEdgeMetrics } from './observability/types.js';

export interface ProxyOptions {
  /** Cluster worker id; undefined for a single process. */
  readonly worker?: number;
  readonly version?: string;
  /** Logger destinations (tests capture lines). */
  readonly logger?: LoggerOptions;
  /** Describes the config source in /state (e.g. `file /etc/jussi/config.json`). */
  readonly configSource?: string;
}

export interface ProxyServer {
  readonly observability: Observability;
  readonly runtime: Runtime;
  readonly cache: TieredCacheGroup;
  /** Starts the traffic listener; resolves with the bound port. */
  listen(): Promise<number>;
  applyConfig(doc: ConfigDocumentText): ApplyResult;
  state(): StateReport;
  healthFacts(): HealthFacts;
  /** The probes of the traffic and admin ports (null for other paths). */
  health(path: string, headers: IncomingHttpHeaders): HttpReply | null;
  /**
   * A cluster worker: the pod's merged health (sent by the primary every second), which its
   * probes then report instead of this worker's own view.
   */
  usePodHealth(facts: HealthFacts): void;
  /** Stops accepting, lets in-flight requests finish within graceMs, closes pools and tiers. */
  close(graceMs: number): Promise<void>;
}

const POD_HEALTH_MAX_AGE_MS = 5000;

export async function createProxy(settings: Settings, options: ProxyOptions = {}): Promise<ProxyServer> {
  // Providers read the objects below lazily (at scrape time), once they exist.
  let runtimeRef: Runtime | null = null;
  let cacheRef: TieredCacheGroup | null = null;
  let lirbRef: LirbTracker | null = null;
  let edgeRef: EdgeGate | null = null;
  const observability = await startObservability(settings, {
    ...(options.worker === undefined ? {} : { worker: options.worker }),
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    providers: {
      upstreams: () => runtimeRef?.current()?.upstreams.stats() ?? [],
      cache: () => cacheRef?.status() ?? null,
      lastIrreversibleBlockNum: () => lirbRef?.current() ?? null,
      configHash: () => runtimeRef?.current()?.hash ?? null,
      rateLimits: () => edgeRef?.report() ?? null,
    },
  });
  const { telemetry } = observability;
  const { logger, metrics } = telemetry;

  const created = createCacheGroup(settings.cache, {
    logger,
    observer: (tier, operation, result, seconds) => metrics.cacheOperation(tier, operation, result, seconds),
    connectionName: options.worker === undefined ? 'jussi' : `jussi-worker-${options.worker}`,
  });
  if (!created.ok) throw new StartupError(created.message);
  const cache = created.group;
  cacheRef = cache;

  const runtime = new Runtime(settings, telemetry);
  runtimeRef = runtime;
  const lirb = new LirbTracker({
    store: cache.hasRedis ? cache : null,
    pollIntervalSeconds: settings.cache.lirbPollIntervalSeconds,
    poll: lirbPoll(runtime),
    pollWanted: () => runtime.current()?.hasIrreversibleRules === true,
    logger,
  });
  lirbRef = lirb;

  // Edge protection: shares the cache's Redis primary connection for the rate-limit buckets.
  const primaryLink = cache.redisPrimaryLink();
  const edge = new EdgeGate({
    settings: settings.edge,
    store: primaryLink === null ? null : new RedisBucketStore(primaryLink),
    logger,
    metrics: observability.metrics ?? noopEdgeMetrics,
  });
  edgeRef = edge;
  runtime.onSwap((next) => edge.apply(next.config.edge ?? null));

  const rules = new RuleCounters();
  const pipeline = new Pipeline({
    settings,
    runtime,
    cache,
    lirb,
    telemetry,
    accessLog: observability.accessLog,
    rules,
    singleflight: new Singleflight<UpstreamOutcome>(),
  });

  const healthFacts = (): HealthFacts => {
    const snapshot = runtime.current();
    const stats = snapshot?.upstreams.stats() ?? [];
    const status = cache.status();
    return {
      ready: snapshot !== null,
      notReadyReason: snapshot === null ? (runtime.lastReloadError()?.message ?? 'waiting for the first valid config document') : null,
      configHash: snapshot?.hash ?? null,
      lastIrreversibleBlockNum: lirb.current(),
      redis: status.redis,
      degraded: status.degraded,
      upstreams: { total: stats.length, healthy: stats.filter((s) => s.healthy).length },
      workers: 1,
    };
  };
  let podHealth: { readonly facts: HealthFacts; readonly at: number } | null = null;
  const probeFacts = (): HealthFacts => {
    // The primary refreshes every second; a view older than a few refreshes is not trusted.
    if (podHealth !== null && performance.now() - podHealth.at < POD_HEALTH_MAX_AGE_MS) return podHealth.facts;
    return healthFacts();
  };
  const health = (path: string, headers: IncomingHttpHeaders): HttpReply | null => {
    const started = performance.now();
    const r = healthReply(path, probeFacts(), settings.build);
    if (r === null) return null;
    // jussi's headers on every response of the traffic port.
    const elapsed = ((performance.now() - started) / 1000).toFixed(6);
    return { ...r, headers: { ...r.headers, 'x-jussi-request-id': requestIdFrom(headers['x-jussi-request-id']), 'x-jussi-response-time': elapsed } };
  };

  const app: FastifyInstance = buildTrafficApp(settings.server, {
    rpc: pipeline,
    health,
    httpError: (kind, headers, context) => {
      if (kind === 'InternalError') logger.error({ error: { type: 'HttpError', message: String(context.cause) } }, 'HTTP request could not be read');
      return httpErrorReply(kind, headers, context);
    },
    edge: {
      gate: edge,
      refused: (refusal, headers) => {
        metrics.requestError(refusal.error.code);
        return authRefusedReply(refusal.error, refusal.challenge, headers);
      },
    },
  });

  const state = (): StateReport => {
    const snapshot = runtime.current();
    const status = cache.status();
    return {
      service: 'jussi',
      configHash: snapshot?.hash ?? null,
      configLoadedAt: snapshot?.loadedAt.toISOString() ?? null,
      configSource: options.configSource ?? snapshot?.origin ?? 'none',
      lastReloadError: runtime.lastReloadError(),
      ready: snapshot !== null,
      workers: 1,
      redis: status.redis,
      degraded: status.degraded,
      lastIrreversibleBlockNum: lirb.current(),
      upstreams: (snapshot?.upstreams.stats() ?? []).map(
        (s): UpstreamReport => ({
          url: s.url,
          protocol: s.protocol,
          upstreams: s.upstreams,
          size: s.size,
          active: s.active,
          idle: s.idle,
          pending: s.pending,
          inFlight: s.inFlight,
          healthy: s.healthy,
          lastError: s.lastError,
        }),
      ),
      cacheRules: rules.report(snapshot?.config.ttls.map((t) => t.prefix) ?? []),
      rateLimits: edge.report(),
    };
  };

  let started = false;
  let closed: Promise<void> | null = null;
  return {
    observability,
    runtime,
    cache,
    async listen() {
      await app.listen({ host: settings.server.host, port: settings.server.port, backlog: settings.server.tcpBacklog });
      started = true;
      lirb.start();
      edge.start();
      return (app.server.address() as AddressInfo).port;
    },
    applyConfig: (doc) => runtime.apply(doc),
    state,
    healthFacts,
    health,
    usePodHealth(facts) {
      podHealth = { facts, at: performance.now() };
    },
    close(graceMs: number) {
      closed ??= (async () => {
        // Connections still answering when the drain starts become idle keep-alive
        // connections afterwards: close those as they go idle, and everything at the deadline.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
        const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
        sweep.unref();
        timer.unref();
        try {
          if (started) await app.close();
        } finally {
          clearInterval(sweep);
          clearTimeout(timer);
        }
        await lirb.stop();
        await edge.close();
        await runtime.close(Math.min(graceMs, 5000));
        await cache.close();
        await observability.shutdown();
      })();
      return closed;
    },
  };
}
