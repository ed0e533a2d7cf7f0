// The observability parts wired together as the proxy wires them, around a stand-in request
// path on a real HTTP server: access lines carry the ids of the exported spans, the upstream sees
// the same trace, and the scrape counts what was served.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readSettings } from '@jussi/proxy/config/env';
import { MethodLabeler } from '@jussi/proxy/observability/labels';
import { SpanAttribute, SpanName } from '@jussi/proxy/observability/span-names';
import { startObservability, type Observability } from '@jussi/proxy/observability/telemetry';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver/receiver.js';
import { parseExposition, value } from '../../unit/observability/prom-text.js';

let receiver: OtlpReceiver;
let obs: Observability;
let upstream: Server;
let proxy: Server;
let proxyUrl: string;
const upstreamHeaders: IncomingHttpHeaders[] = [];
const logLines: Record<string, unknown>[] = [];

before(async () => {
  receiver = await startOtlpReceiver();
  const parsed = readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, LOG_LEVEL: 'DEBUG' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  // The exporter reads its endpoint from the environment itself.
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.endpoint;
  obs = await startObservability(parsed.settings, {
    version: '0.0.1',
    logger: { stdout: { write: (l: string) => logLines.push(JSON.parse(l) as Record<string, unknown>) } },
  });

  upstream = createServer((req, res) => {
    upstreamHeaders.push(req.headers);
    req.resume();
    req.on('end', () => res.end('{"jsonrpc":"2.0","id":1,"result":[]}'));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const labeler = new MethodLabeler({ names: ['appbase'], prefixes: ['appbase'] });
  const { logger, metrics, tracer } = obs.telemetry;
  proxy = createServer((req, res) => {
    const started = process.hrtime.bigint();
    metrics.requestStarted();
    const span = tracer.startRequest(req.headers['traceparent'] as string | undefined, req.headers['tracestate'] as string | undefined);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const { method } = JSON.parse(body) as { method: string };
        const [api, name] = method.split('.');
        const labels = labeler.labels({ namespace: 'appbase', api, method: name ?? '' });
        span.setAttribute(SpanAttribute.method, labels.method);
        const call = tracer.startChild(span, SpanName.upstreamHttp, { [SpanAttribute.upstreamUrl]: upstreamUrl });
        const headers: Record<string, string> = {};
        const tp = call.traceparent();
        if (tp !== undefined) headers['traceparent'] = tp;
        const t0 = process.hrtime.bigint();
        const reply = await fetch(upstreamUrl, { method: 'POST', body, headers });
        const text = await reply.text();
        metrics.upstreamRequest(upstreamUrl, 'http', Number(process.hrtime.bigint() - t0) / 1e9, null);
        call.end();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.itemFinished(labels, 'single', true, seconds);
        res.end(text);
        if (logger.isDebugEnabled()) logger.debug({ body }, 'request body');
        obs.accessLog.log({ trace_id: span.traceId, span_id: span.spanId, ...labels, duration_ms: seconds * 1000, cache_hit: false });
        span.end();
        metrics.requestFinished();
      })();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
});

after(async () => {
  await obs.shutdown();
  await receiver.close();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe('observability wired together', () => {
  it('ties access lines, spans, the upstream call and the scrape to the same requests', async () => {
    for (const method of ['condenser_api.get_block', 'condenser_api.totally_made_up']) {
      const reply = await fetch(proxyUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }) });
      assert.equal(reply.status, 200);
      await reply.text();
    }
    const access = logLines.filter((l) => l['message'] === 'request');
    assert.equal(access.length, 2);
    assert.equal(logLines.filter((l) => l['level'] === 'DEBUG').length, 2, 'bodies at DEBUG');
    await obs.tracer.flush();
    for (const [i, line] of access.entries()) {
      const spans = await receiver.waitForSpans((all) => all.some((s) => s.spanId === line['span_id']));
      const server = spans.find((s) => s.spanId === line['span_id']);
      assert.equal(server?.name, SpanName.request);
      assert.equal(server?.traceId, line['trace_id']);
      assert.equal(upstreamHeaders[i]?.['traceparent']?.slice(3, 35), line['trace_id']);
      assert.equal(server?.resource['service.version'], '0.0.1');
    }
    assert.deepEqual(access.map((l) => l['method']), ['get_block', 'other']);

    assert.ok(obs.metrics !== null);
    const e = parseExposition((await obs.metrics.source().scrape()).body);
    assert.equal(value(e, 'jussi_requests_total', { method: 'get_block', status: 'ok' }), 1);
    assert.equal(value(e, 'jussi_requests_total', { method: 'other', status: 'ok' }), 1);
    assert.equal(value(e, 'jussi_requests_in_flight'), 0);
    assert.equal(value(e, 'jussi_upstream_requests_total', { protocol: 'http' }), 2);
  });
});
