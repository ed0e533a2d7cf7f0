// Redis outages: the cache keeps answering (misses, never failures), does not pile up
// connections or commands, reconnects by itself and reports its state. The servers are real
// and really killed (SIGKILL), paused (SIGSTOP) and restarted.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createCacheGroup, type TieredCacheGroup } from '@jussi/proxy/cache/cache-group';
import { freePort, RedisServer, stopAll, waitUntil } from '../../support/redis/redis-server.js';
import { cacheSettings } from './cache-settings.js';
import { openGroup } from './open-group.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/** Counts unhandled rejections while a test runs: there must be none. */
function watchUnhandled(): { count: () => number; stop: () => void } {
  let n = 0;
  const listener = (): void => {
    n += 1;
  };
  process.on('unhandledRejection', listener);
  return { count: () => n, stop: () => process.off('unhandledRejection', listener) };
}

describe('Redis outages', () => {
  const servers: RedisServer[] = [];
  const groups: TieredCacheGroup[] = [];
  const start = async (options: Parameters<typeof RedisServer.start>[0] = {}): Promise<RedisServer> => {
    const s = await RedisServer.start(options);
    servers.push(s);
    return s;
  };
  const open = async (overrides: Parameters<typeof cacheSettings>[0]): Promise<TieredCacheGroup> => {
    const g = await openGroup(cacheSettings(overrides));
    groups.push(g);
    return g;
  };

  after(async () => {
    for (const s of servers) s.resume();
    await Promise.all(groups.map((g) => g.close()));
    await stopAll(...servers);
  });

  it('keeps serving while Redis is killed and restarted under a stream of reads and writes', async () => {
    const redis = await start();
    const g = await open({ redisUrl: redis.url, readTimeoutMs: 500, writeTimeoutMs: 500, redisCommandTimeoutMs: 1000 });
    const unhandled = watchUnhandled();
    const states = new Set<string>();
    let running = true;
    let ops = 0;
    let failures = 0;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; running; i++) {
        try {
          g.setMany([{ key: `stream.${w}.${i % 50}`, resultText: String(i), ttlSeconds: 30 }]);
          const keys = [`stream.${w}.${(i + 7) % 50}`, `stream.${(w + 1) % 4}.${i % 50}`, 'stream.absent'];
          const hits = await g.getMany(keys);
          assert.equal(hits.length, keys.length);
          states.add(g.status().redis);
          ops += 1;
        } catch {
          failures += 1;
        }
        await tick();
      }
    };
    const workers = [0, 1, 2, 3].map((w) => worker(w));
    try {
      await waitUntil('traffic before the outage', () => ops > 100);
      await redis.kill();
      await waitUntil('the group to see Redis down', () => g.status().redis === 'down');
      assert.equal(g.status().degraded, true);
      const during = ops;
      await waitUntil('traffic during the outage', () => ops > during + 100);
      await redis.restart();
      await waitUntil('the group to reconnect', () => g.status().redis === 'up');
      assert.equal(g.status().degraded, false);
      const recovered = ops;
      await waitUntil('traffic after recovery', () => ops > recovered + 100);
    } finally {
      running = false;
      await Promise.all(workers);
      unhandled.stop();
    }
    assert.equal(failures, 0, 'no cache call threw or rejected');
    assert.equal(unhandled.count(), 0, 'no unhandled rejection');
    assert.ok(states.has('up') && states.has('down'), `states seen: ${[...states].join(', ')}`);
    assert.ok(g.counters().redis.unavailable > 0, 'reads during the outage were answered without Redis');

    // Recovery: writes reach the new server and reads come back from it.
    g.clearMemory();
    g.setMany([{ key: 'after.restart', resultText: '"back"', ttlSeconds: 30 }]);
    await g.flush();
    g.clearMemory();
    assert.deepEqual(await g.getMany(['after.restart']), [{ resultText: '"back"', tier: 'redis' }]);
    assert.equal(await redis.clientCount(), 1, 'one connection after reconnecting');
  });

  it('writes made while Redis is down are dropped, not queued and replayed', async () => {
    const redis = await start();
    const g = await open({ redisUrl: redis.url });
    await redis.kill();
    await waitUntil('Redis down', () => g.status().redis === 'down');
    g.setMany([{ key: 'while.down', resultText: '1', ttlSeconds: 60 }]);
    await g.flush();
    await redis.restart();
    await waitUntil('Redis up', () => g.status().redis === 'up');
    assert.equal(await redis.command('EXISTS', 'while.down'), 0);
    assert.equal(g.getFromMemory('while.down')?.resultText, '1', 'the memory tier still took it');
  });

  it('answers reads within the read timeout when Redis stops answering (SIGSTOP), then marks it down', async () => {
    const redis = await start();
    const g = await open({ redisUrl: redis.url, readTimeoutMs: 300, redisCommandTimeoutMs: 1000 });
    g.setMany([{ key: 'paused.k', resultText: '"v"', ttlSeconds: 60 }]);
    await g.flush();
    g.clearMemory();
    redis.pause();
    try {
      for (let i = 0; i < 3; i++) {
        const startedAt = Date.now();
        const [hit] = await g.getMany(['paused.k']);
        assert.equal(hit, undefined);
        assert.ok(Date.now() - startedAt < 3000, 'a read waits about the read timeout (0.3 s), not for Redis');
      }
      assert.ok(g.counters().redis.get.timeout >= 1);
      await waitUntil('the group to mark the silent Redis down', () => g.status().redis === 'down');
      const unavailable = g.counters().redis.unavailable;
      assert.deepEqual(await g.getMany(['paused.k']), [undefined]);
      assert.equal(g.counters().redis.unavailable, unavailable + 1, 'once known down, reads miss without asking Redis');
    } finally {
      redis.resume();
    }
    await waitUntil('Redis answering again', () => g.status().redis === 'up');
    assert.deepEqual(await g.getMany(['paused.k']), [{ resultText: '"v"', tier: 'redis' }]);
    assert.equal(await redis.clientCount(), 1);
  });

  it('thousands of reads that time out against a paused Redis leave one connection and bounded pending commands', async () => {
    const redis = await start();
    const maxPending = 50;
    const g = await open({ redisUrl: redis.url, readTimeoutMs: 5, redisCommandTimeoutMs: 120_000, redisMaxOfflineQueue: maxPending, redisHealthCheckIntervalMs: 0 });
    assert.equal(await redis.clientCount(), 1);
    redis.pause();
    let maxSeen = 0;
    try {
      for (let round = 0; round < 30; round++) {
        const reads = Array.from({ length: 100 }, (_v, i) => g.getMany([`leak.${round}.${i}`, 'leak.shared']));
        const results = await Promise.all(reads);
        assert.ok(results.every((r) => r.length === 2 && r[0] === undefined && r[1] === undefined));
        maxSeen = Math.max(maxSeen, g.redisLinks()[0]?.pending ?? 0);
      }
    } finally {
      redis.resume();
    }
    const c = g.counters().redis;
    assert.equal(c.get.timeout + c.get.error, 6000, 'every key of every read was answered as a miss');
    assert.ok(c.unavailable > 0, 'reads beyond the pending bound were refused, not queued');
    assert.ok(maxSeen <= maxPending, `pending ${maxSeen} <= ${maxPending}`);
    await waitUntil('the commands sent before the pause to be answered', () => g.redisLinks()[0]?.pending === 0);
    assert.equal(await redis.clientCount(), 1, 'still exactly one connection');
    assert.equal(Number((await redis.info('clients'))['connected_clients']), 2, 'the group and the test inspector');
  });

  it('thousands of reads timing out against a busy Redis do not add connections', async () => {
    const redis = await start();
    const g = await open({ redisUrl: redis.url, readTimeoutMs: 1, memoryMaxBytes: 0 });
    const big = JSON.stringify('x'.repeat(256 * 1024));
    g.setMany([{ key: 'big', resultText: big, ttlSeconds: 60 }]);
    await g.flush();
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(Array.from({ length: 100 }, () => g.getMany(['big', 'big'])));
      assert.equal(results.length, 100);
    }
    await waitUntil('every command to be answered', () => g.redisLinks()[0]?.pending === 0);
    assert.equal(await redis.clientCount(), 1);
    const c = g.counters().redis.get;
    assert.equal(c.hit + c.miss + c.error + c.timeout, 4000);
  });

  it('starts while Redis is not there yet: misses at once, reports down, connects when it appears', async () => {
    const port = await freePort();
    const result = createCacheGroup(cacheSettings({ redisUrl: `redis://127.0.0.1:${port}`, redisConnectTimeoutMs: 500 }));
    assert.ok(result.ok);
    const g = result.group;
    groups.push(g);
    await waitUntil('the first connection attempt to fail', () => g.status().redis === 'down');
    assert.equal(g.status().degraded, true);
    const startedAt = Date.now();
    assert.deepEqual(await g.getMany(['nothing']), [undefined]);
    assert.ok(Date.now() - startedAt < 1000);
    g.setMany([{ key: 'mem', resultText: '1', ttlSeconds: 10 }]);
    assert.equal((await g.getMany(['mem']))[0]?.tier, 'memory');
    const redis = await start({ port });
    await waitUntil('the group to connect to the new server', () => g.status().redis === 'up');
    g.setMany([{ key: 'late', resultText: '2', ttlSeconds: 10 }]);
    await g.flush();
    assert.equal(await redis.command('EXISTS', 'late'), 1);
  });
});
