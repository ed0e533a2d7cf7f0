// Redis trouble under load, through the real proxy: killed (-9) and restarted, no request fails,
// /health and /state report the outage (degraded, redis down) while readiness stays 200, and
// writes reach Redis again afterwards; a Redis that stops answering (SIGSTOP) does not hold
// requests beyond the cache read timeout; the proxy's connections to Redis stay bounded.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type ProxyEnv, type TestProxy } from '../../support/proxy.js';
import { freePort, RedisServer } from '../../support/redis/redis-server.js';
import { asAnswer, call, DEADLINE_MS, getJson, health, rpc, scrape, state, Teardown, total, waitFor, waitForKey } from './harness.js';

function config(up: FakeUpstream): unknown {
  return {
    upstreams: [
      {
        name: 'appbase',
        urls: [['appbase', up.httpUrl('/appbase')]],
        ttls: [['appbase.condenser_api.get_follow_count', 60]],
        timeouts: [['appbase', 10]],
      },
    ],
  };
}

interface Load {
  /** Requests answered so far. */
  readonly done: () => number;
  /** Every failure: a thrown fetch, a non-200, an error object, a wrong id or result. */
  readonly failures: string[];
  /** Slowest answer seen, ms. */
  readonly slowestMs: () => number;
  stop(): Promise<void>;
}

/**
 * `workers` loops sending cacheable requests: repeats (cache hits once written) mixed with keys
 * never seen before (a Redis read, then upstream, then a write).
 */
