// Read replicas: reads go to the replicas, writes to the primary; with every replica down,
// reads fall back to the primary.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TieredCacheGroup } from '@jussi/proxy/cache/cache-group';
import { encodeAnswer } from '@jussi/proxy/cache/jussi-format';
import { RedisServer, stopAll, waitUntil } from '../../support/redis/redis-server.js';
import { cacheSettings } from './cache-settings.js';
import { openGroup } from './open-group.js';

describe('read replicas', () => {
  let primary: RedisServer | undefined;
  let replica: RedisServer | undefined;
  let lone: RedisServer | undefined;
  const groups: TieredCacheGroup[] = [];

  before(async () => {
    primary = await RedisServer.start({ password: 'pw' });
    replica = await RedisServer.start({ replicaOf: primary, password: 'pw' });
    lone = await RedisServer.start();
  });
  after(async () => {
    await Promise.all(groups.map((g) => g.close()));
    await stopAll(replica, lone, primary);
  });

  it('writes to the primary and reads from the replica (a real --replicaof replica)', async () => {
    assert.ok(primary && replica);
    const g = await openGroup(cacheSettings({ redisUrl: primary.url, redisReadReplicaUrls: [replica.url], memoryMaxBytes: 0 }));
    groups.push(g);
    const mgetPrimary = await primary.commandCalls('mget');
    const mgetReplica = await replica.commandCalls('mget');
    const setPrimary = await primary.commandCalls('set');
    g.setMany([{ key: 'rep.k', resultText: '{"v":1}', ttlSeconds: 60 }]);
    await g.flush();
    assert.equal(await primary.commandCalls('set'), setPrimary + 1, 'SET went to the primary');
    await waitUntil('the value to replicate', async () => (await replica?.command('EXISTS', 'rep.k')) === 1);
    assert.deepEqual(await g.getMany(['rep.k']), [{ resultText: '{"v":1}', tier: 'redis' }]);
    assert.equal(await replica.commandCalls('mget'), mgetReplica + 1, 'MGET went to the replica');
    assert.equal(await primary.commandCalls('mget'), mgetPrimary, 'no MGET on the primary');
    assert.deepEqual(
      g.redisLinks().map((l) => [l.role, l.state, l.url]),
      [
        ['primary', 'up', primary.url.replace(':pw@', ':***@')],
        ['replica', 'up', replica.url.replace(':pw@', ':***@')],
      ],
    );
  });

  it('reads what the replica URL holds, not what the primary holds', async () => {
    assert.ok(primary && lone);
    // A separate server stands in as the "replica": only it has this key.
    await lone.command('SET', 'only.on.replica', encodeAnswer('"from the replica"'), 'EX', 60);
    await primary.command('SET', 'only.on.primary', encodeAnswer('"from the primary"'), 'EX', 60);
    const g = await openGroup(cacheSettings({ redisUrl: primary.url, redisReadReplicaUrls: [lone.url] }));
    groups.push(g);
    const hits = await g.getMany(['only.on.replica', 'only.on.primary']);
    assert.deepEqual(hits, [{ resultText: '"from the replica"', tier: 'redis' }, undefined]);
    g.setMany([{ key: 'written', resultText: '1', ttlSeconds: 60 }]);
    await g.flush();
    assert.equal(await primary.command('EXISTS', 'written'), 1);
    assert.equal(await lone.command('EXISTS', 'written'), 0);
  });

  it('falls back to the primary while every replica is down, and back to the replica after', async () => {
    assert.ok(primary && lone);
    await primary.command('SET', 'fallback', encodeAnswer('"p"'), 'EX', 60);
    await lone.command('SET', 'fallback', encodeAnswer('"r"'), 'EX', 60);
    const g = await openGroup(cacheSettings({ redisUrl: primary.url, redisReadReplicaUrls: [lone.url], memoryMaxBytes: 0 }));
    groups.push(g);
    assert.equal((await g.getMany(['fallback']))[0]?.resultText, '"r"');
    await lone.kill();
    await waitUntil('the replica link to go down', () => g.redisLinks()[1]?.state === 'down');
    assert.equal((await g.getMany(['fallback']))[0]?.resultText, '"p"');
    assert.equal(g.status().degraded, false, 'the primary still serves');
    await lone.restart();
    await lone.command('SET', 'fallback', encodeAnswer('"r2"'), 'EX', 60);
    await waitUntil('the replica link to come back', () => g.redisLinks()[1]?.state === 'up');
    assert.equal((await g.getMany(['fallback']))[0]?.resultText, '"r2"');
  });
});
