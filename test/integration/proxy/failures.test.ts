// Everything that can go wrong on the way, over real sockets: slow, broken, refusing and
// vanishing upstreams, and hostile clients. Each gets a clear JSON-RPC error; the proxy serves on.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, startTestProxy, type TestProxy } from '../../support/proxy.js';

interface RpcAnswer {
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: { error_id?: string; jussi_request_id?: string; reason?: string } };
}

describe('failures', () => {
  let http: FakeUpstream;
  let ws: FakeUpstream;
  let deadPort: number;
  let proxy: TestProxy;

  before(async () => {
    http = await startFakeUpstream();
    ws = await startFakeUpstream();
    deadPort = await freePort();
    proxy = await startTestProxy(
      {
        upstreams: [
          { name: 'fast', urls: [['fast', http.httpUrl('/fast')]], ttls: [['fast', -1]], timeouts: [['fast', 1]] },
          { name: 'capped', urls: [['capped', http.httpUrl('/capped')]], ttls: [['capped', -1]], timeouts: [['capped', 0]] },
          { name: 'cached', urls: [['cached', http.httpUrl('/cached')]], ttls: [['cached', 60]], timeouts: [['cached', 5]] },
          { name: 'dead', urls: [['dead', `http://127.0.0.1:${deadPort}/`]], ttls: [['dead', -1]], timeouts: [['dead', 2]] },
          { name: 'sock', urls: [['sock', ws.wsUrl('/sock')]], ttls: [['sock', -1]], timeouts: [['sock', 5]] },
        ],
      },
      { JUSSI_RESPONSE_TIMEOUT: '1.5', JUSSI_REQUEST_MAX_SIZE: '4096', JUSSI_WEBSOCKET_POOL_MINSIZE: '1', JUSSI_WEBSOCKET_POOL_MAXSIZE: '1' },
    );
  });
  after(async () => {
    await proxy?.stop();
    await http?.close();
    await ws?.close();
  });

  it('answers 1000 when the configured timeout fires, for that batch item only', async () => {
    http.on({ method: 'fast.slow' }, () => ({ result: 1, delayMs: 3000 }));
    const started = Date.now();
    const res = await rpc(proxy.url, [
      { jsonrpc: '2.0', id: 1, method: 'fast.slow' },
      { jsonrpc: '2.0', id: 2, method: 'fast.quick' },
    ]);
    const items = res.json as RpcAnswer[];
    assert.equal(items[0]?.error?.code, 1000);
    assert.equal(items[0]?.error?.message, 'Request Timeout');
    assert.ok(items[1]?.result !== undefined, 'the other item is answered');
    assert.ok(Date.now() - started < 2900, 'answered at the 1 s timeout, not the upstream delay');
  });

  it('answers 1050 when only the global response timeout applies', async () => {
    http.on({ method: 'capped.slow' }, () => ({ result: 1, delayMs: 4000 }));
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'capped.slow' });
    const body = res.json as RpcAnswer;
    assert.equal(body.id, 3);
    assert.equal(body.error?.code, 1050);
    assert.equal(body.error?.message, 'Response Timeout');
  });

  it('turns empty, non-JSON and non-object upstream bodies into 1100 with the reason', async () => {
    http.on({ method: 'fast.empty' }, () => ({ status: 502, body: '' }));
    http.on({ method: 'fast.html' }, () => ({ status: 502, body: '<html>bad gateway</html>' }));
    http.on({ method: 'fast.array' }, () => ({ body: '[1,2]' }));
    http.on({ method: 'fast.cut' }, () => ({ body: '{"jsonrpc":"2.0","id":1,"result":{"a"' }));
    http.on({ method: 'fast.text' }, () => ({ body: 'NaN' }));
    const empty = (await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'fast.empty' })).json as RpcAnswer;
    assert.equal(empty.error?.code, 1100);
    assert.equal(empty.error?.message, 'Upstream response error: upstream returned empty body with HTTP 502');
    const html = (await rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: 'fast.html' })).json as RpcAnswer;
    assert.equal(html.error?.code, 1100);
    // jussi's message shape with a short description of ours: never the JSON parser's own text.
    assert.equal(html.error?.message, 'Upstream response error: upstream returned invalid JSON: an HTML or XML page');
    assert.match(html.error?.data?.reason ?? '', /HTTP 502, 24 bytes starting "<html>bad gateway<\/html>"/);
    const cut = (await rpc(proxy.url, { jsonrpc: '2.0', id: 4, method: 'fast.cut' })).json as RpcAnswer;
    assert.equal(cut.error?.message, 'Upstream response error: upstream returned invalid JSON: malformed or truncated JSON');
    assert.ok((cut.error?.data?.reason ?? '').endsWith(`: HTTP 200, 37 bytes starting ${JSON.stringify('{"jsonrpc":"2.0","id":1,"result"')}...)`), cut.error?.data?.reason);
    const text = (await rpc(proxy.url, { jsonrpc: '2.0', id: 5, method: 'fast.text' })).json as RpcAnswer;
    assert.equal(text.error?.message, 'Upstream response error: upstream returned invalid JSON: text that is not JSON');
    const array = (await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'fast.array' })).json as RpcAnswer;
    assert.equal(array.error?.code, 1100);
    assert.equal(array.error?.message, 'Upstream response error: upstream returned an array, not a JSON-RPC response object');
    assert.equal(array.id, 3);
  });

  it('passes upstream JSON-RPC errors through untouched and non-200 JSON bodies as 200', async () => {
    const upstreamError = { code: -32000, message: 'missing block', data: { stack: [] } };
    http.on({ method: 'fast.err' }, () => ({ status: 500, json: { jsonrpc: '2.0', error: upstreamError } }));
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 'e', method: 'fast.err' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { jsonrpc: '2.0', error: upstreamError, id: 'e' });
    assert.equal(res.headers.get('x-jussi-error-id'), null);
  });

  it('answers 1100 for an answer carrying another id, and never caches it', async () => {
    http.on({ method: 'cached.other_id' }, (req) => ({ json: { jsonrpc: '2.0', id: Number(req.id) + 1, result: 'not yours' } }));
    for (const id of [1, 2]) {
      const body = (await rpc(proxy.url, { jsonrpc: '2.0', id, method: 'cached.other_id' })).json as RpcAnswer;
      assert.equal(body.id, id);
      assert.equal(body.error?.code, 1100);
      assert.match(body.error?.message ?? '', /^Upstream response error: upstream answered another id \(sent \d+, got \d+\)$/);
    }
    assert.equal(http.count({ method: 'cached.other_id' }), 2, 'not cached: the second request went upstream');
  });

  it('answers 1100 naming the status for a 5xx answer with a result, and never caches it', async () => {
    http.on({ method: 'cached.bad_gateway' }, () => ({ status: 502, result: 'stale' }));
    for (const id of [1, 2]) {
      const body = (await rpc(proxy.url, { jsonrpc: '2.0', id, method: 'cached.bad_gateway' })).json as RpcAnswer;
      assert.equal(body.error?.code, 1100);
      assert.match(body.error?.message ?? '', /HTTP 502/);
    }
    assert.equal(http.count({ method: 'cached.bad_gateway' }), 2, 'not cached');
    // A 2xx other than 200 with a result is an answer like any other.
    http.on({ method: 'cached.accepted' }, () => ({ status: 202, result: 'fine' }));
    assert.equal(((await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'cached.accepted' })).json as RpcAnswer).result, 'fine');
  });

  it('answers -32603 naming the upstream when it refuses connections', async () => {
    const body = (await rpc(proxy.url, { jsonrpc: '2.0', id: 11, method: 'dead.anything' })).json as RpcAnswer;
    assert.equal(body.id, 11);
    assert.equal(body.error?.code, -32603);
    assert.match(body.error?.data?.reason ?? '', new RegExp(`127\\.0\\.0\\.1:${deadPort}`));
  });

  it('fails in-flight calls at once when the WebSocket connection drops, then recovers', async () => {
    ws.on({ method: 'sock.hang' }, () => ({ hang: true }));
    ws.on({ method: 'sock.drop' }, () => ({ drop: true, delayMs: 200 }));
    const started = Date.now();
    const [hung, dropped] = await Promise.all([
      rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'sock.hang' }),
      rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: 'sock.drop' }),
    ]);
    assert.ok(Date.now() - started < 4500, 'in-flight calls fail when the connection drops, not at their 5 s timeout');
    assert.equal((hung.json as RpcAnswer).error?.code, -32603);
    assert.equal((dropped.json as RpcAnswer).error?.code, -32603);
    // Until the pool has reconnected, calls fail at once naming the cause (never wait their timeout).
    const down = (await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'sock.fine' })).json as RpcAnswer;
    if (down.error !== undefined) assert.match(down.error.data?.reason ?? '', /^upstream sock \(127\.0\.0\.1:\d+\) failed \(connect\): no open connection/);
    await waitFor(async () => ((await rpc(proxy.url, { jsonrpc: '2.0', id: 4, method: 'sock.fine' })).json as RpcAnswer).result !== undefined, { message: 'the pool reconnected' });
  });

  it('carries many concurrent requests on one WebSocket connection', async () => {
    await waitFor(async () => ((await rpc(proxy.url, { jsonrpc: '2.0', id: 0, method: 'sock.ready' })).json as RpcAnswer).result !== undefined, { message: 'the pool is open' });
    ws.reset();
    ws.on({ method: 'sock.num' }, (r) => ({ result: r.params, delayMs: Math.floor(Math.random() * 50) }));
    const n = 200;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => rpc(proxy.url, { jsonrpc: '2.0', id: i, method: 'sock.num', params: [i] })));
    for (let i = 0; i < n; i++) assert.deepEqual(answers[i]?.json, { jsonrpc: '2.0', id: i, result: [i] });
    const connections = new Set(ws.requests.filter((r) => r.method === 'sock.num').map((r) => r.connection));
    assert.equal(connections.size, 1, 'a pool of one connection carried them all');
  });

  it('answers 413 with a JSON-RPC error for an oversized body', async () => {
    const res = await rpc(proxy.url, `{"jsonrpc":"2.0","id":1,"method":"fast.x","params":["${'x'.repeat(5000)}"]}`);
    assert.equal(res.status, 413);
    const body = res.json as RpcAnswer;
    assert.equal(body.id, null);
    assert.match(body.error?.message ?? '', /4096 bytes/);
    assert.ok(res.headers.get('x-jussi-error-id'));
  });

  it('answers 404 and 405 with JSON-RPC error bodies', async () => {
    const notFound = await fetch(`${proxy.url}/nope`, { method: 'POST', body: '{}' });
    assert.equal(notFound.status, 404);
    assert.equal(((await notFound.json()) as RpcAnswer).error?.code, -32601);
    const wrongMethod = await fetch(`${proxy.url}/`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    const wrongBody = (await wrongMethod.json()) as RpcAnswer;
    assert.equal(wrongBody.error?.code, -32600);
    assert.equal(wrongBody.error?.message, 'Method GET not allowed on /; use POST');
    // Each route's 405 names the methods that route takes, in the message and in Allow.
    for (const [method, path] of [['POST', '/health'], ['PUT', '/health'], ['POST', '/health/ready'], ['DELETE', '/health/live']] as const) {
      const res = await fetch(`${proxy.url}${path}`, { method, body: method === 'DELETE' ? undefined : '{}' });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      assert.equal(((await res.json()) as RpcAnswer).error?.message, `Method ${method} not allowed on ${path}; use GET, HEAD`);
    }
  });

  it('answers garbage, invalid UTF-8, empty and deeply nested bodies with clear errors', async () => {
    const garbage = await rpc(proxy.url, '\u0000\u0001not json at all');
    assert.equal((garbage.json as RpcAnswer).error?.code, -32700);
    const empty = await rpc(proxy.url, '');
    assert.equal((empty.json as RpcAnswer).error?.code, -32700);
    const bytes = await fetch(`${proxy.url}/`, { method: 'POST', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    assert.equal(((await bytes.json()) as RpcAnswer).error?.code, -32700);
    const deep = await rpc(proxy.url, `{"jsonrpc":"2.0","id":1,"method":"fast.x","params":${'['.repeat(2000)}${']'.repeat(2000)}}`);
    assert.equal(deep.status, 200);
    assert.ok((deep.json as RpcAnswer).error !== undefined);
    const scalar = await rpc(proxy.url, '42');
    assert.equal((scalar.json as RpcAnswer).error?.code, -32600);
    const emptyBatch = await rpc(proxy.url, '[]');
    assert.equal((emptyBatch.json as RpcAnswer).error?.code, -32600);
    const ok = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'fast.after' });
    assert.ok((ok.json as RpcAnswer).result !== undefined, 'still serving');
  });

  it('survives raw socket abuse: half requests, resets and pipelined garbage', async () => {
    const hostile = [
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"jsonrpc"',
      'GARBAGE\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ];
    const port = Number(new URL(proxy.url).port);
    await Promise.all(
      hostile.map(
        (payload) =>
          new Promise<void>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write(payload);
              setTimeout(() => s.destroy(), 100);
            });
            s.on('error', () => resolve());
            s.on('close', () => resolve());
          }),
      ),
    );
    const ok = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'fast.after' });
    assert.ok((ok.json as RpcAnswer).result !== undefined);
  });
});
