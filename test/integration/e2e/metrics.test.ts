// /metrics on the admin port after a known sequence of requests through the real proxy (single
// ok, cache hit, single error, batch, upstream error; HTTP and WebSocket upstreams; a real
// Redis): the name, type, labels and value of every series of the README's metrics table, and
// label cardinality that stays bounded whatever methods clients send.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { RedisServer } from '../../support/redis/redis-server.js';
import type { Exposition } from '../../unit/observability/prom-text.js';
import { asAnswer, asBatch, call, dgpResult, DEADLINE_MS, getJson, rpc, samples, scrape, state, Teardown, total, waitFor } from './harness.js';

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function config(up: FakeUpstream, brokenUrl: string, extraTtl: readonly [string, number][] = []): Record<string, unknown> {
  return {
    upstreams: [
      {
        name: 'appbase',
        urls: [
          ['appbase', up.httpUrl('/appbase')],
          ['appbase.condenser_api.get_accounts', up.wsUrl('/ws')],
        ],
        ttls: [['appbase.condenser_api.get_content', 60], ['appbase.condenser_api.get_accounts', 60], ...extraTtl],
        timeouts: [['appbase', 10]],
      },
      { name: 'broken', urls: [['broken', brokenUrl]], ttls: [['broken', -1]], timeouts: [['broken', 5]] },
    ],
  };
}

function one(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = samples(exposition, name, labels);
  assert.equal(found.length, 1, `one ${name}${JSON.stringify(labels)}; found ${JSON.stringify(found)}`);
  return found[0]?.value ?? NaN;
}

const CONTENT = { namespace: 'appbase', api: 'condenser_api', method: 'get_content' };

