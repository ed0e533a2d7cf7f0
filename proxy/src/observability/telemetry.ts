// Everything observability needs for one serving process, built from the settings in one call:
// the logger, the metrics (or the no-op ones when PROMETHEUS_ENABLED is false), the tracer, the
// access log, and one shutdown that flushes spans and log lines.

import type { Settings } from '../config/settings.js';
import { createAccessLog, type AccessLog } from './access-log.js';
import { createLogger, type LoggerOptions } from './logger.js';
import { createMetrics, type JussiMetrics, type MetricsProviders } from './metrics.js';
import { serveMetricsToPrimary } from './metrics-cluster.js';
import { startTracing, type ManagedTracer } from './tracing.js';
import { noopMetrics, type Telemetry } from './types.js';

export interface ObservabilityOptions {
  /** Cluster worker id (added to log lines; the worker's metrics answer the primary's scrapes). */
  readonly worker?: number;
  /** The proxy's version, for `jussi_build_info` and the `service.version` span resource. */
  readonly version?: string;
  readonly providers?: MetricsProviders;
  /** Logger destinations (tests). */
  readonly logger?: LoggerOptions;
}

export interface Observability {
  /** What the request path, cache, upstreams and runtime take. */
  readonly telemetry: Telemetry;
  /** null when PROMETHEUS_ENABLED is false. */
  readonly metrics: JussiMetrics | null;
  readonly tracer: ManagedTracer;
  readonly accessLog: AccessLog;
  /** Flush and stop tracing (bounded), then flush log lines. Never rejects. */
  shutdown(): Promise<void>;
}

export async function startObservability(settings: Settings, options: ObservabilityOptions = {}): Promise<Observability> {
  const loggerOptions: LoggerOptions = options.worker === undefined ? { ...options.logger } : { ...options.logger, worker: options.worker };
  const logger = createLogger(settings.log, loggerOptions);
  let metrics: JussiMetrics | null = null;
  if (settings.admin.prometheusEnabled) {
    const build = { ...settings.build, ...(options.version === undefined ? {} : { version: options.version }) };
    metrics = createMetrics(options.providers === undefined ? { build } : { build, providers: options.providers });
    // In a cluster worker, the primary's scrape collects this registry over IPC.
    if (options.worker !== undefined) serveMetricsToPrimary(metrics.registry);
  }
  const tracer = await startTracing(settings.tracing, options.version === undefined ? { logger } : { logger, serviceVersion: options.version });
  return {
    telemetry: { logger, metrics: metrics ?? noopMetrics, tracer },
    metrics,
    tracer,
    accessLog: createAccessLog(logger, settings.log.accessSampleRate),
    async shutdown() {
      await tracer.shutdown().catch(() => {});
      logger.flush();
    },
  };
}
