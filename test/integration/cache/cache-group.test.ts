// The two-tier cache group against a real redis-server: TTL modes, the jussi value format on
// the wire, batch reads (memory + one MGET), PTTL promotion, byte bounds, counters.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { createCacheGroup, type TieredCacheGroup } from '@jussi/proxy/cache/cache-group';
import { deflateText, encodeAnswer } from '@jussi/proxy/cache/jussi-format';
import { entryBytes } from '@jussi/proxy/cache/memory-tier';
import type { CacheObserver } from '@jussi/proxy/cache/counters';
import { RedisServer, waitUntil } from '../../support/redis/redis-server.js';
import { cacheSettings } from './cache-settings.js';
import { blockId, openGroup } from './open-group.js';

// Python 3 `zlib.compress(ujson-style dumps(...))` of get_block 1000's answer with id 7.
const PYTHON_VALUE_HEX =
  '789c15cb3d0e82301880e1ab986f6ea02dbfede43dc498fe1151a084d6c1100617c2e6558ca3e791c15b08effc3e03541a7886e0e26cdb770a38d0000382deb85bed810f206babaea76d03bc15995c324acb98e154c4892873c398ce5319258408a53391ac5e5a7d5fc5f29c7f8ff732bf76dfcfb4ccd3eeec7de7781116a1f3c634950f946d8a70df1abdaa123809308216f881207a1cc73f246e34d0';

