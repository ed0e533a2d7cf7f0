// Names of the spans the proxy makes and of the attributes it sets on them (README "Traces").
// Kept apart from tracing.ts so the request path can use them without loading the OTel SDK.

export const SpanName = {
  /** The server span of one HTTP request (SpanKind SERVER). */
  request: 'jussi.request',
  parse: 'request.parse',
  cacheLookup: 'cache.lookup',
  cacheStore: 'cache.store',
  /** SpanKind CLIENT; the call carries this span's `traceparent`. */
  upstreamHttp: 'upstream.http',
  /** SpanKind CLIENT. */
  upstreamWebsocket: 'upstream.websocket',
  responseFormat: 'response.format',
} as const;
export type SpanName = (typeof SpanName)[keyof typeof SpanName];

export const SpanAttribute = {
  namespace: 'jussi.namespace',
  api: 'jussi.api',
  method: 'jussi.method',
  upstreamUrl: 'jussi.upstream.url',
  cacheHit: 'jussi.cache.hit',
  requestType: 'jussi.request.type',
  batchSize: 'jussi.batch.size',
  requestId: 'jussi.request.id',
  /** OpenTelemetry's semantic convention for a JSON-RPC error code. */
  errorCode: 'rpc.jsonrpc.error_code',
  errorMessage: 'rpc.jsonrpc.error_message',
} as const;
export type SpanAttribute = (typeof SpanAttribute)[keyof typeof SpanAttribute];