describe('metrics on the admin port', () => {
  const teardown = new Teardown();
  let up: FakeUpstream;
  let redis: RedisServer;
  let proxy: TestProxy;
  let brokenUrl: string;
  let errorCodes: number[] = [];

  before(async () => {
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    up.on({ method: 'condenser_api.get_dynamic_global_properties' }, () => ({ result: dgpResult(4242) }));
    redis = teardown.add(await RedisServer.start(), (r) => r.stop());
    brokenUrl = `http://127.0.0.1:${await closedPort()}/`;
    proxy = teardown.add(await startTestProxy(config(up, brokenUrl), { JUSSI_REDIS_URL: redis.url }), (p) => p.stop());
    await waitFor(async () => (await state(proxy)).redis === 'up', { timeoutMs: DEADLINE_MS, message: 'redis up' });

    // The known sequence.
    const ok = await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'post'], 1));
    assert.equal(asAnswer(ok.json).error, undefined);
    // Wait for the write, so the repeat is a memory hit.
    await waitFor(async () => total(await scrape(proxy), 'jussi_cache_operations_total', { tier: 'redis', operation: 'set', result: 'hit' }) === 1, {
      timeoutMs: DEADLINE_MS,
      message: 'first write',
    });
    const hit = await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'post'], 2));
    assert.notEqual(hit.headers.get('x-jussi-cache-hit'), null);
    const unknown = await rpc(proxy.url, call('nosuchnamespace.some_method', [], 3));
    const batch = await rpc(proxy.url, [
      call('condenser_api.get_content', ['alice', 'post'], 'b1'),
      call('condenser_api.get_accounts', [['bob']], 'b2'),
      call('condenser_api.get_config', [], 'b3'),
    ]);
    assert.deepEqual(
      asBatch(batch.json).map((a) => a.error),
      [undefined, undefined, undefined],
    );
    const broken = await rpc(proxy.url, call('broken.get_thing', [], 5));
    errorCodes = [asAnswer(unknown.json).error?.code, asAnswer(broken.json).error?.code].map((c) => {
      assert.equal(typeof c, 'number');
      return c as number;
    });
    await waitFor(async () => total(await scrape(proxy), 'jussi_cache_operations_total', { tier: 'redis', operation: 'set', result: 'hit' }) === 2, {
      timeoutMs: DEADLINE_MS,
      message: 'second write',
    });
  });
  after(() => teardown.run());

  it('requests: jussi_requests_total, jussi_request_duration_seconds, jussi_request_errors_total, jussi_batch_size', async () => {
    const m = await scrape(proxy);
    assert.equal(m.types.get('jussi_requests_total'), 'counter');
    assert.equal(m.types.get('jussi_request_duration_seconds'), 'histogram');
    assert.equal(m.types.get('jussi_request_errors_total'), 'counter');
    assert.equal(m.types.get('jussi_batch_size'), 'histogram');

    assert.equal(one(m, 'jussi_requests_total', { ...CONTENT, type: 'single', status: 'ok' }), 2);
    assert.equal(one(m, 'jussi_requests_total', { ...CONTENT, type: 'batch', status: 'ok' }), 1);
    assert.equal(one(m, 'jussi_requests_total', { namespace: 'appbase', api: 'condenser_api', method: 'get_accounts', type: 'batch', status: 'ok' }), 1);
    assert.equal(one(m, 'jussi_requests_total', { namespace: 'appbase', api: 'condenser_api', method: 'get_config', type: 'batch', status: 'ok' }), 1);
    assert.equal(one(m, 'jussi_requests_total', { namespace: 'unknown', type: 'single', status: 'error' }), 1, 'an unknown namespace is "unknown"');
    assert.equal(one(m, 'jussi_requests_total', { namespace: 'broken', type: 'single', status: 'error' }), 1);
    assert.equal(total(m, 'jussi_requests_total'), 7, 'every item counted once');
    assert.equal(total(m, 'jussi_requests_total', { status: 'error' }), 2);
    for (const s of samples(m, 'jussi_requests_total')) {
      assert.deepEqual(Object.keys(s.labels).sort(), ['api', 'method', 'namespace', 'status', 'type']);
    }

    assert.equal(one(m, 'jussi_request_duration_seconds_count', { ...CONTENT, type: 'single', status: 'ok' }), 2);
    assert.equal(total(m, 'jussi_request_duration_seconds_count'), 7);
    assert.equal(one(m, 'jussi_request_duration_seconds_bucket', { ...CONTENT, type: 'single', status: 'ok', le: '+Inf' }), 2);
    assert.ok(one(m, 'jussi_request_duration_seconds_sum', { ...CONTENT, type: 'single', status: 'ok' }) > 0);

    const [unknownCode, brokenCode] = errorCodes;
    if (unknownCode === brokenCode) {
      assert.equal(one(m, 'jussi_request_errors_total', { code: String(unknownCode) }), 2);
    } else {
      assert.equal(one(m, 'jussi_request_errors_total', { code: String(unknownCode) }), 1);
      assert.equal(one(m, 'jussi_request_errors_total', { code: String(brokenCode) }), 1);
    }
    assert.equal(total(m, 'jussi_request_errors_total'), 2);

    assert.equal(one(m, 'jussi_batch_size_count'), 1);
    assert.equal(one(m, 'jussi_batch_size_sum'), 3);
    assert.equal(one(m, 'jussi_batch_size_bucket', { le: '2' }), 0);
    assert.equal(one(m, 'jussi_batch_size_bucket', { le: '5' }), 1);
  });

  it('jussi_requests_in_flight counts requests being answered', async () => {
    assert.equal(one(await scrape(proxy), 'jussi_requests_in_flight'), 0);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const remove = up.on({ method: 'condenser_api.get_trending_tags' }, async () => {
      await gate;
      return { result: [] };
    });
    try {
      const pending = rpc(proxy.url, call('condenser_api.get_trending_tags', [null, 10]));
      await waitFor(async () => one(await scrape(proxy), 'jussi_requests_in_flight') === 1, { timeoutMs: DEADLINE_MS, message: 'one in flight' });
      release();
      assert.equal((await pending).status, 200);
      await waitFor(async () => one(await scrape(proxy), 'jussi_requests_in_flight') === 0, { timeoutMs: DEADLINE_MS, message: 'none in flight' });
    } finally {
      release();
      remove();
    }
  });

  it('cache: operations by tier/operation/result, hit ratio, durations, entries and bytes', async () => {
    const m = await scrape(proxy);
    assert.equal(m.types.get('jussi_cache_operations_total'), 'counter');
    assert.equal(m.types.get('jussi_cache_hit_ratio'), 'gauge');
    assert.equal(m.types.get('jussi_cache_operation_duration_seconds'), 'histogram');
    // Reads: the single miss (memory, then Redis), the single hit (memory), the batch (memory:
    // get_content hit, get_accounts miss; Redis: get_accounts miss). get_config has no rule.
    const ops = (tier: string, operation: string, result: string): number => one(m, 'jussi_cache_operations_total', { tier, operation, result });
    assert.equal(ops('memory', 'get', 'hit'), 2);
    assert.equal(ops('memory', 'get', 'miss'), 2);
    assert.equal(ops('redis', 'get', 'hit'), 0);
    assert.equal(ops('redis', 'get', 'miss'), 2);
    assert.equal(ops('redis', 'get', 'error') + ops('redis', 'get', 'timeout'), 0);
    assert.equal(ops('memory', 'set', 'hit'), 2);
    assert.equal(ops('redis', 'set', 'hit'), 2);
    assert.equal(samples(m, 'jussi_cache_operations_total').length, 16, 'every tier x operation x result exists from the start');

    assert.equal(one(m, 'jussi_cache_hit_ratio', { tier: 'memory' }), 0.5);
    assert.equal(one(m, 'jussi_cache_hit_ratio', { tier: 'redis' }), 0);

    assert.equal(one(m, 'jussi_cache_operation_duration_seconds_count', { tier: 'memory', operation: 'get' }), 4);
    assert.equal(one(m, 'jussi_cache_operation_duration_seconds_count', { tier: 'redis', operation: 'get' }), 2);
    assert.equal(one(m, 'jussi_cache_operation_duration_seconds_count', { tier: 'redis', operation: 'set' }), 2);

    assert.equal(one(m, 'jussi_cache_entries'), 2, 'get_content and get_accounts are in memory');
    assert.ok(one(m, 'jussi_cache_bytes') > 0);
  });

  it('upstreams: requests, durations and errors by upstream, protocol and kind; pool gauges', async () => {
    const m = await scrape(proxy);
    const http = { upstream: up.httpUrl('/appbase'), protocol: 'http' };
    const ws = { upstream: up.wsUrl('/ws'), protocol: 'websocket' };
    const dead = { upstream: brokenUrl, protocol: 'http' };
    assert.equal(m.types.get('jussi_upstream_requests_total'), 'counter');
    assert.equal(m.types.get('jussi_upstream_request_duration_seconds'), 'histogram');
    assert.equal(m.types.get('jussi_upstream_errors_total'), 'counter');
    // get_content (miss), get_config (batch), get_trending_tags (in-flight test, if it ran first) over HTTP.
    const httpCalls = up.count({ transport: 'http', path: '/appbase' });
    assert.equal(one(m, 'jussi_upstream_requests_total', http), httpCalls);
    assert.equal(one(m, 'jussi_upstream_requests_total', ws), 1);
    assert.equal(one(m, 'jussi_upstream_requests_total', dead), 1);
    assert.equal(one(m, 'jussi_upstream_request_duration_seconds_count', http), httpCalls);
    assert.equal(one(m, 'jussi_upstream_request_duration_seconds_count', ws), 1);
    assert.equal(one(m, 'jussi_upstream_errors_total', { ...dead, kind: 'connect' }), 1);
    assert.equal(total(m, 'jussi_upstream_errors_total'), 1);

    for (const name of ['jussi_websocket_pool_size', 'jussi_websocket_pool_active', 'jussi_websocket_pool_idle', 'jussi_http_pool_connections']) {
      assert.equal(m.types.get(name), 'gauge', name);
    }
    const size = one(m, 'jussi_websocket_pool_size', { upstream: up.wsUrl('/ws') });
    assert.ok(size >= 1, `one WebSocket connection at least (${size})`);
    assert.equal(one(m, 'jussi_websocket_pool_active', { upstream: up.wsUrl('/ws') }) + one(m, 'jussi_websocket_pool_idle', { upstream: up.wsUrl('/ws') }), size);
    assert.equal(up.wsConnections, size, 'the upstream sees as many WebSocket connections');
    assert.ok(one(m, 'jussi_http_pool_connections', { upstream: up.httpUrl('/appbase') }) >= 1);
    assert.equal(samples(m, 'jussi_http_pool_connections', { upstream: up.wsUrl('/ws') }).length, 0, 'WebSocket pools are not HTTP pools');
  });

  it('jussi_last_irreversible_block_num follows the proxy', async () => {
    assert.equal(one(await scrape(proxy), 'jussi_last_irreversible_block_num'), 0, '0 while unknown');
    await rpc(proxy.url, call('condenser_api.get_dynamic_global_properties', []));
    await waitFor(async () => one(await scrape(proxy), 'jussi_last_irreversible_block_num') === 4242, { timeoutMs: DEADLINE_MS, message: 'LIRB metric' });
  });

  it('config: jussi_config_info{hash} equals /state, jussi_config_reloads_total counts reloads by result', async () => {
    let m = await scrape(proxy);
    const hash = (await state(proxy)).configHash;
    assert.match(hash ?? '', /^[0-9a-f]{64}$/);
    assert.equal(one(m, 'jussi_config_info', { hash: hash ?? '' }), 1);
    assert.equal(samples(m, 'jussi_config_info').length, 1);
    assert.equal(one(m, 'jussi_config_reloads_total', { result: 'success' }), 1, 'the first config counts as a load');
    assert.equal(one(m, 'jussi_config_reloads_total', { result: 'failure' }), 0);

    proxy.writeConfig(config(up, brokenUrl, [['appbase.condenser_api.get_block', -2]]));
    await waitFor(async () => one(await scrape(proxy), 'jussi_config_reloads_total', { result: 'success' }) === 2, { timeoutMs: DEADLINE_MS, message: 'reload' });
    const next = (await state(proxy)).configHash;
    assert.notEqual(next, hash);
    m = await scrape(proxy);
    assert.equal(one(m, 'jussi_config_info', { hash: next ?? '' }), 1);
    assert.equal(samples(m, 'jussi_config_info').length, 1, 'the old hash is gone');

    proxy.writeConfig('{"upstreams": "not a list"}');
    await waitFor(async () => one(await scrape(proxy), 'jussi_config_reloads_total', { result: 'failure' }) === 1, { timeoutMs: DEADLINE_MS, message: 'rejected reload' });
    assert.equal(one(await scrape(proxy), 'jussi_config_info', { hash: next ?? '' }), 1, 'the last good config keeps serving');
  });

  it("Node's default metrics are prefixed jussi_", async () => {
    const m = await scrape(proxy);
    for (const name of [
      'jussi_process_cpu_user_seconds_total',
      'jussi_process_resident_memory_bytes',
      'jussi_nodejs_eventloop_lag_seconds',
      'jussi_nodejs_heap_size_used_bytes',
      'jussi_nodejs_active_handles_total',
    ]) {
      assert.ok(samples(m, name).length > 0, `${name} is exposed`);
    }
    const unprefixed = m.samples.filter((s) => !s.name.startsWith('jussi_')).map((s) => s.name);
    assert.deepEqual([...new Set(unprefixed)], []);
  });

  it('answers the scrape with the Prometheus content type, and only on the admin port', async () => {
    const res = await fetch(`${proxy.adminUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    await res.text();
    const traffic = await getJson(`${proxy.url}/metrics`);
    assert.equal(traffic.status, 404);
  });
});

describe('metric label cardinality', () => {
  const teardown = new Teardown();
  let up: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    const doc = {
      upstreams: [
        { name: 'appbase', urls: [['appbase', up.httpUrl('/appbase')]], ttls: [['appbase', -1]], timeouts: [['appbase', 10]] },
        { name: 'steemd', urls: [['steemd', up.httpUrl('/steemd')]], ttls: [['steemd', -1]], timeouts: [['steemd', 10]] },
      ],
    };
    proxy = teardown.add(await startTestProxy(doc, { JUSSI_JSONRPC_BATCH_SIZE_LIMIT: '100' }), (p) => p.stop());
  });
  after(() => teardown.run());

  /** Bogus method i, in one of the forms clients send. */
  function bogus(i: number): Record<string, unknown> {
    switch (i % 5) {
      case 0:
        return call(`bogus_ns_${i}.method_${i}`, [], i); // unknown namespace
      case 1:
        return call(`condenser_api.bogus_method_${i}`, [], i); // unknown method of a known api
      case 2:
        return call(`bogus_${i}_api.method_${i}`, [], i); // unknown appbase api
      case 3:
        return call('call', ['condenser_api', `bogus_call_${i}`, []], i); // call form, known api
      default:
        return call('call', [`bogus_call_api_${i}`, `m_${i}`, [i]], i); // call form, unknown api (steemd)
    }
  }

  async function sendBogus(from: number, to: number): Promise<void> {
    for (let start = from; start < to; start += 100) {
      const items = Array.from({ length: Math.min(100, to - start) }, (_, k) => bogus(start + k));
      const res = await rpc(proxy.url, items);
      assert.equal(res.status, 200);
      assert.equal(asBatch(res.json).length, items.length);
    }
  }

  function seriesCount(m: Exposition, name: string): number {
    return samples(m, name).length;
  }

  it('10,000 distinct bogus methods make a small, fixed number of series', async () => {
    await sendBogus(0, 1000);
    const first = await scrape(proxy);
    const requestSeries = seriesCount(first, 'jussi_requests_total');
    const durationSeries = seriesCount(first, 'jussi_request_duration_seconds_count');
    assert.ok(requestSeries > 0);
    assert.ok(requestSeries <= 40, `few series (${requestSeries})`);

    await sendBogus(1000, 10_000);
    const last = await scrape(proxy);
    assert.equal(total(last, 'jussi_requests_total'), 10_000, 'every item counted');
    assert.equal(seriesCount(last, 'jussi_requests_total'), requestSeries, 'nine thousand more methods, no new series');
    assert.equal(seriesCount(last, 'jussi_request_duration_seconds_count'), durationSeries);
    assert.equal(seriesCount(last, 'jussi_request_errors_total'), seriesCount(first, 'jussi_request_errors_total'));
    const values = new Set(last.samples.flatMap((s) => Object.values(s.labels)));
    const leaked = [...values].filter((v) => /bogus|method_\d|m_\d/.test(v));
    assert.deepEqual(leaked, [], 'no client string became a label value');
    assert.ok(last.samples.length < 2000, `the whole scrape stays small (${last.samples.length} samples)`);
  });
});

describe('metrics of JSON-RPC errors the upstream answers', () => {
  const teardown = new Teardown();
  let up: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    up.reply({ method: 'condenser_api.get_discussions_by_created' }, { error: { code: -32000, message: 'Assert Exception: limit <= 1000' } });
    up.reply({ method: 'condenser_api.get_witness_by_account' }, { error: { code: 12345, message: 'an odd node' } });
    proxy = teardown.add(
      await startTestProxy({ upstreams: [{ name: 'appbase', urls: [['appbase', up.httpUrl('/appbase')]], ttls: [], timeouts: [['appbase', 10]] }] }),
      (p) => p.stop(),
    );
  });
  after(() => teardown.run());

  // The series' own definition: "JSON-RPC error objects sent, by error code (unknown upstream
  // codes count as "other")"; an item answered with an error object has status=error.
  it('count an upstream error object by its code ("other" when unknown) and as status=error', async () => {
    const known = await rpc(proxy.url, call('condenser_api.get_discussions_by_created', [{ tag: 'x', limit: 5000 }]));
    assert.equal(asAnswer(known.json).error?.code, -32000, 'the upstream error passes through');
    const odd = await rpc(proxy.url, call('condenser_api.get_witness_by_account', ['bob']));
    assert.equal(asAnswer(odd.json).error?.code, 12345);
    const m = await scrape(proxy);
    assert.equal(total(m, 'jussi_request_errors_total', { code: '-32000' }), 1);
    assert.equal(total(m, 'jussi_request_errors_total', { code: 'other' }), 1);
    assert.equal(total(m, 'jussi_requests_total', { status: 'error' }), 2);
    assert.equal(total(m, 'jussi_requests_total', { status: 'ok' }), 0);
  });
});
