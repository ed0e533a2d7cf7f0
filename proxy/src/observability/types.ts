// The observability surface the rest of the proxy calls: a logger, the metric events of the
// request path, and spans. Implementations live beside this file (pino, prom-client,
// OpenTelemetry); `noopTelemetry` is used by unit tests and when a part is disabled.

import type { CacheTier } from '../cache/types.js';
import type { UpstreamErrorKind, UpstreamProtocol } from '../upstream/types.js';

export interface LogError {
  readonly type: string;
  readonly message: string;
  readonly code?: number | string;
  readonly stack?: string;
}

/** Field names are part of our interface (README "Logs"). */
export interface LogFields {
  readonly request_id?: string;
  readonly trace_id?: string;
  readonly span_id?: string;
  readonly namespace?: string;
  readonly api?: string;
  readonly method?: string;
  readonly upstream?: string;
  readonly cache_hit?: boolean | string;
  readonly duration_ms?: number;
  readonly error?: LogError;
  readonly [key: string]: unknown;
}

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  isDebugEnabled(): boolean;
  child(fields: LogFields): Logger;
  /** Flush buffered lines (shutdown). */
  flush(): void;
}

export type RequestType = 'single' | 'batch';

/** Bounded label values (see observability/labels.ts): never raw client strings. */
export interface MethodLabels {
  readonly namespace: string;
  readonly api: string;
  readonly method: string;
}

export type CacheOperation = 'get' | 'set';
export type CacheResult = 'hit' | 'miss' | 'error' | 'timeout';
export type ReloadResult = 'success' | 'failure';

/** Metric events of the request path; each call is cheap and never throws. */
export interface RequestMetrics {
  requestStarted(): void;
  /** One per JSON-RPC item answered (a batch gives one per item plus the batch size). */
  itemFinished(labels: MethodLabels, type: RequestType, ok: boolean, seconds: number): void;
  /** One per HTTP request, after the reply. */
  requestFinished(): void;
  requestError(code: number): void;
  batchSize(size: number): void;
  cacheOperation(tier: CacheTier, operation: CacheOperation, result: CacheResult, seconds: number): void;
  upstreamRequest(upstream: string, protocol: UpstreamProtocol, seconds: number, error: UpstreamErrorKind | 'invalid_response' | null): void;
  configReload(result: ReloadResult): void;
}

/** Metric events of the edge (rate limits and auth); cheap, never throw. */
export interface EdgeMetrics {
  /** One call refused by `bucket`. */
  rateLimited(bucket: string): void;
  /** One request's credentials checked (kind: anonymous, api_key, jwt). */
  authResult(kind: string, accepted: boolean): void;
}

export type AttributeValue = string | number | boolean;

export interface SpanHandle {
  setAttribute(key: string, value: AttributeValue): void;
  recordError(error: unknown, code?: number): void;
  end(): void;
  /** W3C trace context of this span for an outgoing call; empty when tracing is off. */
  traceparent(): string | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
}

export interface Tracer {
  readonly enabled: boolean;
  /** Server span of one HTTP request, continuing an incoming `traceparent` when present. */
  startRequest(traceparent: string | undefined, tracestate: string | undefined): SpanHandle;
  startChild(parent: SpanHandle, name: string, attributes?: Readonly<Record<string, AttributeValue>>): SpanHandle;
  shutdown(): Promise<void>;
}

export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: RequestMetrics;
  readonly tracer: Tracer;
}

// ------------------------------------------------------------------------------------------
// No-op implementations.

const NOOP = (): void => {};

export const noopLogger: Logger = {
  debug: NOOP,
  info: NOOP,
  warn: NOOP,
  error: NOOP,
  isDebugEnabled: () => false,
  child: () => noopLogger,
  flush: NOOP,
};

export const noopMetrics: RequestMetrics = {
  requestStarted: NOOP,
  itemFinished: NOOP,
  requestFinished: NOOP,
  requestError: NOOP,
  batchSize: NOOP,
  cacheOperation: NOOP,
  upstreamRequest: NOOP,
  configReload: NOOP,
};

export const noopEdgeMetrics: EdgeMetrics = {
  rateLimited: NOOP,
  authResult: NOOP,
};

export const noopSpan: SpanHandle = {
  setAttribute: NOOP,
  recordError: NOOP,
  end: NOOP,
  traceparent: () => undefined,
  traceId: undefined,
  spanId: undefined,
};

export const noopTracer: Tracer = {
  enabled: false,
  startRequest: () => noopSpan,
  startChild: () => noopSpan,
  shutdown: async () => {},
};

export const noopTelemetry: Telemetry = { logger: noopLogger, metrics: noopMetrics, tracer: noopTracer };
