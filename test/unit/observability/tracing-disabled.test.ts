import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { noopManagedTracer, startTracing } from '@jussi/proxy/observability/tracing';
import { noopSpan } from '@jussi/proxy/observability/types';

describe('tracing disabled', () => {
  it('returns the no-op tracer and registers nothing', async () => {
    const tracer = await startTracing({ enabled: false, serviceName: 'jussi' });
    assert.equal(tracer, noopManagedTracer);
    assert.equal(tracer.enabled, false);
    const span = tracer.startRequest('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'k=v');
    assert.equal(span, noopSpan);
    const child = tracer.startChild(span, 'upstream.http', { 'jussi.upstream.url': 'http://x' });
    assert.equal(child, noopSpan);
    assert.equal(child.traceparent(), undefined);
    assert.equal(child.traceId, undefined);
    assert.equal(child.spanId, undefined);
    assert.doesNotThrow(() => {
      child.setAttribute('a', 1);
      child.recordError(new Error('x'), 1100);
      child.end();
    });
    await tracer.flush();
    await tracer.shutdown();
    // No SDK was started: the global provider still hands out non-recording spans.
    const probe = trace.getTracer('probe').startSpan('probe');
    assert.equal(probe.isRecording(), false);
    probe.end();
  });
});
