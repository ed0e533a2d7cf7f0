// The cache through the real proxy with a real Redis (JUSSI_REDIS_URL): every TTL mode as seen in
// Redis itself (key = URN, value = jussi's zlib-deflated JSON, PTTL), batches with partial hits,
// singleflight, and values shared with a jussi fleet in both directions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { RedisServer } from '../../support/redis/redis-server.js';
import {
  asAnswer,
  asBatch,
  blockResult,
  call,
  dgpResult,
  jussiValue,
  readJussiValue,
  readWithPython,
  redisExists,
  redisGet,
  redisPttl,
  rpc,
  scrape,
  Teardown,
  total,
  waitFor,
  waitForJussiNum,
  waitForKey,
} from './harness.js';

const IRREVERSIBLE_TTL = 3600;

/** The TTL table under test (the spec, as config). */
const TTLS: readonly (readonly [string, number])[] = [
  ['appbase.condenser_api.get_content', 4],
  ['appbase.condenser_api.get_follow_count', 60],
  ['appbase.condenser_api.get_content_replies', 300],
  ['appbase.condenser_api.get_accounts', 0],
  ['appbase.condenser_api.get_discussions_by_blog', -1],
  ['appbase.condenser_api.get_block', -2],
];

function config(up: FakeUpstream): unknown {
  return {
    upstreams: [
      {
        name: 'appbase',
        urls: [['appbase', up.httpUrl('/appbase')]],
        ttls: TTLS,
        timeouts: [['appbase', 10]],
      },
    ],
  };
}

/** The URN of a condenser_api call with list params (jussi's cache key). */
function key(method: string, params: unknown[]): string {
  return `appbase.condenser_api.${method}.params=${JSON.stringify(params).replace(/\//g, '\\/')}`;
}

