// The proxy's request path over real sockets, against fake HTTP and WebSocket upstreams:
// routing, ids, headers, batches, translation, notifications, caching and merging.
import assert from 'node:assert/strict';
import { maxHeaderSize } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, startTestProxy, type TestProxy } from '../../support/proxy.js';

interface RpcAnswer {
  id: unknown;
  jsonrpc?: string;
  result?: unknown;
  error?: { code: number; message: string; data?: { error_id?: string; jussi_request_id?: string; reason?: string } };
}

function config(http: FakeUpstream, ws: FakeUpstream): unknown {
  return {
    limits: { accounts_blacklist: ['bad-guy'], account_history_limit: 100 },
    upstreams: [
      {
        name: 'steemd',
        translate_to_appbase: true,
        urls: [['steemd', http.httpUrl('/steemd')]],
        ttls: [['steemd', 3]],
        timeouts: [['steemd', 5]],
      },
      {
        name: 'appbase',
        urls: [
          ['appbase', http.httpUrl('/appbase')],
          ['appbase.condenser_api.get_accounts', ws.wsUrl('/accounts')],
        ],
        ttls: [
          ['appbase', 3],
          ['appbase.condenser_api.get_block', -2],
          ['appbase.network_broadcast_api', -1],
          ['appbase.condenser_api.broadcast_transaction', -1],
        ],
        timeouts: [['appbase', 5]],
      },
      {
        name: 'sbds',
        urls: [['sbds', http.httpUrl('/sbds')]],
        ttls: [['sbds', -1]],
        timeouts: [['sbds', 5]],
      },
      { name: 'hive', urls: [{ prefix: 'hive', upstream_url: ws.wsUrl('/hive') }], ttls: [['hive', 0]], timeouts: [['hive', 5]] },
    ],
  };
}

