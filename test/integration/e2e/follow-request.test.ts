// "A person can follow one request from its log line to its trace to its metrics": a request
// with a known x-jussi-request-id through the real proxy (tracing to a real OTLP receiver), its
// access line found by that id, its trace found by the line's trace_id, and the request counted
// in /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { childrenOf, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver/receiver.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { accessLines, asAnswer, call, DEADLINE_MS, rpc, scrape, Teardown, total, waitForAccessLine } from './harness.js';

const OTEL_ENV = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_BSP_SCHEDULE_DELAY'] as const;
const LABELS = { namespace: 'appbase', api: 'condenser_api', method: 'get_content', type: 'single', status: 'ok' };

describe('one request, from its log line to its trace to its metrics', () => {
  const teardown = new Teardown();
  let receiver: OtlpReceiver;
  let up: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    receiver = teardown.add(await startOtlpReceiver(), (r) => r.close());
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    teardown.add(null, () => {
      for (const name of OTEL_ENV) delete process.env[name];
    });
    Object.assign(process.env, env);
    const doc = {
      upstreams: [{ name: 'appbase', urls: [['appbase', up.httpUrl('/appbase')]], ttls: [['appbase.condenser_api.get_content', 60]], timeouts: [['appbase', 10]] }],
    };
    proxy = teardown.add(await startTestProxy(doc, { ...env, LOG_LEVEL: 'INFO' }), (p) => p.stop());
  });
  after(() => teardown.run());

  it('follows x-jussi-request-id -> access line -> trace_id -> spans -> /metrics', async () => {
    const before = total(await scrape(proxy), 'jussi_requests_total', LABELS);
    // Some traffic around it, so the request has to be picked out.
    await Promise.all(Array.from({ length: 5 }, (_, i) => rpc(proxy.url, call('condenser_api.get_config', [], i), { 'x-jussi-request-id': `noise-${i}` })));
    const res = await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'follow-me'], 42), { 'x-jussi-request-id': 'follow-me-42' });
    assert.equal(res.headers.get('x-jussi-request-id'), 'follow-me-42');
    assert.equal(asAnswer(res.json).error, undefined);

    // 1. The log line, by the request id the client saw.
    const line = await waitForAccessLine(proxy, 'follow-me-42');
    const traceId = String(line['trace_id']);
    const spanId = String(line['span_id']);
    assert.match(traceId, /^[0-9a-f]{32}$/, 'the access line carries the trace id');
    assert.match(spanId, /^[0-9a-f]{16}$/, 'and the span id');
    assert.equal(new Set(accessLines(proxy).map((r) => r['trace_id'])).size, accessLines(proxy).length, 'each request its own trace');

    // 2. The trace, by the line's trace id: the line's span is the request's server span.
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.traceId === traceId && s.name === 'upstream.http') && all.some((s) => s.spanId === spanId), DEADLINE_MS);
    const server = spans.find((s) => s.spanId === spanId) as ReceivedSpan;
    assert.equal(server.traceId, traceId);
    assert.equal(server.name, 'jussi.request');
    assert.equal(server.attributes['jussi.request.id'], 'follow-me-42');
    assert.equal(server.attributes['jussi.method'], line['method']);
    assert.ok(childrenOf(spans, server).some((s) => s.name === 'upstream.http'));
    // ... and the upstream saw the same trace.
    const upstreamSaw = up.requests.find((r) => r.headers['x-jussi-request-id'] === 'follow-me-42');
    assert.equal(String(upstreamSaw?.headers['traceparent']).split('-')[1], traceId);

    // 3. The metrics, by the labels the line and the span name.
    const after = await scrape(proxy);
    assert.equal(total(after, 'jussi_requests_total', LABELS), before + 1, 'the request is counted under its method');
    assert.equal(total(after, 'jussi_request_duration_seconds_count', LABELS), before + 1);
  });
});