describe('cache through the proxy with a real Redis', () => {
  const teardown = new Teardown();
  let up: FakeUpstream;
  let redis: RedisServer;
  let proxy: TestProxy;
  let lirb = 0;
  let barriers = 0;

  before(async () => {
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    up.on({ method: 'condenser_api.get_block' }, (req) => ({ result: blockResult(Number((req.params as unknown[])[0])) }));
    up.on({ method: 'condenser_api.get_dynamic_global_properties' }, () => ({ result: dgpResult(lirb) }));
    redis = teardown.add(await RedisServer.start(), (r) => r.stop());
    proxy = teardown.add(
      await startTestProxy(config(up), { JUSSI_REDIS_URL: redis.url, JUSSI_IRREVERSIBLE_TTL: String(IRREVERSIBLE_TTL) }),
      (p) => p.stop(),
    );
  });
  after(() => teardown.run());

  /** Calls the method once through the proxy and returns the answer. */
  async function send(method: string, params: unknown[], id: unknown = 1): Promise<ReturnType<typeof asAnswer> & { cacheHit: string | null }> {
    const res = await rpc(proxy.url, call(`condenser_api.${method}`, params, id));
    assert.equal(res.status, 200);
    const answer = asAnswer(res.json);
    assert.equal(answer.error, undefined, `${method} failed: ${res.text}`);
    return { ...answer, cacheHit: res.headers.get('x-jussi-cache-hit') };
  }

  function upstreamCalls(method: string, params: unknown[]): number {
    return up.count({ method: `condenser_api.${method}`, where: (r) => JSON.stringify(r.params) === JSON.stringify(params) });
  }

  /**
   * Cache writes happen after the reply, in order, on one Redis connection: once a write made
   * after `send` has landed, every write `send` could have caused has landed too. Proves absence.
   */
  async function barrier(): Promise<void> {
    barriers += 1;
    const params = [[`barrier-${barriers}`]];
    await send('get_accounts', params);
    await waitForKey(redis, key('get_accounts', params));
  }

  it('n > 0: written with EX n, served until it expires, then fetched again', async () => {
    const params = ['alice', 'ttl-positive'];
    const k = key('get_content', params);
    await send('get_content', params);
    await waitForKey(redis, k);
    const pttl = await redisPttl(redis, k);
    assert.ok(pttl > 0 && pttl <= 4000, `PTTL ${pttl} within the rule's 4 s`);
    const again = await send('get_content', params, 2);
    assert.equal(again.id, 2);
    assert.notEqual(again.cacheHit, null, 'the repeat is a cache hit');
    assert.equal(upstreamCalls('get_content', params), 1);

    await waitFor(async () => !(await redisExists(redis, k)), { timeoutMs: 20_000, message: 'the key expires in Redis' });
    await send('get_content', params, 3);
    assert.equal(upstreamCalls('get_content', params), 2, 'after expiry the answer comes from upstream again');
  });

  it('0: written without expiry (PTTL -1) and served from the cache', async () => {
    const params = [['ttl-zero']];
    const k = key('get_accounts', params);
    await send('get_accounts', params);
    await waitForKey(redis, k);
    assert.equal(await redisPttl(redis, k), -1);
    const again = await send('get_accounts', params, 'again');
    assert.notEqual(again.cacheHit, null);
    assert.equal(upstreamCalls('get_accounts', params), 1);
  });

  it('-1: never cached, neither read nor written', async () => {
    const params = [{ tag: 'ttl-minus-one' }];
    // Not a list: the URN keeps the object's text.
    const k = `appbase.condenser_api.get_discussions_by_blog.params=${JSON.stringify(params)}`;
    await send('get_discussions_by_blog', params);
    const again = await send('get_discussions_by_blog', params, 2);
    assert.equal(again.cacheHit, null);
    await barrier();
    assert.equal(await redisExists(redis, k), false);
    assert.equal(upstreamCalls('get_discussions_by_blog', params), 2);
    // Not read either: a value a jussi fleet left under the key is not served.
    await redis.command('SET', k, jussiValue({ id: 1, jsonrpc: '2.0', result: 'stale from jussi' }), 'EX', 60);
    const third = await send('get_discussions_by_blog', params, 3);
    assert.notEqual(third.result, 'stale from jussi');
    assert.equal(upstreamCalls('get_discussions_by_blog', params), 3);
  });

  it('no matching rule: not cached', async () => {
    const params = ['no-rule'];
    const k = key('get_config', params);
    await send('get_config', params);
    await send('get_config', params, 2);
    await barrier();
    assert.equal(await redisExists(redis, k), false);
    assert.equal(upstreamCalls('get_config', params), 2);
    // jussi cached rule-less answers for ever; such a value is not served.
    await redis.command('SET', k, jussiValue({ id: 1, jsonrpc: '2.0', result: 'stale from jussi' }));
    const third = await send('get_config', params, 3);
    assert.notEqual(third.result, 'stale from jussi');
    assert.equal(upstreamCalls('get_config', params), 3);
  });

  it('-2: a block at or below the last irreversible block is cached with JUSSI_IRREVERSIBLE_TTL, above it not', async () => {
    // Before the LIRB is known nothing under -2 is written.
    await send('get_block', [900]);
    await barrier();
    assert.equal(await redisExists(redis, key('get_block', [900])), false, 'LIRB unknown: not cached');

    lirb = 1000;
    await send('get_dynamic_global_properties', []);
    await waitForJussiNum(proxy, 1000);

    for (const n of [999, 1000]) {
      await send('get_block', [n]);
      const k = key('get_block', [n]);
      await waitForKey(redis, k);
      const pttl = await redisPttl(redis, k);
      assert.ok(pttl > (IRREVERSIBLE_TTL - 60) * 1000 && pttl <= IRREVERSIBLE_TTL * 1000, `block ${n}: PTTL ${pttl} is the irreversible TTL`);
      assert.deepEqual(readJussiValue((await redisGet(redis, k)) as Buffer), { id: null, jsonrpc: '2.0', result: blockResult(n) });
      const again = await send('get_block', [n], 'again');
      assert.notEqual(again.cacheHit, null);
      assert.equal(upstreamCalls('get_block', [n]), 1);
    }

    await send('get_block', [1001]);
    await send('get_block', [1001], 2);
    await barrier();
    assert.equal(await redisExists(redis, key('get_block', [1001])), false, 'a reversible block is not cached');
    assert.equal(upstreamCalls('get_block', [1001]), 2);
  });

  it('a Redis hit is kept in memory only for what is left of its Redis TTL', async () => {
    const params = ['promoted', 'short-lived'];
    const k = key('get_follow_count', params);
    await redis.command('SET', k, jussiValue({ id: 1, jsonrpc: '2.0', result: 'from redis' }), 'PX', 3000);
    const first = await send('get_follow_count', params);
    assert.equal(first.result, 'from redis');
    await waitFor(async () => !(await redisExists(redis, k)), { timeoutMs: 20_000, message: 'the key expires in Redis' });
    const after = await send('get_follow_count', params, 2);
    assert.notEqual(after.result, 'from redis', 'the memory copy did not outlive the Redis key (the rule says 60 s)');
    assert.equal(upstreamCalls('get_follow_count', params), 1);
  });

  it('a cached get_block is served only when it is the requested block', async () => {
    const k = key('get_block', [500]);
    // What jussi's "bad cache hit" left behind: block 501 under the key of block 500.
    await redis.command('SET', k, jussiValue({ id: 1, jsonrpc: '2.0', result: blockResult(501) }));
    const answer = await send('get_block', [500]);
    assert.deepEqual(answer.result, blockResult(500));
    assert.equal(upstreamCalls('get_block', [500]), 1, 'the mismatching value was not served');
  });

  it('a batch with partial hits sends only the misses upstream and writes each with its own TTL', async () => {
    // A: cached by an earlier request (memory and Redis). B: only in Redis, written as jussi would.
    const a = ['alice-batch'];
    await send('get_follow_count', a);
    await waitForKey(redis, key('get_follow_count', a));
    const b = ['bob-batch'];
    await redis.command('SET', key('get_follow_count', b), jussiValue({ id: 7, jsonrpc: '2.0', result: { account: 'bob', follower_count: 7 } }), 'EX', 60);
    up.reset();

    const c = [['carol-batch']]; // ttl 0
    const d = ['dave-batch', 'post']; // ttl 300
    const e = ['erin-batch']; // ttl 60
    const f = [{ tag: 'frank-batch' }]; // ttl -1
    const res = await rpc(proxy.url, [
      call('condenser_api.get_follow_count', a, 'a'),
      call('condenser_api.get_follow_count', b, 'b'),
      call('condenser_api.get_accounts', c, 'c'),
      call('condenser_api.get_content_replies', d, 'd'),
      call('condenser_api.get_follow_count', e, 'e'),
      call('condenser_api.get_discussions_by_blog', f, 'f'),
    ]);
    const answers = asBatch(res.json);
    assert.deepEqual(
      answers.map((x) => x.id),
      ['a', 'b', 'c', 'd', 'e', 'f'],
    );
    for (const x of answers) assert.equal(x.error, undefined, JSON.stringify(x));
    assert.deepEqual(answers[1]?.result, { account: 'bob', follower_count: 7 }, 'B is served from Redis');

    const sent = up.requests.map((r) => `${r.method ?? ''} ${JSON.stringify(r.params)}`).sort();
    assert.deepEqual(
      sent,
      [
        `condenser_api.get_accounts ${JSON.stringify(c)}`,
        `condenser_api.get_content_replies ${JSON.stringify(d)}`,
        `condenser_api.get_discussions_by_blog ${JSON.stringify(f)}`,
        `condenser_api.get_follow_count ${JSON.stringify(e)}`,
      ],
      'only the four misses go upstream',
    );

    await waitForKey(redis, key('get_accounts', c));
    await waitForKey(redis, key('get_content_replies', d));
    await waitForKey(redis, key('get_follow_count', e));
    assert.equal(await redisPttl(redis, key('get_accounts', c)), -1, 'ttl 0: no expiry');
    const pttlD = await redisPttl(redis, key('get_content_replies', d));
    assert.ok(pttlD > 60_000 && pttlD <= 300_000, `ttl 300: PTTL ${pttlD}`);
    const pttlE = await redisPttl(redis, key('get_follow_count', e));
    assert.ok(pttlE > 0 && pttlE <= 60_000, `ttl 60: PTTL ${pttlE}`);
    await barrier();
    assert.equal(await redisExists(redis, `appbase.condenser_api.get_discussions_by_blog.params=${JSON.stringify(f)}`), false, 'ttl -1: not written');
  });

  it('singleflight: concurrent identical requests make one upstream call, each answered with its own id', async () => {
    const params = ['single-flight'];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const remove = up.on({ method: 'condenser_api.get_follow_count', where: (r) => JSON.stringify(r.params) === JSON.stringify(params) }, async () => {
      await gate;
      return { result: { account: 'single-flight', follower_count: 1 } };
    });
    try {
      const n = 20;
      const mgetsBefore = await redis.commandCalls('mget');
      const pending = Array.from({ length: n }, (_, i) => rpc(proxy.url, call('condenser_api.get_follow_count', params, `sf-${i}`)));
      // Every request is inside the proxy (and so joined the one call) before the upstream answers.
      await waitFor(() => up.count({ method: 'condenser_api.get_follow_count', where: (r) => JSON.stringify(r.params) === JSON.stringify(params) }) >= 1, {
        timeoutMs: 20_000,
      });
      await waitFor(async () => total(await scrape(proxy), 'jussi_requests_in_flight') >= n, { timeoutMs: 20_000, intervalMs: 20, message: `${n} requests in flight` });
      // ... and each has had its Redis read answered (a miss), so each has joined the one call.
      await waitFor(async () => (await redis.commandCalls('mget')) - mgetsBefore >= n, { timeoutMs: 20_000, message: `${n} Redis reads` });
      release();
      const answers = await Promise.all(pending);
      answers.forEach((res, i) => {
        const answer = asAnswer(res.json);
        assert.equal(answer.id, `sf-${i}`);
        assert.deepEqual(answer.result, { account: 'single-flight', follower_count: 1 });
      });
      assert.equal(upstreamCalls('get_follow_count', params), 1);
    } finally {
      release();
      remove();
    }
  });

  it('serves a value jussi wrote (zlib-deflated ujson, escaped slash, raw UTF-8) under the URN key', async () => {
    const params = ['alice', 'héllo/wörld'];
    const k = key('get_content', params);
    assert.equal(k, 'appbase.condenser_api.get_content.params=["alice","héllo\\/wörld"]');
    const result = { author: 'alice', permlink: 'héllo/wörld', title: 'Grüße / 又遲到了', body: 'x'.repeat(200) };
    await redis.command('SET', k, jussiValue({ id: 1, jsonrpc: '2.0', result }), 'EX', 60);
    const single = await send('get_content', params, 'mine');
    assert.equal(single.id, 'mine');
    assert.deepEqual(single.result, result);
    // x-jussi-cache-hit is the key as stored (`\/` kept), non-ASCII written as \u escapes.
    assert.equal(single.cacheHit, 'appbase.condenser_api.get_content.params=["alice","h\\u00e9llo\\/w\\u00f6rld"]');

    // And through a batch (one MGET), memory emptied first so Redis answers.
    const params2 = ['bob', 'from-jussi'];
    await redis.command('SET', key('get_content', params2), jussiValue({ id: 99, jsonrpc: '2.0', result: { author: 'bob' } }), 'EX', 60);
    const res = await rpc(proxy.url, [call('condenser_api.get_content', params2, 1), call('condenser_api.get_content', params, 2)]);
    assert.deepEqual(
      asBatch(res.json).map((x) => [x.id, x.result]),
      [
        [1, { author: 'bob' }],
        [2, result],
      ],
    );
    assert.equal(res.headers.get('x-jussi-cache-hit'), 'batch');
    assert.equal(upstreamCalls('get_content', params) + upstreamCalls('get_content', params2), 0, 'nothing went upstream');
  });

  it('keys float params as jussi does (ujson spelling), so either side serves what the other wrote', async () => {
    // jussi: ujson.loads then ujson.dumps -> [1000.0,1e-7,10.5]; the same spelling goes upstream.
    const k = 'appbase.condenser_api.get_content.params=["alice",1000.0,1e-7,10.5]';
    const first = await rpc(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"condenser_api.get_content","params":["alice",1E3,1e-7,10.50]}');
    assert.equal(first.headers.get('x-jussi-params'), '["alice",1000.0,1e-7,10.5]');
    const sent = up.received({ method: 'condenser_api.get_content' }).at(-1);
    assert.ok(sent?.body.includes('"params":["alice",1000.0,1e-7,10.5]'), sent?.body);
    await waitForKey(redis, k);
    // Another spelling of the same values is the same key: a hit, named exactly.
    const second = await rpc(proxy.url, '{"jsonrpc":"2.0","id":2,"method":"condenser_api.get_content","params":["alice",1000.0,1.0e-7,10.5]}');
    assert.equal(second.headers.get('x-jussi-cache-hit'), k);
    assert.deepEqual(asAnswer(second.json).id, 2);

    // A value jussi wrote under its key for [1e-5] is served for a client that spells it 0.00001.
    const jussiKey = 'appbase.condenser_api.get_content.params=["bob",1e-5]';
    await redis.command('SET', jussiKey, jussiValue({ id: 1, jsonrpc: '2.0', result: { author: 'bob' } }), 'EX', 60);
    const fromJussi = await rpc(proxy.url, '{"jsonrpc":"2.0","id":3,"method":"condenser_api.get_content","params":["bob",0.00001]}');
    assert.deepEqual(asAnswer(fromJussi.json).result, { author: 'bob' });
    assert.equal(fromJussi.headers.get('x-jussi-cache-hit'), jussiKey);
  });

  it('writes values jussi can read: a zlib stream (level 6) of {"id","jsonrpc":"2.0","result"}', async () => {
    const params = ['writer', 'ünïcode/slash'];
    const result = { author: 'writer', title: 'Grüße / 又遲到了', votes: [1, 2.5, -3], nested: { a: null, b: true } };
    up.on({ method: 'condenser_api.get_follow_count', where: (r) => JSON.stringify(r.params) === JSON.stringify(params) }, () => ({ result }));
    await send('get_follow_count', params);
    const k = key('get_follow_count', params);
    await waitForKey(redis, k);
    const raw = (await redisGet(redis, k)) as Buffer;
    assert.deepEqual([...raw.subarray(0, 2)], [0x78, 0x9c], 'zlib header of level 6 (Python zlib.compress default)');
    const read = readJussiValue(raw);
    assert.ok(typeof read === 'object' && read !== null && !Array.isArray(read));
    assert.deepEqual(
      Object.keys(read).filter((x) => !['id', 'jsonrpc', 'result'].includes(x)),
      [],
      'only id, jsonrpc and result (what jussi accepts)',
    );
    assert.equal((read as Record<string, unknown>)['jsonrpc'], '2.0');
    assert.deepEqual((read as Record<string, unknown>)['result'], result);
    const python = readWithPython(raw);
    if (python !== null) assert.deepEqual((python as Record<string, unknown>)['result'], result, 'Python reads the same value');
  });
});