describe('request path', () => {
  let http: FakeUpstream;
  let ws: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    http = await startFakeUpstream();
    ws = await startFakeUpstream();
    proxy = await startTestProxy(config(http, ws));
  });
  after(async () => {
    await proxy?.stop();
    await http?.close();
    await ws?.close();
  });

  it('routes a single request, restores the client id and sets the x-jussi headers', async () => {
    http.reset();
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 'abc', method: 'sbds.count_operations', params: { op: 'vote' } }, { 'x-jussi-request-id': 'req-1', 'x-amzn-trace-id': 'Root=1-x' });
    assert.equal(res.status, 200);
    const body = res.json as RpcAnswer;
    assert.equal(body.id, 'abc');
    assert.deepEqual(body.result, { path: '/sbds', method: 'sbds.count_operations', params: { op: 'vote' } });
    assert.equal(res.headers.get('x-jussi-request-id'), 'req-1');
    assert.equal(res.headers.get('x-amzn-trace-id'), 'Root=1-x');
    assert.equal(res.headers.get('x-jussi-namespace'), 'sbds');
    assert.equal(res.headers.get('x-jussi-api'), '<Empty>');
    assert.equal(res.headers.get('x-jussi-method'), 'count_operations');
    assert.equal(res.headers.get('x-jussi-params'), '{"op":"vote"}');
    assert.match(res.headers.get('x-jussi-response-time') ?? '', /^\d+\.\d+$/);
    const seen = http.requests[0];
    assert.ok(seen);
    assert.equal(seen.method, 'sbds.count_operations', 'the client method string is forwarded verbatim');
    assert.equal(typeof seen.id, 'number', 'the upstream gets a proxy-assigned integer id');
    assert.equal(seen.headers['x-jussi-request-id'], 'req-1');
    assert.equal(seen.headers['x-amzn-trace-id'], 'Root=1-x');
    assert.equal(seen.headers['content-type'], 'application/json');
  });

  it('generates one request id and uses it in the header, the error data and upstream', async () => {
    http.reset();
    http.reply({ path: '/sbds' }, { status: 200, body: '' });
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 7, method: 'sbds.anything' });
    http.reset();
    const generated = res.headers.get('x-jussi-request-id');
    assert.match(generated ?? '', /^\d{18}$/);
    const body = res.json as RpcAnswer;
    assert.equal(body.error?.code, 1100);
    assert.equal(body.error?.data?.jussi_request_id, generated);
    assert.equal(res.headers.get('x-jussi-error-id'), body.error?.data?.error_id);
  });

  it('translates steemd requests to condenser_api and routes them to appbase', async () => {
    http.reset();
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'get_dynamic_global_properties' });
    const body = res.json as RpcAnswer;
    assert.equal(body.id, 1);
    const seen = http.requests.at(-1);
    assert.equal(seen?.path, '/appbase');
    assert.equal(seen?.method, 'call');
    assert.deepEqual(seen?.params, ['condenser_api', 'get_dynamic_global_properties', []]);
    assert.equal(res.headers.get('x-jussi-namespace'), 'appbase');
    assert.equal(res.headers.get('x-jussi-api'), 'condenser_api');
  });

  it('answers a batch in request order with per-item errors, items dispatched concurrently', async () => {
    http.reset();
    http.on({ method: 'sbds.slow' }, () => ({ result: 'slow', delayMs: 300 }));
    const started = Date.now();
    const res = await rpc(proxy.url, [
      { jsonrpc: '2.0', id: 1, method: 'sbds.slow' },
      { jsonrpc: '2.0', id: 2, method: 'unknown_ns.thing' },
      { jsonrpc: '2.0', id: 3, method: 'sbds.slow' },
      { nope: true },
      { jsonrpc: '2.0', id: 5, method: 'hive.db_head_state' },
    ]);
    const elapsed = Date.now() - started;
    http.reset();
    assert.equal(res.status, 200);
    const items = res.json as RpcAnswer[];
    assert.deepEqual(items.map((i) => i.id), [1, 2, 3, null, 5]);
    assert.equal(items[0]?.result, 'slow');
    assert.equal(items[1]?.error?.code, -32600);
    assert.match(items[1]?.error?.data?.reason ?? '', /unknown_ns/);
    assert.equal(items[2]?.result, 'slow');
    assert.equal(items[3]?.error?.code, -32600);
    assert.deepEqual(items[4]?.result, { path: '/hive', method: 'hive.db_head_state', params: null });
    assert.equal(res.headers.get('x-jussi-namespace'), null, 'no URN headers on a batch');
    assert.ok(elapsed < 3000, `two 300 ms items in parallel took ${elapsed} ms`);
  });

  it('rejects a 51-item batch with one 1600 error and accepts 50', async () => {
    const item = (id: number) => ({ jsonrpc: '2.0', id, method: 'sbds.x' });
    const big = await rpc(proxy.url, Array.from({ length: 51 }, (_, i) => item(i)));
    const body = big.json as RpcAnswer;
    assert.equal(body.id, null);
    assert.equal(body.error?.code, 1600);
    assert.equal(body.error?.message, 'JSONRPC batch size of 51 exceeds 50');
    const ok = await rpc(proxy.url, Array.from({ length: 50 }, (_, i) => item(i)));
    assert.equal((ok.json as RpcAnswer[]).length, 50);
  });

  it('forwards notifications and answers none (204 for a lone one, omitted in a batch)', async () => {
    http.reset();
    const lone = await rpc(proxy.url, { jsonrpc: '2.0', method: 'sbds.notify', params: [1] });
    assert.equal(lone.status, 204);
    assert.equal(lone.text, '');
    assert.equal(http.count({ method: 'sbds.notify' }), 1);
    const mixed = await rpc(proxy.url, [
      { jsonrpc: '2.0', method: 'sbds.notify' },
      { jsonrpc: '2.0', id: 9, method: 'sbds.other' },
    ]);
    assert.deepEqual((mixed.json as RpcAnswer[]).map((i) => i.id), [9]);
    const none = await rpc(proxy.url, [{ jsonrpc: '2.0', method: 'sbds.notify' }]);
    assert.equal(none.status, 204);
  });

  it('serves a repeat from the memory cache with the new id and x-jussi-cache-hit', async () => {
    http.reset();
    http.on({ method: 'call' }, (r) => ({ result: { accounts: r.params } }));
    const first = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'get_account_count' });
    assert.equal(first.headers.get('x-jussi-cache-hit'), null);
    const key = 'appbase.condenser_api.get_account_count.params=[]';
    let second = await rpc(proxy.url, { jsonrpc: '2.0', id: 'two', method: 'condenser_api.get_account_count', params: [] });
    // The write happens after the reply: allow it a moment on a busy machine.
    for (let i = 0; i < 50 && second.headers.get('x-jussi-cache-hit') === null; i++) {
      await new Promise((r) => setTimeout(r, 20));
      second = await rpc(proxy.url, { jsonrpc: '2.0', id: 'two', method: 'condenser_api.get_account_count', params: [] });
    }
    assert.equal(second.headers.get('x-jussi-cache-hit'), key);
    assert.deepEqual(second.json, { id: 'two', jsonrpc: '2.0', result: { accounts: ['condenser_api', 'get_account_count', []] } });
    assert.equal(http.count({ method: 'call' }), 1);
    http.reset();
  });

  it('answers an all-cached batch from the cache with x-jussi-cache-hit: batch, and sends only misses upstream', async () => {
    http.reset();
    const a = { jsonrpc: '2.0', id: 1, method: 'condenser_api.get_content', params: ['a', 'p'] };
    const b = { jsonrpc: '2.0', id: 2, method: 'condenser_api.get_content', params: ['b', 'p'] };
    await rpc(proxy.url, [a]);
    let res = await rpc(proxy.url, [a, b]);
    assert.equal(http.count({ method: 'condenser_api.get_content' }), 2, 'the second batch sent only b upstream');
    for (let i = 0; i < 50 && res.headers.get('x-jussi-cache-hit') !== 'batch'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      res = await rpc(proxy.url, [b, a]);
    }
    assert.equal(res.headers.get('x-jussi-cache-hit'), 'batch');
    assert.deepEqual((res.json as RpcAnswer[]).map((i) => i.id), [2, 1]);
    assert.equal(http.count({ method: 'condenser_api.get_content' }), 2);
    http.reset();
  });

  it('merges identical cacheable requests in flight into one upstream call, each answer with its own id', async () => {
    http.reset();
    http.on({ method: 'condenser_api.get_trending_tags' }, () => ({ result: ['steem'], delayMs: 300 }));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => rpc(proxy.url, { jsonrpc: '2.0', id: i, method: 'condenser_api.get_trending_tags', params: ['', 10] })),
    );
    assert.deepEqual(answers.map((a) => (a.json as RpcAnswer).id), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const a of answers) assert.deepEqual((a.json as RpcAnswer).result, ['steem']);
    assert.equal(http.count({ method: 'condenser_api.get_trending_tags' }), 1);
    http.reset();
  });

  it('never merges or caches broadcasts', async () => {
    http.reset();
    http.on({ method: 'condenser_api.broadcast_transaction' }, () => ({ result: {}, delayMs: 100 }));
    const trx = { ref_block_num: 1, operations: [['vote', { voter: 'a' }]] };
    await Promise.all([0, 1, 2].map((i) => rpc(proxy.url, { jsonrpc: '2.0', id: i, method: 'condenser_api.broadcast_transaction', params: [trx] })));
    await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'condenser_api.broadcast_transaction', params: [trx] });
    assert.equal(http.count({ method: 'condenser_api.broadcast_transaction' }), 4);
    http.reset();
  });

  it('applies the limits: blacklist, custom_json size, account history', async () => {
    const op = (json: string, auth: string) => ['custom_json', { required_auths: [], required_posting_auths: [auth], id: 'follow', json }];
    const black = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'condenser_api.broadcast_transaction', params: [{ operations: [op('{}', 'bad-guy')] }] });
    assert.equal((black.json as RpcAnswer).error?.code, 1700);
    const big = await rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: 'condenser_api.broadcast_transaction', params: [{ operations: [op('x'.repeat(8193), 'ok')] }] });
    assert.equal((big.json as RpcAnswer).error?.code, 1800);
    const history = await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'condenser_api.get_account_history', params: ['a', -1, 1000] });
    const err = (history.json as RpcAnswer).error;
    assert.equal(err?.code, 1701);
    assert.equal(err?.message, 'Account History request exceeded limit. The max limit is 100. Your limit is 1000');
    // A routed request over a limit still carries its URN headers, as in jussi.
    assert.equal(history.headers.get('x-jussi-namespace'), 'appbase');
    assert.equal(history.headers.get('x-jussi-params'), '["a",-1,1000]');
  });

  it('sends no x-jussi-* URN headers when the request could not be routed', async () => {
    for (const method of ['nope.nothing', 'a.b.c.d']) {
      const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method, params: [] });
      assert.equal((res.json as RpcAnswer).error?.code, -32600, method);
      for (const h of ['x-jussi-namespace', 'x-jussi-api', 'x-jussi-method', 'x-jussi-params']) assert.equal(res.headers.get(h), null, `${method}: ${h}`);
      assert.ok(res.headers.get('x-jussi-error-id'), method);
      assert.ok(res.headers.get('x-jussi-request-id'), method);
    }
  });

  it('x-jussi-cache-hit carries the key as stored, however long, within the header limit', async () => {
    http.reset();
    http.on({ method: 'condenser_api.get_state' }, (r) => ({ result: { path: r.params } }));
    /** Asks until the answer is a cache hit (the write lands after the first reply); its header. */
    const hit = async (params: unknown[]): Promise<string> => {
      const body = { jsonrpc: '2.0', id: 1, method: 'condenser_api.get_state', params };
      return waitFor(
        async () => {
          const res = await rpc(proxy.url, body);
          assert.equal(res.status, 200);
          return res.headers.get('x-jussi-cache-hit');
        },
        { timeoutMs: 20_000, message: `a cache hit for ${JSON.stringify(params).slice(0, 40)}` },
      );
    };
    // jussi's escaping kept: the key has `\/`, and so does the header.
    assert.equal(await hit(['/@layz3r']), 'appbase.condenser_api.get_state.params=["\\/@layz3r"]');
    assert.equal(await hit(['/@é']), 'appbase.condenser_api.get_state.params=["\\/@\\u00e9"]');
    const long = 'x'.repeat(3000);
    assert.equal(await hit([long]), `appbase.condenser_api.get_state.params=["${long}"]`, 'no 1,024 cut');
    // A key the header limit cannot hold is cut, ending in ...; the answer stays readable by a
    // client with Node's default header limit (fetch here).
    const huge = 'y'.repeat(20_000);
    const cut = await hit([huge]);
    assert.ok(cut.endsWith('...') && cut.startsWith('appbase.condenser_api.get_state.params=["yyy'), cut.slice(0, 80));
    assert.ok(cut.length > 8000 && cut.length < maxHeaderSize, `${cut.length}`);
    http.reset();
  });

  it('routes to a WebSocket upstream by prefix', async () => {
    ws.reset();
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 4, method: 'condenser_api.get_accounts', params: [['alice']] });
    assert.deepEqual((res.json as RpcAnswer).result, { path: '/accounts', method: 'condenser_api.get_accounts', params: [['alice']] });
    assert.equal(ws.count({ transport: 'ws' }), 1);
  });

  it('carries raw UTF-8 upstream and preserves the client key order', async () => {
    http.reset();
    const body = '{"jsonrpc":"2.0","id":1,"method":"sbds.echo","params":{"b":1,"10":"é/ü","a":[1.0,2]}}';
    await rpc(proxy.url, body);
    const seen = http.requests.at(-1);
    assert.ok(seen);
    assert.match(seen.body, /"params":\{"b":1,"10":"é\\\/ü","a":\[1\.0,2\]\}/);
    http.reset();
  });
});
