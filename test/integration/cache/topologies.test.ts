// The Redis URL forms beyond a single server, against real processes: a Sentinel-managed
// master (and replica via ?role=replica), and a three-master Redis Cluster where one batch
// spans several slots (one MGET could not).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TieredCacheGroup } from '@jussi/proxy/cache/cache-group';
import { RedisCluster } from '../../support/redis/redis-cluster.js';
import { RedisServer, stopAll, waitUntil } from '../../support/redis/redis-server.js';
import { cacheSettings } from './cache-settings.js';
import { openGroup } from './open-group.js';

describe('Redis Sentinel', () => {
  let master: RedisServer | undefined;
  let replica: RedisServer | undefined;
  let sentinel: RedisServer | undefined;
  const groups: TieredCacheGroup[] = [];

  before(async () => {
    master = await RedisServer.start({ password: 'pw' });
    replica = await RedisServer.start({ replicaOf: master, password: 'pw' });
    sentinel = await RedisServer.start({ sentinelOf: { server: master, name: 'cachemaster' } });
  });
  after(async () => {
    await Promise.all(groups.map((g) => g.close()));
    await stopAll(sentinel, replica, master);
  });

  it('redis+sentinel://:password@sentinel/mastername writes to the master; ?role=replica reads a replica', async () => {
    assert.ok(master && replica && sentinel);
    await waitUntil('the sentinel to know the replica', async () => {
      const replicas = (await sentinel?.command('SENTINEL', 'REPLICAS', 'cachemaster')) as unknown[];
      return Array.isArray(replicas) && replicas.length === 1;
    }, 30_000);
    const url = `redis+sentinel://:pw@127.0.0.1:${sentinel.port}/cachemaster`;
    const g = await openGroup(cacheSettings({ redisUrl: url, redisReadReplicaUrls: [`${url}?role=replica`], memoryMaxBytes: 0 }));
    groups.push(g);
    const mgetReplica = await replica.commandCalls('mget');
    g.setMany([{ key: 'sentinel.k', resultText: '{"via":"sentinel"}', ttlSeconds: 60 }]);
    await g.flush();
    assert.equal(await master.command('EXISTS', 'sentinel.k'), 1);
    await waitUntil('replication', async () => (await replica?.command('EXISTS', 'sentinel.k')) === 1);
    assert.deepEqual(await g.getMany(['sentinel.k']), [{ resultText: '{"via":"sentinel"}', tier: 'redis' }]);
    assert.equal(await replica.commandCalls('mget'), mgetReplica + 1, 'read from the replica Sentinel named');
    assert.equal(g.redisLinks()[0]?.url, `redis+sentinel://:***@127.0.0.1:${sentinel.port}/cachemaster`);
  });
});

describe('Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  const groups: TieredCacheGroup[] = [];

  before(async () => {
    cluster = await RedisCluster.start(3);
  });
  after(async () => {
    await Promise.all(groups.map((g) => g.close()));
    await cluster?.stop();
  });

  it('redis+cluster://n1,n2,n3: a batch across slots is read and written, TTLs promoted', async () => {
    assert.ok(cluster);
    const g = await openGroup(cacheSettings({ redisUrl: cluster.url }));
    groups.push(g);
    const keys = Array.from({ length: 30 }, (_v, i) => `appbase.condenser_api.get_accounts.params=[["user${i}"]]`);
    g.setMany(keys.map((key, i) => ({ key, resultText: `[{"name":"user${i}"}]`, ttlSeconds: 60 })));
    await g.flush();
    const holders = new Set<number>();
    for (const k of keys) holders.add((await cluster.nodeOf(k)).port);
    assert.ok(holders.size > 1, 'the keys live on several nodes');

    g.clearMemory();
    const hits = await g.getMany([...keys, 'absent.key']);
    assert.deepEqual(
      hits,
      [...keys.map((_k, i) => ({ resultText: `[{"name":"user${i}"}]`, tier: 'redis' })), undefined],
    );
    assert.equal(g.counters().redis.get.error, 0);
    assert.equal(g.getFromMemory(keys[0] as string)?.tier, 'memory', 'promoted with its PTTL');
    const ttl = Number(await (await cluster.nodeOf(keys[0] as string)).command('TTL', keys[0] as string));
    assert.ok(ttl > 50 && ttl <= 60);
  });
});
