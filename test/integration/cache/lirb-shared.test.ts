// The LIRB shared between proxies through Redis key `last_irreversible_block_num` (jussi's key
// and format), learned from answers and from polling, never moving backwards; and the -2 TTL
// rule using it end to end: irreversible blocks cached, reversible ones not.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { createCacheGroup, type TieredCacheGroup } from '@jussi/proxy/cache/cache-group';
import { deflateText } from '@jussi/proxy/cache/jussi-format';
import { LIRB_KEY, LirbTracker } from '@jussi/proxy/cache/lirb';
import { writeDecision } from '@jussi/proxy/cache/ttl-policy';
import type { JsonValue } from '@jussi/proxy/jsonrpc/types';
import { RedisServer, waitUntil } from '../../support/redis/redis-server.js';
import { cacheSettings } from './cache-settings.js';
import { blockId, openGroup } from './open-group.js';

const gdgp = (n: number) => ({ head_block_number: n + 20, last_irreversible_block_num: n });

describe('LIRB shared through Redis', () => {
  let redis: RedisServer;
  const groups: TieredCacheGroup[] = [];
  const trackers: LirbTracker[] = [];
  const group = async (): Promise<TieredCacheGroup> => {
    const g = await openGroup(cacheSettings({ redisUrl: redis.url }));
    groups.push(g);
    return g;
  };
  const tracker = (options: ConstructorParameters<typeof LirbTracker>[0]): LirbTracker => {
    const t = new LirbTracker(options);
    trackers.push(t);
    return t;
  };
  const sharedValue = async (): Promise<string | null> => {
    const raw = (await redis.commandBuffer('GET', LIRB_KEY)) as Buffer | null;
    return raw === null ? null : inflateSync(raw).toString('utf8');
  };

  before(async () => {
    redis = await RedisServer.start();
  });
  beforeEach(async () => {
    await Promise.all(trackers.splice(0).map((t) => t.stop()));
    await redis.command('FLUSHALL');
  });
  after(async () => {
    await Promise.all(trackers.map((t) => t.stop()));
    await Promise.all(groups.map((g) => g.close()));
    await redis.stop();
  });

  it('publishes what it learns from answers in jussi format with EX 180', async () => {
    const t = tracker({ store: await group(), pollIntervalSeconds: 0 });
    assert.equal(t.observe(gdgp(5000)), true);
    await waitUntil('the shared key to be written', async () => (await sharedValue()) === '5000');
    const ttl = Number(await redis.command('TTL', LIRB_KEY));
    assert.ok(ttl > 170 && ttl <= 180, `TTL ${ttl}`);
    t.observe(gdgp(4000));
    t.observe(gdgp(5001));
    await waitUntil('the advance to be shared', async () => (await sharedValue()) === '5001');
    assert.equal(t.current(), 5001);
  });

  it('reads the shared value at start (a value jussi wrote)', async () => {
    await redis.command('SET', LIRB_KEY, deflateText('777'), 'EX', 180);
    const t = tracker({ store: await group(), pollIntervalSeconds: 0 });
    t.start();
    await waitUntil('the start-up read', () => t.current() === 777);
  });

  it('reads the shared value once Redis becomes ready, when it was not at start (polling off)', async () => {
    // A second server, paused (SIGSTOP) before the group connects: the connection is accepted
    // but nothing answers, so the start-up read finds no usable link.
    const late = await RedisServer.start();
    try {
      await late.command('SET', LIRB_KEY, deflateText('4242'), 'EX', 180);
      late.pause();
      const created = createCacheGroup(cacheSettings({ redisUrl: late.url }));
      assert.ok(created.ok);
      groups.push(created.group);
      const t = tracker({ store: created.group, pollIntervalSeconds: 0 });
      t.start();
      await waitUntil('the start-up read to have been tried', () => t.counters().sharedReads >= 1);
      assert.equal(t.current(), null, 'nothing could be read while Redis was paused');
      late.resume();
      await waitUntil('the read when the link became ready', () => t.current() === 4242, 30_000);
    } finally {
      late.resume();
      await late.stop();
    }
  });

  it('two trackers converge through Redis, and neither moves backwards', async () => {
    const a = tracker({ store: await group(), pollIntervalSeconds: 0.05 });
    const b = tracker({ store: await group(), pollIntervalSeconds: 0.05 });
    a.start();
    b.start();
    a.observe(gdgp(100));
    await waitUntil('b to learn 100 from a through Redis', () => b.current() === 100);
    b.observe(gdgp(150));
    await waitUntil('a to learn 150 from b', () => a.current() === 150);
    // A lower value in Redis (a lagging writer) is ignored by both.
    await redis.command('SET', LIRB_KEY, deflateText('120'), 'EX', 180);
    await waitUntil('both trackers to read Redis again', () => a.counters().sharedReads >= 4 && b.counters().sharedReads >= 4);
    const readsA = a.counters().sharedReads;
    await waitUntil('another read', () => a.counters().sharedReads > readsA);
    assert.equal(a.current(), 150);
    assert.equal(b.current(), 150);
    await waitUntil('a tracker ahead of Redis to write its value back', async () => (await sharedValue()) === '150');
  });

  it('polls the upstream while a -2 rule exists and shares the result', async () => {
    let head = 9000;
    let polls = 0;
    const polled = tracker({
      store: await group(),
      pollIntervalSeconds: 0.05,
      pollWanted: () => true,
      poll: () => {
        polls += 1;
        return Promise.resolve(gdgp((head += 3)));
      },
    });
    const follower = tracker({ store: await group(), pollIntervalSeconds: 0.05, pollWanted: () => true });
    polled.start();
    follower.start();
    await waitUntil('several polls', () => polls >= 3);
    await waitUntil('the follower (no upstream poll) to learn the polled value', () => (follower.current() ?? 0) >= 9006);
    assert.ok((polled.current() ?? 0) >= 9006);
  });

  it('irreversible blocks are cached with the irreversible TTL; reversible ones are not', async () => {
    const g = await group();
    const t = tracker({ store: g, pollIntervalSeconds: 0 });
    t.observe(gdgp(1000));
    const cacheGetBlock = (n: number): boolean => {
      const urn = { namespace: 'steemd', method: 'get_block', params: [n] as JsonValue };
      const resultText = JSON.stringify({ block_id: blockId(n), transactions: [] });
      const decision = writeDecision({ ttl: -2, urn, answer: { id: 1, jsonrpc: '2.0', result: JSON.parse(resultText) as JsonValue }, lastIrreversibleBlockNum: t.current(), irreversibleTtlSeconds: 0 });
      if (decision.store) g.setMany([{ key: `steemd.database_api.get_block.params=[${n}]`, resultText, ttlSeconds: decision.ttlSeconds }]);
      return decision.store;
    };
    assert.equal(cacheGetBlock(999), true);
    assert.equal(cacheGetBlock(1000), true);
    assert.equal(cacheGetBlock(1001), false);
    await g.flush();
    assert.equal(Number(await redis.command('TTL', 'steemd.database_api.get_block.params=[999]')), -1, 'irreversible TTL 0 = no expiry');
    assert.equal(await redis.command('EXISTS', 'steemd.database_api.get_block.params=[1001]'), 0);
    t.observe(gdgp(1001));
    assert.equal(cacheGetBlock(1001), true, 'once irreversible, it is cached');
  });
});
