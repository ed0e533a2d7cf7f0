// One limit for upstream answers, HTTP bodies and WebSocket messages alike
// (JUSSI_UPSTREAM_MAX_RESPONSE_SIZE; JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE still wins for WebSocket
// when set): a larger answer is 1100 with the reason, the upstream connection that carried it
// is closed, and the next call is served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, startTestProxy, type TestProxy } from '../../support/proxy.js';

interface Answer {
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: { reason?: string } };
}

const LIMIT = 64 * 1024;

describe('oversized upstream answers', () => {
  let up: FakeUpstream;
  let proxy: TestProxy;
  let wsOverride: TestProxy;

  before(async () => {
    up = await startFakeUpstream();
    up.on({ method: /\.big$/ }, () => ({ result: 'x'.repeat(3 * LIMIT) }));
    up.on({ method: /\.medium$/ }, () => ({ result: 'y'.repeat(LIMIT / 2) }));
    const config = {
      upstreams: [
        { name: 'web', urls: [['web', up.httpUrl('/http')]], ttls: [['web', 60]], timeouts: [['web', 10]] },
        { name: 'sock', urls: [['sock', up.wsUrl('/ws')]], ttls: [['sock', 60]], timeouts: [['sock', 10]] },
      ],
    };
    const pool = { JUSSI_WEBSOCKET_POOL_MINSIZE: '1', JUSSI_WEBSOCKET_POOL_MAXSIZE: '1' };
    proxy = await startTestProxy(config, { ...pool, JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: String(LIMIT) });
    // The WebSocket setting, when given, is the WebSocket limit.
    wsOverride = await startTestProxy(config, { ...pool, JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: String(LIMIT), JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE: String(LIMIT / 4) });
  });
  after(async () => {
    await proxy?.stop();
    await wsOverride?.stop();
    await up?.close();
  });

  it('answers 1100 for an HTTP body over the limit, closes that connection, serves the next call', async () => {
    const connectionsBefore = new Set(up.received({ path: '/http' }).map((r) => r.connection));
    const big = (await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'web.big' })).json as Answer;
    assert.equal(big.id, 1);
    assert.equal(big.error?.code, 1100);
    assert.match(big.error?.message ?? '', /^Upstream response error: answer larger than 65536 bytes \(JUSSI_UPSTREAM_MAX_RESPONSE_SIZE\); connection closed$/);
    const bigOn = up.received({ method: 'web.big' })[0]?.connection;
    await waitFor(() => up.connections === 0 || !connectionsBefore.has(bigOn ?? -1), { message: 'the connection closed' });
    const medium = (await rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: 'web.medium' })).json as Answer;
    assert.equal(typeof medium.result, 'string');
    const after = up.received({ method: 'web.medium' })[0]?.connection;
    assert.notEqual(after, bigOn, 'the oversized answer\'s connection was not reused');
    assert.equal(up.count({ method: 'web.big' }), 1);
    await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'web.big' });
    assert.equal(up.count({ method: 'web.big' }), 2, 'the refused answer was not cached');
  });

  it('answers 1100 for a WebSocket message over the same limit, and the pool reconnects', async () => {
    const big = (await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'sock.big' })).json as Answer;
    assert.equal(big.error?.code, 1100);
    assert.match(big.error?.message ?? '', /message larger than 65536 bytes/);
    const medium = await waitFor(async () => ((await rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: 'sock.medium' })).json as Answer).result, { message: 'served after the reconnect' });
    assert.equal(typeof medium, 'string');
  });

  it('takes JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE for WebSocket answers when it is set', async () => {
    const medium = (await rpc(wsOverride.url, { jsonrpc: '2.0', id: 1, method: 'sock.medium' })).json as Answer;
    assert.equal(medium.error?.code, 1100);
    assert.match(medium.error?.message ?? '', /message larger than 16384 bytes/);
    const overHttp = (await rpc(wsOverride.url, { jsonrpc: '2.0', id: 2, method: 'web.medium' })).json as Answer;
    assert.equal(typeof overHttp.result, 'string', 'HTTP keeps the general limit');
  });
});
