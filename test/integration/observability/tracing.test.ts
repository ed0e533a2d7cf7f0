// Spans made through the Tracer facade arrive at a real OTLP/gRPC receiver with the right tree,
// kinds, attributes and error status; an incoming traceparent is continued and the outgoing one
// reaches a real HTTP upstream.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rpcError } from '@jussi/proxy/jsonrpc/errors';
import { SpanAttribute, SpanName } from '@jussi/proxy/observability/span-names';
import { startTracing, type ManagedTracer } from '@jussi/proxy/observability/tracing';
import type { SpanHandle } from '@jussi/proxy/observability/types';
import { childrenOf, spansNamed, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver/receiver.js';

const INCOMING_TRACE = '0af7651916cd43dd8448eb211c80319c';
const INCOMING_PARENT = 'b7ad6b7169203331';

let receiver: OtlpReceiver;
let tracer: ManagedTracer;
let upstream: Server;
let upstreamUrl: string;
const upstreamSaw: IncomingHttpHeaders[] = [];

before(async () => {
  receiver = await startOtlpReceiver();
  process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = receiver.endpoint;
  process.env['OTEL_RESOURCE_ATTRIBUTES'] = 'deployment.environment=test';
  upstream = createServer((req, res) => {
    upstreamSaw.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"jsonrpc":"2.0","id":1,"result":{"ok":true}}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
  tracer = await startTracing({ enabled: true, serviceName: 'jussi' }, { serviceVersion: '9.9.9' });
});

after(async () => {
  await tracer.shutdown();
  await receiver.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** What the pipeline does for one item sent upstream over HTTP. */
async function callUpstream(parent: SpanHandle, body: string): Promise<string> {
  const span = tracer.startChild(parent, SpanName.upstreamHttp, { [SpanAttribute.upstreamUrl]: upstreamUrl });
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const traceparent = span.traceparent();
    if (traceparent !== undefined) headers['traceparent'] = traceparent;
    const res = await fetch(upstreamUrl, { method: 'POST', body, headers });
    return await res.text();
  } finally {
    span.end();
  }
}

function oneSpan(spans: readonly ReceivedSpan[], predicate: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(predicate);
  assert.equal(found.length, 1, `expected one span, found ${found.map((s) => s.name).join(',')}`);
  return found[0] as ReceivedSpan;
}

describe('tracing with an OTLP receiver', () => {
  it('continues the incoming trace with the span tree, attributes and errors of a batch', async () => {
    const server = tracer.startRequest(`00-${INCOMING_TRACE}-${INCOMING_PARENT}-01`, 'vendor=abc');
    assert.equal(server.traceId, INCOMING_TRACE);
    server.setAttribute(SpanAttribute.requestType, 'batch');
    server.setAttribute(SpanAttribute.batchSize, 2);
    server.setAttribute(SpanAttribute.requestId, 'req-42');

    const parse = tracer.startChild(server, SpanName.parse);
    parse.end();
    const lookup = tracer.startChild(server, SpanName.cacheLookup);
    lookup.setAttribute(SpanAttribute.cacheHit, false);
    lookup.end();
    // Item 0 goes upstream; item 1 fails routing.
    const item0 = { [SpanAttribute.namespace]: 'appbase', [SpanAttribute.api]: 'condenser_api', [SpanAttribute.method]: 'get_block' };
    await callUpstream(server, '{"jsonrpc":"2.0","id":1,"method":"condenser_api.get_block","params":[1]}');
    const format0 = tracer.startChild(server, SpanName.responseFormat, item0);
    format0.end();
    const format1 = tracer.startChild(server, SpanName.responseFormat, { [SpanAttribute.namespace]: 'unknown' });
    const failure = rpcError('InvalidNamespace', { namespace: 'nope' });
    format1.recordError(failure, failure.code);
    format1.end();
    const store = tracer.startChild(server, SpanName.cacheStore);
    store.end();
    server.recordError(new Error('one item failed'), 1200);
    server.end();
    await tracer.flush();

    const spans = await receiver.waitForSpans((all) => all.some((s) => s.spanId === server.spanId));
    const trace = spans.filter((s) => s.traceId === INCOMING_TRACE);
    const root = oneSpan(trace, (s) => s.name === SpanName.request);
    assert.equal(root.parentSpanId, INCOMING_PARENT, 'continues the caller\'s span');
    assert.equal(root.kind, 'SPAN_KIND_SERVER');
    assert.equal(root.traceState, 'vendor=abc');
    assert.equal(root.attributes[SpanAttribute.requestType], 'batch');
    assert.equal(root.attributes[SpanAttribute.batchSize], 2);
    assert.equal(root.attributes[SpanAttribute.errorCode], 1200);
    assert.equal(root.status.code, 'STATUS_CODE_ERROR');
    assert.equal(root.resource['service.name'], 'jussi');
    assert.equal(root.resource['service.version'], '9.9.9');
    assert.equal(root.resource['deployment.environment'], 'test', 'OTEL_RESOURCE_ATTRIBUTES is honoured');
    assert.equal(root.scope.name, 'jussi');

    const children = childrenOf(trace, root);
    assert.deepEqual(children.map((s) => s.name).sort(), [
      SpanName.cacheLookup, SpanName.cacheStore, SpanName.parse, SpanName.responseFormat, SpanName.responseFormat, SpanName.upstreamHttp,
    ].sort());
    const lookupSpan = oneSpan(children, (s) => s.name === SpanName.cacheLookup);
    assert.equal(lookupSpan.attributes[SpanAttribute.cacheHit], false);
    assert.equal(lookupSpan.kind, 'SPAN_KIND_INTERNAL');

    const upstreamSpan = oneSpan(children, (s) => s.name === SpanName.upstreamHttp);
    assert.equal(upstreamSpan.kind, 'SPAN_KIND_CLIENT');
    assert.equal(upstreamSpan.attributes[SpanAttribute.upstreamUrl], upstreamUrl);
    // The upstream saw this very span as the parent of its work.
    const saw = upstreamSaw.at(-1)?.['traceparent'];
    assert.equal(saw, `00-${INCOMING_TRACE}-${upstreamSpan.spanId}-01`);

    const formats = spansNamed(children, SpanName.responseFormat);
    const ok = oneSpan(formats, (s) => s.status.code === 'STATUS_CODE_UNSET');
    assert.deepEqual(
      [ok.attributes[SpanAttribute.namespace], ok.attributes[SpanAttribute.api], ok.attributes[SpanAttribute.method]],
      ['appbase', 'condenser_api', 'get_block'],
    );
    const failed = oneSpan(formats, (s) => s.status.code === 'STATUS_CODE_ERROR');
    assert.equal(failed.attributes[SpanAttribute.errorCode], 1200);
    assert.equal(failed.status.message, 'Invalid JSONRPC method namespace nope');
    const exception = failed.events.find((e) => e.name === 'exception');
    assert.equal(exception?.attributes['exception.type'], 'InvalidNamespace');
    assert.equal(exception?.attributes['exception.message'], 'Invalid JSONRPC method namespace nope');
    for (const s of trace) assert.ok(s.endTimeUnixNano >= s.startTimeUnixNano && s.startTimeUnixNano > 0n);
  });

  it('starts a new trace when there is no valid traceparent', async () => {
    for (const header of [undefined, '', 'garbage', `00-${'0'.repeat(32)}-${INCOMING_PARENT}-01`, `ff-${INCOMING_TRACE}-${INCOMING_PARENT}-01`]) {
      const server = tracer.startRequest(header, undefined);
      assert.notEqual(server.traceId, INCOMING_TRACE);
      assert.match(server.traceId ?? '', /^[0-9a-f]{32}$/);
      assert.match(server.traceparent() ?? '', new RegExp(`^00-${server.traceId}-${server.spanId}-01$`));
      server.end();
      await tracer.flush();
      const spans = await receiver.waitForSpans((all) => all.some((s) => s.spanId === server.spanId));
      assert.equal(oneSpan(spans, (s) => s.spanId === server.spanId).parentSpanId, '', `header ${String(header)}`);
    }
  });

  it('propagates an unsampled incoming trace without recording it', async () => {
    const unsampledTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const server = tracer.startRequest(`00-${unsampledTrace}-00f067aa0ba902b7-00`, undefined);
    const body = await callUpstream(server, '{"jsonrpc":"2.0","id":1,"method":"x"}');
    assert.match(body, /"ok":true/);
    server.end();
    // The default sampler follows the parent: the upstream still sees the trace, unsampled.
    assert.match(String(upstreamSaw.at(-1)?.['traceparent']), new RegExp(`^00-${unsampledTrace}-[0-9a-f]{16}-00$`));
    await tracer.flush();
    const marker = tracer.startRequest(undefined, undefined);
    marker.end();
    await tracer.flush();
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.spanId === marker.spanId));
    assert.equal(spans.filter((s) => s.traceId === unsampledTrace).length, 0);
  });

  it('scrubs credentials from URL attributes and ignores children of foreign parents', async () => {
    const server = tracer.startRequest(undefined, undefined);
    const child = tracer.startChild(server, SpanName.upstreamWebsocket, { [SpanAttribute.upstreamUrl]: 'wss://user:secret@node.example/ws' });
    child.end();
    server.end();
    const orphan = tracer.startChild({ setAttribute: () => {}, recordError: () => {}, end: () => {}, traceparent: () => undefined, traceId: undefined, spanId: undefined }, SpanName.parse);
    assert.equal(orphan.traceId, undefined);
    await tracer.flush();
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.spanId === child.spanId));
    const ws = oneSpan(spans, (s) => s.spanId === child.spanId);
    assert.equal(ws.kind, 'SPAN_KIND_CLIENT');
    assert.equal(ws.attributes[SpanAttribute.upstreamUrl], 'wss://[REDACTED]@node.example/ws');
  });

  it('flushes ended spans on shutdown', async () => {
    const last = tracer.startRequest(undefined, undefined);
    last.setAttribute(SpanAttribute.method, 'last');
    last.end();
    // No flush: shutdown alone must export it.
    await tracer.shutdown();
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.spanId === last.spanId));
    assert.equal(oneSpan(spans, (s) => s.spanId === last.spanId).attributes[SpanAttribute.method], 'last');
    // After shutdown the process is back to no tracing, and a second shutdown is harmless.
    await tracer.shutdown();
  });
});