describe('cache group with a real Redis', () => {
  let redis: RedisServer;
  const groups: TieredCacheGroup[] = [];
  const open = async (overrides: Parameters<typeof cacheSettings>[0] = {}, observer?: CacheObserver): Promise<TieredCacheGroup> => {
    const g = await openGroup(cacheSettings({ redisUrl: redis.url, ...overrides }), observer ? { observer } : {});
    groups.push(g);
    return g;
  };
  const ttl = async (key: string): Promise<number> => Number(await redis.command('PTTL', key));
  const rawGet = async (key: string): Promise<Buffer | null> => (await redis.commandBuffer('GET', key)) as Buffer | null;

  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await Promise.all(groups.map((g) => g.close()));
    await redis.stop();
  });
  beforeEach(async () => {
    await redis.command('FLUSHALL');
  });

  it('writes every entry with its own TTL in jussi format: SET key value EX ttl, no EX for no expiry', async () => {
    const g = await open();
    g.setMany([
      { key: 'appbase.condenser_api.get_accounts.params=[["a"]]', resultText: '[{"name":"a"}]', ttlSeconds: 3 },
      { key: 'appbase.block_api.get_block.params={"block_num":1}', resultText: `{"block":{"block_id":"${blockId(1)}"}}`, ttlSeconds: null },
      { key: 'steemd.database_api.get_config', resultText: '{"x":1}', ttlSeconds: 100 },
    ]);
    await g.flush();
    const a = await ttl('appbase.condenser_api.get_accounts.params=[["a"]]');
    assert.ok(a > 0 && a <= 3000, `ttl 3 → PTTL ${a}`);
    assert.equal(await ttl('appbase.block_api.get_block.params={"block_num":1}'), -1);
    const c = await ttl('steemd.database_api.get_config');
    assert.ok(c > 97_000 && c <= 100_000, `ttl 100 → PTTL ${c}`);
    const raw = await rawGet('appbase.condenser_api.get_accounts.params=[["a"]]');
    assert.ok(raw);
    assert.equal(inflateSync(raw).toString('utf8'), '{"id":null,"jsonrpc":"2.0","result":[{"name":"a"}]}');
  });

  it('reads memory first, then one MGET for all misses: memory, Redis and miss in one call', async () => {
    const g = await open();
    g.setMany([{ key: 'k.memory', resultText: '"m"', ttlSeconds: 60 }]);
    await g.flush();
    await redis.command('SET', 'k.redis', encodeAnswer('"r"'), 'EX', 60);
    const mgetBefore = await redis.commandCalls('mget');
    const hits = await g.getMany(['k.memory', 'k.redis', 'k.absent', 'k.memory']);
    assert.deepEqual(hits, [
      { resultText: '"m"', tier: 'memory' },
      { resultText: '"r"', tier: 'redis' },
      undefined,
      { resultText: '"m"', tier: 'memory' },
    ]);
    assert.equal(await redis.commandCalls('mget'), mgetBefore + 1, 'one MGET for the batch');
    assert.deepEqual(await g.getMany(['k.redis']), [{ resultText: '"r"', tier: 'memory' }], 'the Redis hit was promoted');
    const counts = g.counters();
    assert.equal(counts.memory.get.hit, 3);
    assert.equal(counts.memory.get.miss, 2);
    assert.equal(counts.redis.get.hit, 1);
    assert.equal(counts.redis.get.miss, 1);
  });

  it('single-request path: getFromMemory, then getFromRedis for the miss (no second memory pass)', async () => {
    const g = await open();
    await redis.command('SET', 'single.k', encodeAnswer('{"s":1}'), 'EX', 60);
    assert.equal(g.getFromMemory('single.k'), undefined);
    assert.deepEqual(await g.getFromRedis(['single.k', 'single.absent']), [{ resultText: '{"s":1}', tier: 'redis' }, undefined]);
    assert.deepEqual(g.getFromMemory('single.k'), { resultText: '{"s":1}', tier: 'memory' });
    const c = g.counters();
    assert.deepEqual([c.memory.get.hit, c.memory.get.miss, c.redis.get.hit, c.redis.get.miss], [1, 1, 1, 1]);
    assert.deepEqual(await g.getFromRedis([]), []);
  });

  it('a batch read with everything in memory sends nothing to Redis', async () => {
    const g = await open();
    g.setMany([
      { key: 'b1', resultText: '1', ttlSeconds: 60 },
      { key: 'b2', resultText: '2', ttlSeconds: 60 },
    ]);
    await g.flush();
    const before = await redis.commandCalls('mget');
    assert.deepEqual((await g.getMany(['b1', 'b2'])).map((h) => h?.tier), ['memory', 'memory']);
    assert.equal(await redis.commandCalls('mget'), before);
  });

  it('expires entries in both tiers after their TTL', async () => {
    const g = await open();
    g.setMany([{ key: 'short', resultText: '"s"', ttlSeconds: 1 }]);
    await g.flush();
    assert.equal((await g.getMany(['short']))[0]?.tier, 'memory');
    await waitUntil('the 1 s entry to expire everywhere', async () => (await g.getMany(['short']))[0] === undefined);
    assert.equal(await rawGet('short'), null);
  });

  it('caps memory TTLs at the memory maximum while Redis keeps the full TTL', async () => {
    const g = await open({ memoryMaxTtlSeconds: 0.3 });
    g.setMany([
      { key: 'long', resultText: '"l"', ttlSeconds: 600 },
      { key: 'forever', resultText: '"f"', ttlSeconds: null },
    ]);
    await g.flush();
    assert.equal(g.getFromMemory('long')?.tier, 'memory');
    await waitUntil('memory copies to expire', () => g.getFromMemory('long') === undefined && g.getFromMemory('forever') === undefined);
    const hits = await g.getMany(['long', 'forever']);
    assert.deepEqual(hits.map((h) => h?.tier), ['redis', 'redis']);
  });

  it('promotes a Redis hit into memory only for what is left of its TTL (PTTL)', async () => {
    const g = await open();
    await redis.command('SET', 'promoted', encodeAnswer('"p"'), 'PX', 1500);
    const pttlBefore = await redis.commandCalls('pttl');
    assert.equal((await g.getMany(['promoted']))[0]?.tier, 'redis');
    assert.equal(await redis.commandCalls('pttl'), pttlBefore + 1, 'PTTL pipelined with the MGET');
    assert.equal(g.getFromMemory('promoted')?.tier, 'memory');
    await waitUntil('the Redis key to expire', async () => (await ttl('promoted')) === -2);
    assert.equal(g.getFromMemory('promoted'), undefined, 'memory copy gone no later than Redis');
    assert.equal((await g.getMany(['promoted']))[0], undefined);
  });

  it('promotes a Redis key without expiry for the memory maximum', async () => {
    const g = await open({ memoryMaxTtlSeconds: 0.3 });
    await redis.command('SET', 'noexpiry', encodeAnswer('"n"'));
    assert.equal((await g.getMany(['noexpiry']))[0]?.tier, 'redis');
    assert.equal(g.getFromMemory('noexpiry')?.tier, 'memory');
    await waitUntil('the promoted copy to reach the memory maximum', () => g.getFromMemory('noexpiry') === undefined);
    assert.equal((await g.getMany(['noexpiry']))[0]?.tier, 'redis');
  });

  it('serves values jussi wrote; values it cannot serve are misses', async () => {
    const g = await open();
    const getBlock1000 = 'steemd.database_api.get_block.params=[1000]';
    await redis.command('SET', getBlock1000, Buffer.from(PYTHON_VALUE_HEX, 'hex'));
    const [hit] = await g.getMany([getBlock1000]);
    assert.equal(hit?.tier, 'redis');
    assert.equal(hit?.resultText, '{"block_id":"000003e8b922f4906a45af8e99d86b3511acd7a5","body":"又遲到 了分 https:\\/\\/steemit.com\\/@ned","f":1.0,"n":[1,2]}');

    // The same block stored under another block's key (jussi's unvalidated batch writes).
    await redis.command('SET', 'steemd.database_api.get_block.params=[1001]', Buffer.from(PYTHON_VALUE_HEX, 'hex'));
    await redis.command('SET', 'jussi.error', deflateText('{"id":1,"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal Error"}}'));
    await redis.command('SET', 'not.zlib', 'plain text');
    await redis.command('SET', 'not.json', deflateText('{"result":'));
    const invalidBefore = g.counters().redis.invalid;
    const misses = await g.getMany(['steemd.database_api.get_block.params=[1001]', 'jussi.error', 'not.zlib', 'not.json']);
    assert.deepEqual(misses, [undefined, undefined, undefined, undefined]);
    assert.equal(g.counters().redis.invalid, invalidBefore + 4);
    assert.equal(g.getFromMemory('jussi.error'), undefined, 'nothing invalid is promoted');
  });

  it('bounds the memory tier by bytes while Redis keeps everything', async () => {
    const text = JSON.stringify('x'.repeat(1000));
    const bound = entryBytes('key-000', text) * 5;
    const g = await open({ memoryMaxBytes: bound });
    for (let i = 0; i < 20; i++) g.setMany([{ key: `key-${String(i).padStart(3, '0')}`, resultText: text, ttlSeconds: 60 }]);
    await g.flush();
    const status = g.status();
    assert.equal(status.memory.maxBytes, bound);
    assert.ok(status.memory.bytes <= bound);
    assert.equal(status.memory.entries, 5);
    assert.equal(g.getFromMemory('key-000'), undefined, 'oldest evicted');
    assert.equal(g.getFromMemory('key-019')?.tier, 'memory');
    assert.equal(Number(await redis.command('DBSIZE')), 20);
    assert.equal((await g.getMany(['key-000']))[0]?.tier, 'redis');
  });

  it('Redis only (memory max bytes 0): every hit comes from Redis and no PTTL is asked', async () => {
    const g = await open({ memoryMaxBytes: 0 });
    g.setMany([{ key: 'ro', resultText: '[1]', ttlSeconds: 60 }]);
    await g.flush();
    const pttlBefore = await redis.commandCalls('pttl');
    for (let i = 0; i < 3; i++) assert.deepEqual(await g.getMany(['ro']), [{ resultText: '[1]', tier: 'redis' }]);
    assert.equal(await redis.commandCalls('pttl'), pttlBefore);
    assert.equal(g.getFromMemory('ro'), undefined);
    assert.deepEqual(g.status().memory, { entries: 0, bytes: 0, maxBytes: 0 });
    assert.equal(g.counters().memory.get.hit + g.counters().memory.get.miss, 0);
  });

  it('ignores entries with a TTL that is not one (the policy never produces them)', async () => {
    const g = await open();
    g.setMany([
      { key: 'zero', resultText: '1', ttlSeconds: 0 },
      { key: 'neg', resultText: '1', ttlSeconds: -2 },
      { key: 'good', resultText: '1', ttlSeconds: 5 },
    ]);
    await g.flush();
    assert.equal(Number(await redis.command('EXISTS', 'zero', 'neg', 'good')), 1);
  });

  it('reports every operation to the observer', async () => {
    const events: string[] = [];
    const g = await open({}, (tier, op, result, seconds) => {
      assert.ok(seconds >= 0);
      events.push(`${tier}:${op}:${result}`);
    });
    g.setMany([{ key: 'o1', resultText: '1', ttlSeconds: 60 }]);
    await g.flush();
    await g.getMany(['o1', 'o2']);
    assert.deepEqual(events.sort(), ['memory:get:hit', 'memory:get:miss', 'memory:set:hit', 'redis:get:miss', 'redis:set:hit']);
  });

  it('a throwing observer does not break the cache', async () => {
    const g = await open({}, () => {
      throw new Error('metrics bug');
    });
    g.setMany([{ key: 't1', resultText: '1', ttlSeconds: 60 }]);
    await g.flush();
    assert.equal((await g.getMany(['t1']))[0]?.tier, 'memory');
  });

  it('stores shared values (the LIRB key) as jussi does: deflated JSON, EX 180', async () => {
    const g = await open();
    assert.equal(await g.writeShared('last_irreversible_block_num', 4321, 180), true);
    const t = await ttl('last_irreversible_block_num');
    assert.ok(t > 170_000 && t <= 180_000);
    const raw = await rawGet('last_irreversible_block_num');
    assert.ok(raw);
    assert.equal(inflateSync(raw).toString('utf8'), '4321');
    assert.equal(await g.readShared('last_irreversible_block_num'), 4321);
    assert.equal(await g.readShared('absent'), undefined);
  });

  it('reports Redis up and not degraded', async () => {
    const g = await open();
    assert.deepEqual({ redis: g.status().redis, degraded: g.status().degraded }, { redis: 'up', degraded: false });
    assert.equal(g.redisLinks()[0]?.role, 'primary');
  });
});

