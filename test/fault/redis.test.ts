// Fault: the Redis a proxy caches in stops answering (SIGSTOP) under load, is resumed, then is
// killed (-9) and started again. The cache is an optimisation: expected, not one request fails
// (a cache read gives up after JUSSI_CACHE_READ_TIMEOUT and the upstream answers), and the
// proxy uses Redis again once it is back.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freePort, waitFor } from '../support/fake-upstream/index.js';
import { spawnProxy, waitReady } from '../support/proxy.js';
import { RedisServer } from '../support/redis/redis-server.js';
import { assertBounded, figures, Load, proxyPorts, proxyState, recoveryMs, report, rssMiB, UpstreamProcess } from './support/fault-harness.js';

describe('fault: Redis stopped and killed under load', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('serves every request through a paused and a killed Redis, and uses Redis again after', async () => {
    const up = await UpstreamProcess.start(await freePort());
    const redis = await RedisServer.start();
    cleanup.push(() => up.stop(), async () => {
      redis.resume();
      await redis.stop();
    });
    const config = { upstreams: [{ name: 'cached', urls: [['cached', up.httpUrl('/')]], ttls: [['cached', 60]], timeouts: [['cached', 10]] }] };
    const proxy = await spawnProxy(config, {
      ...(await proxyPorts()),
      LOG_LEVEL: 'ERROR',
      JUSSI_REDIS_URL: redis.url,
      // Redis alone, so every read goes to it.
      JUSSI_MEMORY_CACHE_MAX_BYTES: '0',
      JUSSI_CACHE_READ_TIMEOUT: '0.3',
      JUSSI_REDIS_SOCKET_TIMEOUT: '1',
    });
    cleanup.push(() => proxy.stop());
    await waitReady(proxy);
    const redisUp = async (): Promise<boolean> => (await proxyState(proxy.adminUrl)).redis === 'up';
    await waitFor(redisUp, { timeoutMs: 20_000, message: 'Redis up' });

    // Repeated params: half the reads are hits once written.
    const load = new Load({ url: proxy.url, concurrency: 16, method: () => 'cached.get', param: (seq) => (seq % 2 === 0 ? seq % 100 : seq), maxRequests: 100_000 });
    await load.answeredMore(400);
    const rssBefore = rssMiB(proxy.child.pid);

    redis.pause();
    await load.answeredMore(300);
    redis.resume();
    const resumedAt = Date.now();
    await waitFor(redisUp, { timeoutMs: 20_000, message: 'Redis up after SIGCONT' });
    const pauseRecovery = Date.now() - resumedAt;
    await load.answeredMore(300);

    await redis.kill();
    await load.answeredMore(300);
    await redis.restart();
    const restartedAt = Date.now();
    await waitFor(redisUp, { timeoutMs: 20_000, message: 'Redis up after the restart' });
    const killRecovery = Date.now() - restartedAt;
    const hitsBefore = Number(await redis.command('INFO', 'stats').then((t) => /keyspace_hits:(\d+)/.exec(String(t))?.[1] ?? 0));
    await load.answeredMore(400);
    await load.stop();
    const rssAfter = rssMiB(proxy.child.pid);
    const hitsAfter = Number(await redis.command('INFO', 'stats').then((t) => /keyspace_hits:(\d+)/.exec(String(t))?.[1] ?? 0));

    const f = report(`redis paused (back in ${pauseRecovery} ms) and killed (back in ${killRecovery} ms)`, figures(load.records, recoveryMs(load.records, resumedAt), rssBefore, rssAfter));
    assertBounded(f, 0, [], 'redis faults');
    assert.ok(hitsAfter > hitsBefore, `Redis read again after its restart (keyspace_hits ${hitsBefore} -> ${hitsAfter})`);
  });
});
