import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OtelTracer } from '@jussi/proxy/observability/otel-tracer';

// No SDK is registered in this process: the API hands out non-recording spans, as the SDK does
// for a request its sampler left out.
describe('children of an unsampled request', () => {
  it('are not created, and outgoing calls still carry the trace context', () => {
    const tracer = new OtelTracer(trace.getTracer('test'), new W3CTraceContextPropagator(), { flush: async () => {}, shutdown: async () => {} });
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const root = tracer.startRequest(incoming, undefined);
    assert.equal(root.traceId, '0af7651916cd43dd8448eb211c80319c');
    const child = tracer.startChild(root, 'upstream.http', { 'jussi.upstream.url': 'http://x' });
    assert.equal(child.traceId, root.traceId);
    assert.equal(child.spanId, root.spanId);
    assert.equal(child.traceparent(), incoming);
    assert.equal(tracer.startChild(child, 'response.format'), child, 'a grandchild is the same stand-in');
    assert.doesNotThrow(() => {
      child.setAttribute('a', 1);
      child.recordError(new Error('x'), 1100);
      child.end();
    });
  });
});
