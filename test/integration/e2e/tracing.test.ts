// Traces of real requests through the real proxy, exported over OTLP/gRPC to a real receiver
// (OTEL_EXPORTER_OTLP_ENDPOINT): one server span per request with its children, the attributes,
// an incoming traceparent continued, the same trace id in the traceparent the upstream received,
// and error status on failing requests.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { childrenOf, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver/receiver.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { asAnswer, call, DEADLINE_MS, rpc, Teardown } from './harness.js';

const SERVER_SPAN = 'jussi.request';

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A W3C traceparent with fresh random ids. */
function traceparent(): { header: string; traceId: string; parentId: string } {
  const hex = (bytes: number): string => Array.from({ length: bytes }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join('');
  const traceId = hex(16);
  const parentId = hex(8);
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** The spans exported by OpenTelemetry's exporter read the process environment. */
const OTEL_ENV = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_BSP_SCHEDULE_DELAY'] as const;

describe('traces of requests through the proxy', () => {
  const teardown = new Teardown();
  let receiver: OtlpReceiver;
  let up: FakeUpstream;
  let proxy: TestProxy;
  let brokenUrl: string;

  before(async () => {
    receiver = teardown.add(await startOtlpReceiver(), (r) => r.close());
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    brokenUrl = `http://127.0.0.1:${await closedPort()}/`;
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    teardown.add(null, () => {
      for (const name of OTEL_ENV) delete process.env[name];
    });
    Object.assign(process.env, env);
    proxy = teardown.add(
      await startTestProxy(
        {
          upstreams: [
            {
              name: 'appbase',
              urls: [
                ['appbase', up.httpUrl('/appbase')],
                ['appbase.condenser_api.get_accounts', up.wsUrl('/ws')],
              ],
              ttls: [['appbase.condenser_api.get_content', 60]],
              timeouts: [['appbase', 10]],
            },
            { name: 'broken', urls: [['broken', brokenUrl]], ttls: [['broken', -1]], timeouts: [['broken', 5]] },
          ],
        },
        env,
      ),
      (p) => p.stop(),
    );
  });
  after(() => teardown.run());

  /** The trace of one request: waits for its server span and `children` named children. */
  async function traceOf(traceId: string, children: readonly string[]): Promise<{ server: ReceivedSpan; spans: ReceivedSpan[] }> {
    const inTrace = (spans: readonly ReceivedSpan[]): ReceivedSpan[] => spans.filter((s) => s.traceId === traceId);
    const spans = await receiver.waitForSpans((all) => {
      const mine = inTrace(all);
      return mine.some((s) => s.name === SERVER_SPAN) && children.every((name) => mine.some((s) => s.name === name));
    }, DEADLINE_MS);
    const mine = inTrace(spans);
    const servers = mine.filter((s) => s.name === SERVER_SPAN);
    assert.equal(servers.length, 1, 'one server span per request');
    return { server: servers[0] as ReceivedSpan, spans: mine };
  }

  function childNamed(spans: readonly ReceivedSpan[], parent: ReceivedSpan, name: string): ReceivedSpan {
    const found = childrenOf(spans, parent).filter((s) => s.name === name);
    assert.equal(found.length, 1, `one ${name} under ${parent.name}; children: ${childrenOf(spans, parent).map((s) => s.name).join(', ')}`);
    return found[0] as ReceivedSpan;
  }

  it('a cacheable miss over HTTP: the span tree, its attributes, the incoming and outgoing traceparent', async () => {
    const incoming = traceparent();
    up.reset();
    const res = await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'traced'], 1), { traceparent: incoming.header, 'x-jussi-request-id': 'trace-req-1' });
    assert.equal(asAnswer(res.json).error, undefined);

    const { server, spans } = await traceOf(incoming.traceId, ['request.parse', 'cache.lookup', 'upstream.http', 'response.format', 'cache.store']);
    assert.equal(server.kind, 'SPAN_KIND_SERVER');
    assert.equal(server.parentSpanId, incoming.parentId, 'the incoming trace is continued');
    assert.equal(server.resource['service.name'], 'jussi');
    assert.equal(server.status.code, 'STATUS_CODE_UNSET');
    assert.equal(server.attributes['jussi.namespace'], 'appbase');
    assert.equal(server.attributes['jussi.api'], 'condenser_api');
    assert.equal(server.attributes['jussi.method'], 'get_content');
    assert.equal(server.attributes['jussi.request.type'], 'single');
    assert.equal(server.attributes['jussi.request.id'], 'trace-req-1');

    for (const name of ['request.parse', 'cache.lookup', 'upstream.http', 'response.format', 'cache.store']) childNamed(spans, server, name);
    const lookup = childNamed(spans, server, 'cache.lookup');
    assert.equal(lookup.attributes['jussi.cache.hit'], false);
    const upstream = childNamed(spans, server, 'upstream.http');
    assert.equal(upstream.kind, 'SPAN_KIND_CLIENT');
    assert.equal(upstream.attributes['jussi.upstream.url'], up.httpUrl('/appbase'));

    // The upstream got a traceparent in the same trace, naming the upstream.http span.
    const seen = up.requests.find((r) => r.method === 'condenser_api.get_content');
    const sent = String(seen?.headers['traceparent'] ?? '');
    assert.match(sent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    assert.equal(sent.split('-')[1], incoming.traceId);
    assert.equal(sent.split('-')[2], upstream.spanId);
  });

  it('a cache hit: cache.lookup says hit, nothing goes upstream', async () => {
    const incoming = traceparent();
    const res = await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'traced'], 2), { traceparent: incoming.header });
    assert.notEqual(res.headers.get('x-jussi-cache-hit'), null);
    const { server, spans } = await traceOf(incoming.traceId, ['cache.lookup', 'response.format']);
    assert.equal(childNamed(spans, server, 'cache.lookup').attributes['jussi.cache.hit'], true);
    assert.deepEqual(
      spans.filter((s) => s.name.startsWith('upstream.') || s.name === 'cache.store').map((s) => s.name),
      [],
    );
  });

  it('a WebSocket upstream call is an upstream.websocket span', async () => {
    const incoming = traceparent();
    await rpc(proxy.url, call('condenser_api.get_accounts', [['bob']]), { traceparent: incoming.header });
    const { server, spans } = await traceOf(incoming.traceId, ['upstream.websocket']);
    const ws = childNamed(spans, server, 'upstream.websocket');
    assert.equal(ws.kind, 'SPAN_KIND_CLIENT');
    assert.equal(ws.attributes['jussi.upstream.url'], up.wsUrl('/ws'));
    assert.equal(server.attributes['jussi.method'], 'get_accounts');
  });

  it('a batch: request type and size on the server span, one upstream span per miss', async () => {
    const incoming = traceparent();
    await rpc(proxy.url, [call('condenser_api.get_config', [], 1), call('condenser_api.get_accounts', [['carol']], 2), call('condenser_api.get_version', [], 3)], {
      traceparent: incoming.header,
    });
    const { server, spans } = await traceOf(incoming.traceId, ['upstream.websocket', 'upstream.http', 'response.format']);
    await receiver.waitForSpans((all) => all.filter((s) => s.traceId === incoming.traceId && s.name === 'upstream.http').length === 2, DEADLINE_MS);
    assert.equal(server.attributes['jussi.request.type'], 'batch');
    assert.equal(server.attributes['jussi.batch.size'], 3);
    assert.equal(childrenOf(receiver.spans, server).filter((s) => s.name === 'upstream.http').length, 2);
    childNamed(spans, server, 'upstream.websocket');
  });

  it('failing requests: error status and the JSON-RPC error code', async () => {
    const refused = traceparent();
    const res = await rpc(proxy.url, call('broken.get_thing', []), { traceparent: refused.header });
    const code = asAnswer(res.json).error?.code;
    assert.equal(typeof code, 'number');
    const { server, spans } = await traceOf(refused.traceId, ['upstream.http']);
    assert.equal(server.status.code, 'STATUS_CODE_ERROR');
    assert.equal(server.attributes['rpc.jsonrpc.error_code'], code);
    const upstream = childNamed(spans, server, 'upstream.http');
    assert.equal(upstream.status.code, 'STATUS_CODE_ERROR');
    assert.equal(upstream.attributes['jussi.upstream.url'], brokenUrl);
    assert.ok(server.events.some((e) => e.name === 'exception'), 'the error is recorded as an exception event');

    const invalid = traceparent();
    const bad = await rpc(proxy.url, call('nosuchnamespace.method', []), { traceparent: invalid.header });
    const badCode = asAnswer(bad.json).error?.code;
    const rejected = await traceOf(invalid.traceId, []);
    assert.equal(rejected.server.status.code, 'STATUS_CODE_ERROR');
    assert.equal(rejected.server.attributes['rpc.jsonrpc.error_code'], badCode);
  });

  it('without a traceparent a request starts a new trace', async () => {
    receiver.clear();
    const res = await rpc(proxy.url, call('condenser_api.get_version', [], 9), { 'x-jussi-request-id': 'untraced-client' });
    assert.equal(res.status, 200);
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === SERVER_SPAN && s.attributes['jussi.request.id'] === 'untraced-client'), DEADLINE_MS);
    const server = spans.find((s) => s.name === SERVER_SPAN && s.attributes['jussi.request.id'] === 'untraced-client') as ReceivedSpan;
    assert.equal(server.parentSpanId, '');
    assert.match(server.traceId, /^[0-9a-f]{32}$/);
    const seen = up.requests.find((r) => r.method === 'condenser_api.get_version' && r.id !== undefined && r.headers['x-jussi-request-id'] === 'untraced-client');
    assert.equal(String(seen?.headers['traceparent']).split('-')[1], server.traceId);
  });
});