describe('cache group without Redis', () => {
  it('is a memory cache and reports Redis disabled', async () => {
    const g = await openGroup(cacheSettings());
    try {
      g.setMany([{ key: 'k', resultText: '{"a":1}', ttlSeconds: 60 }]);
      assert.deepEqual(await g.getMany(['k', 'x']), [{ resultText: '{"a":1}', tier: 'memory' }, undefined]);
      assert.deepEqual(g.status(), { redis: 'disabled', degraded: false, memory: { entries: 1, bytes: entryBytes('k', '{"a":1}'), maxBytes: 16 * 1024 * 1024 } });
      assert.equal(await g.readShared('last_irreversible_block_num'), undefined);
      assert.equal(await g.writeShared('last_irreversible_block_num', 1, 180), false);
    } finally {
      await g.close();
    }
  });

  it('rejects a malformed Redis URL with a message naming the variable', () => {
    const r = createCacheGroup(cacheSettings({ redisUrl: 'redis+sentinel://s1:26379' }));
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /^JUSSI_REDIS_URL: .*master name/);
    const replica = createCacheGroup(cacheSettings({ redisUrl: 'redis://127.0.0.1:1', redisReadReplicaUrls: ['redis://a,b'] }));
    assert.equal(replica.ok, false);
    if (!replica.ok) assert.match(replica.message, /^JUSSI_REDIS_READ_REPLICA_URLS: /);
  });
});