function startLoad(proxy: TestProxy, workers: number): Load {
  let running = true;
  let done = 0;
  let slowest = 0;
  let seq = 0;
  const failures: string[] = [];
  const loop = async (w: number): Promise<void> => {
    while (running) {
      seq += 1;
      const params = seq % 2 === 0 ? [`repeat-${seq % 20}`] : [`fresh-${w}-${seq}`];
      const id = `w${w}-${seq}`;
      const started = Date.now();
      try {
        const res = await rpc(proxy.url, call('condenser_api.get_follow_count', params, id));
        const answer = res.status === 200 ? asAnswer(res.json) : null;
        if (answer === null || answer.id !== id || answer.error !== undefined || answer.result === undefined) failures.push(`${id}: HTTP ${res.status} ${res.text}`);
      } catch (err) {
        failures.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
      }
      slowest = Math.max(slowest, Date.now() - started);
      done += 1;
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w));
  return {
    done: () => done,
    failures,
    slowestMs: () => slowest,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('Redis outages under load', () => {
  let teardown = new Teardown();
  afterEach(async () => {
    const done = teardown;
    teardown = new Teardown();
    await done.run();
  });

  async function setup(env: ProxyEnv): Promise<{ up: FakeUpstream; redis: RedisServer; proxy: TestProxy }> {
    const up = teardown.add(await startFakeUpstream(), (u) => u.close());
    const redis = teardown.add(await RedisServer.start(), (r) => r.stop());
    const proxy = teardown.add(await startTestProxy(config(up), { JUSSI_REDIS_URL: redis.url, ...env }), (p) => p.stop());
    return { up, redis, proxy };
  }

  it('killed and restarted: no failed request, degraded while down, ready throughout, writes resume', async () => {
    const { redis, proxy } = await setup({ JUSSI_CACHE_READ_TIMEOUT: '0.5', JUSSI_REDIS_SOCKET_CONNECT_TIMEOUT: '1' });
    await waitFor(async () => (await health(proxy.url)).redis.status === 'up', { timeoutMs: DEADLINE_MS, message: 'redis up' });
    const load = teardown.add(startLoad(proxy, 4), (l) => l.stop());
    try {
      await waitFor(() => load.done() >= 50, { timeoutMs: DEADLINE_MS, message: 'load running' });

      await redis.kill();
      for (const base of [proxy.url, proxy.adminUrl]) {
        await waitFor(
          async () => {
            const h = await health(base);
            return h.redis.status === 'down' && h.degraded;
          },
          { timeoutMs: DEADLINE_MS, message: `${base}/health shows redis down` },
        );
        const ready = await getJson(`${base}/health/ready`);
        assert.equal(ready.status, 200, 'a Redis outage degrades, it does not un-ready');
        assert.equal(ready.json['degraded'], true);
      }
      const down = await state(proxy);
      assert.equal(down.redis, 'down');
      assert.equal(down.degraded, true);
      assert.equal(down.ready, true);

      const atOutage = load.done();
      await waitFor(() => load.done() >= atOutage + 100, { timeoutMs: DEADLINE_MS, message: 'requests served while Redis is down' });

      await redis.restart();
      await waitFor(
        async () => {
          const h = await health(proxy.url);
          return h.redis.status === 'up' && !h.degraded;
        },
        { timeoutMs: DEADLINE_MS, message: 'redis up again' },
      );
      const up = await state(proxy);
      assert.equal(up.redis, 'up');
      assert.equal(up.degraded, false);
      const atRecovery = load.done();
      await waitFor(() => load.done() >= atRecovery + 50, { timeoutMs: DEADLINE_MS, message: 'requests served after recovery' });
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.failures, [], 'no request failed');

    // Writes reach the restarted (empty) Redis again.
    await rpc(proxy.url, call('condenser_api.get_follow_count', ['after-recovery']));
    await waitForKey(redis, 'appbase.condenser_api.get_follow_count.params=["after-recovery"]');
    const clients = await redis.clients();
    assert.ok(clients.length <= 2, `connections to Redis stay bounded: ${clients.map((c) => c.name).join(', ')}`);
  });

  it('stops answering (SIGSTOP): requests answer within the cache read timeout, connections stay bounded', async () => {
    // The socket timeout is long on purpose: only the cache read timeout (0.3 s) can bound requests.
    const { redis, proxy } = await setup({ JUSSI_CACHE_READ_TIMEOUT: '0.3', JUSSI_REDIS_SOCKET_TIMEOUT: '60', JUSSI_REDIS_MAX_OFFLINE_QUEUE: '100' });
    await waitFor(async () => (await health(proxy.url)).redis.status === 'up', { timeoutMs: DEADLINE_MS, message: 'redis up' });
    await rpc(proxy.url, call('condenser_api.get_follow_count', ['warm']));
    await waitForKey(redis, 'appbase.condenser_api.get_follow_count.params=["warm"]');
    const before = await redis.clientCount();

    redis.pause();
    let load: Load | undefined;
    try {
      load = startLoad(proxy, 8);
      await waitFor(() => load !== undefined && load.done() >= 300, { timeoutMs: 60_000, message: 'requests answered while Redis is paused' });
      await load.stop();
      assert.deepEqual(load.failures, [], 'no request failed');
      assert.ok(load.slowestMs() < 5000, `every request answered in under 5 s with a 0.3 s read timeout (slowest ${load.slowestMs()} ms)`);
      const timeouts = total(await scrape(proxy), 'jussi_cache_operations_total', { tier: 'redis', operation: 'get', result: 'timeout' });
      assert.ok(timeouts > 0, 'Redis reads were attempted and given up at the read timeout');
    } finally {
      await load?.stop();
      redis.resume();
    }

    // Redis answers again: writes land, and the proxy holds no more connections than before.
    await waitFor(
      async () => {
        await rpc(proxy.url, call('condenser_api.get_follow_count', [`resumed-${Date.now()}`]));
        return Number(await redis.command('DBSIZE')) > 1 && (await health(proxy.url)).redis.status === 'up';
      },
      { timeoutMs: DEADLINE_MS, intervalMs: 100, message: 'writes land after SIGCONT' },
    );
    const after = await redis.clientCount();
    assert.ok(after <= Math.max(before, 1), `connections to Redis: ${before} before, ${after} after hundreds of timed-out reads`);
  });

  it('started while Redis is down: serves degraded, then uses Redis once it comes up', async () => {
    const up = teardown.add(await startFakeUpstream(), (u) => u.close());
    const port = await freePort();
    const proxy = teardown.add(await startTestProxy(config(up), { JUSSI_REDIS_URL: `redis://127.0.0.1:${port}`, JUSSI_REDIS_SOCKET_CONNECT_TIMEOUT: '1' }), (p) => p.stop());
    const first = await rpc(proxy.url, call('condenser_api.get_follow_count', ['no-redis-yet']));
    assert.equal(asAnswer(first.json).error, undefined);
    const h = await health(proxy.url);
    assert.notEqual(h.redis.status, 'up');
    assert.equal(h.degraded, true);
    assert.equal((await getJson(`${proxy.url}/health/ready`)).status, 200);

    const redis = teardown.add(await RedisServer.start({ port }), (r) => r.stop());
    await waitFor(async () => (await health(proxy.url)).redis.status === 'up', { timeoutMs: DEADLINE_MS, message: 'redis up' });
    assert.equal((await health(proxy.url)).degraded, false);
    await rpc(proxy.url, call('condenser_api.get_follow_count', ['redis-now']));
    await waitForKey(redis, 'appbase.condenser_api.get_follow_count.params=["redis-now"]');
    assert.ok((await redis.clientCount()) <= 1, 'one connection to Redis after the reconnect attempts');
  });
});
