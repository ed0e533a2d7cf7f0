// Starts OpenTelemetry tracing when an OTLP endpoint is configured, and returns the `Tracer`
// facade the request path uses; otherwise returns the no-op tracer, so a proxy without tracing
// does no span work and never loads the SDK.
//
// The SDK reads its own variables: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT and
// _COMPRESSION (exporter), OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (resource),
// OTEL_TRACES_SAMPLER(_ARG) (sampler), OTEL_BSP_* (batching), OTEL_SDK_DISABLED, OTEL_LOG_LEVEL.
//
// No auto-instrumentations: they patch http, undici, ioredis and more, adding spans and
// async-hooks work to every call we make (cost we would pay per request) with names and
// attributes we do not choose. The proxy makes exactly the spans of the README itself.
//
// Export happens in the background: a BatchSpanProcessor queues finished spans (bounded,
// OTEL_BSP_MAX_QUEUE_SIZE, default 2048; spans beyond it are dropped) and exports batches over
// OTLP/gRPC, each export bounded (OTEL_BSP_EXPORT_TIMEOUT, default 30 s; the gRPC call itself by
// OTEL_EXPORTER_OTLP_TIMEOUT, default 10 s). A dead collector costs dropped spans, never a
// request.

import { context, propagation, trace } from '@opentelemetry/api';
import type { TracingSettings } from '../config/settings.js';
import { OtelTracer, noopManagedTracer, type ManagedTracer } from './otel-tracer.js';
import { toLogError } from './redact.js';
import type { Logger } from './types.js';

export { noopManagedTracer, type ManagedTracer } from './otel-tracer.js';

export interface TracingOptions {
  /** Export failures are logged at WARN, at most once per `errorLogIntervalMs`. */
  readonly logger?: Logger;
  readonly errorLogIntervalMs?: number;
  /** Upper bound on `flush()` and `shutdown()`; default 5 s. */
  readonly shutdownTimeoutMs?: number;
  /** `service.version` resource attribute. */
  readonly serviceVersion?: string;
}

const TRACER_NAME = 'jussi';

export async function startTracing(settings: TracingSettings, options: TracingOptions = {}): Promise<ManagedTracer> {
  if (!settings.enabled) return noopManagedTracer;

  const [{ NodeSDK }, { OTLPTraceExporter }, { BatchSpanProcessor }, core, resources] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-grpc'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);

  const propagator = new core.W3CTraceContextPropagator();
  // Sizes and timeouts come from OTEL_BSP_* or the SDK's defaults (bounded queue, drop when full).
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const baseAttributes: Record<string, string> = { 'service.name': settings.serviceName };
  if (options.serviceVersion !== undefined) baseAttributes['service.version'] = options.serviceVersion;
  const sdk = new NodeSDK({
    // Detected attributes (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, host, process) win.
    resource: resources.defaultResource().merge(resources.resourceFromAttributes(baseAttributes)),
    spanProcessors: [processor],
    instrumentations: [],
    textMapPropagator: propagator,
    // Traces only: without these the SDK would also start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  if (options.logger !== undefined) core.setGlobalErrorHandler(rateLimitedErrorLog(options.logger, options.errorLogIntervalMs ?? 60_000));
  sdk.start();

  const timeoutMs = options.shutdownTimeoutMs ?? 5_000;
  let stopped: Promise<void> | undefined;
  const lifecycle = {
    flush: () => bounded(processor.forceFlush(), timeoutMs),
    shutdown: () => {
      stopped ??= bounded(sdk.shutdown(), timeoutMs).then(() => {
        // Leave the process as it was before start, so tracing can be started again (tests).
        trace.disable();
        propagation.disable();
        context.disable();
        core.setGlobalErrorHandler(core.loggingErrorHandler());
      });
      return stopped;
    },
  };
  return new OtelTracer(trace.getTracer(TRACER_NAME, options.serviceVersion), propagator, lifecycle);
}

/** Waits for `work` at most `ms`; never rejects (a failed flush has nowhere to go). */
async function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([work.then(noop, noop), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {}

/** OpenTelemetry's global error handler: one WARN line per interval, counting the rest. */
export function rateLimitedErrorLog(logger: Logger, intervalMs: number): (error: unknown) => void {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error: unknown) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = now;
    logger.warn({ error: toLogError(error), suppressed }, 'tracing: OpenTelemetry error (spans may be dropped)');
    suppressed = 0;
  };
}
