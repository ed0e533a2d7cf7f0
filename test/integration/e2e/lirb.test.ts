// The last irreversible block number (LIRB) through real proxies and a real Redis: learned from
// get_dynamic_global_properties answers (single and batch) and by polling the upstream while a
// -2 rule exists, shown in /health `jussi_num`, /state and `jussi_last_irreversible_block_num`,
// shared through Redis key `last_irreversible_block_num` (jussi's format), never backwards.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type ProxyEnv, type TestProxy } from '../../support/proxy.js';
import { RedisServer } from '../../support/redis/redis-server.js';
import {
  asAnswer,
  blockResult,
  call,
  dgpResult,
  health,
  jussiValue,
  readJussiValue,
  redisGet,
  redisPttl,
  rpc,
  scrape,
  state,
  Teardown,
  total,
  waitFor,
  waitForJussiNum,
  waitForKey,
} from './harness.js';

const LIRB_KEY = 'last_irreversible_block_num';

function config(up: FakeUpstream, path: string, withIrreversibleRule = true): unknown {
  return {
    upstreams: [
      {
        name: 'appbase',
        urls: [['appbase', up.httpUrl(path)]],
        ttls: [['appbase.condenser_api.get_accounts', 0], ...(withIrreversibleRule ? [['appbase.condenser_api.get_block', -2]] : [])],
        timeouts: [['appbase', 10]],
      },
    ],
  };
}

async function sharedLirb(redis: RedisServer): Promise<unknown> {
  const raw = await redisGet(redis, LIRB_KEY);
  return raw === null ? null : readJussiValue(raw);
}

async function metricLirb(proxy: TestProxy): Promise<number> {
  return total(await scrape(proxy), 'jussi_last_irreversible_block_num');
}

describe('last irreversible block number', () => {
  const teardown = new Teardown();
  let up: FakeUpstream;
  let redis: RedisServer;
  /** What the upstream answers on each path for get_dynamic_global_properties (null: an error). */
  const lirbAt = new Map<string, number | null>();
  let barriers = 0;

  before(async () => {
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    up.on({ method: 'condenser_api.get_dynamic_global_properties' }, (req) => {
      const n = lirbAt.get(req.path);
      return n === undefined || n === null ? { error: { code: -32000, message: 'node is syncing' } } : { result: dgpResult(n) };
    });
    up.on({ method: 'condenser_api.get_block' }, (req) => ({ result: blockResult(Number((req.params as unknown[])[0])) }));
    redis = teardown.add(await RedisServer.start(), (r) => r.stop());
  });
  after(() => teardown.run());

  /** Proxies of the running test; each test stops its own, so none polls into the next one. */
  let proxies = new Teardown();
  afterEach(async () => {
    const done = proxies;
    proxies = new Teardown();
    await done.run();
  });

  async function start(path: string, env: ProxyEnv = {}, withIrreversibleRule = true): Promise<TestProxy> {
    return proxies.add(await startTestProxy(config(up, path, withIrreversibleRule), { JUSSI_REDIS_URL: redis.url, ...env }), (p) => p.stop());
  }

  /** Cache writes and LIRB learning run after the reply, in order: a later write landing proves the earlier ones ran. */
  async function barrier(proxy: TestProxy): Promise<void> {
    barriers += 1;
    const params = [[`lirb-barrier-${barriers}`]];
    await rpc(proxy.url, call('condenser_api.get_accounts', params));
    await waitForKey(redis, `appbase.condenser_api.get_accounts.params=${JSON.stringify(params)}`);
  }

  it('is learned from answers (single and in a batch), shown everywhere and shared, never backwards', async () => {
    const proxy = await start('/answers');
    assert.equal((await health(proxy.url)).jussi_num, null, 'unknown at first');

    lirbAt.set('/answers', 1000);
    const single = await rpc(proxy.url, call('condenser_api.get_dynamic_global_properties', []));
    assert.deepEqual(asAnswer(single.json).result, dgpResult(1000));
    await waitForJussiNum(proxy, 1000);
    assert.equal((await health(proxy.adminUrl)).jussi_num, 1000, 'the admin port says the same');
    assert.equal((await state(proxy)).lastIrreversibleBlockNum, 1000);
    assert.equal(await metricLirb(proxy), 1000);
    await waitFor(async () => (await sharedLirb(redis)) === 1000, { message: 'shared in Redis' });
    const pttl = await redisPttl(redis, LIRB_KEY);
    assert.ok(pttl > 0 && pttl <= 180_000, `written with EX 180 (PTTL ${pttl})`);

    lirbAt.set('/answers', 2000);
    const batch = await rpc(proxy.url, [call('condenser_api.get_config', [], 1), call('condenser_api.get_dynamic_global_properties', [], 2)]);
    assert.equal(Array.isArray(batch.json), true);
    await waitForJussiNum(proxy, 2000);
    assert.equal(await metricLirb(proxy), 2000);
    await waitFor(async () => (await sharedLirb(redis)) === 2000, { message: 'shared in Redis' });

    // An upstream that lags (another node behind a load balancer) does not move it back.
    lirbAt.set('/answers', 1500);
    await rpc(proxy.url, call('condenser_api.get_dynamic_global_properties', []));
    await rpc(proxy.url, [call('condenser_api.get_dynamic_global_properties', [], 1)]);
    await barrier(proxy);
    assert.equal((await health(proxy.url)).jussi_num, 2000);
    assert.equal(await metricLirb(proxy), 2000);
    assert.equal(await sharedLirb(redis), 2000);
  });

  it('is learned by polling the upstream while a -2 rule exists, and only then', async () => {
    lirbAt.set('/polled', 5000);
    lirbAt.set('/not-polled', 9_000_000);
    const polled = await start('/polled', { JUSSI_LIRB_POLL_INTERVAL: '0.2' });
    const notPolled = await start('/not-polled', { JUSSI_LIRB_POLL_INTERVAL: '0.2' }, false);

    await waitForJussiNum(polled, 5000);
    assert.equal(await metricLirb(polled), 5000);
    lirbAt.set('/polled', 5001);
    await waitForJussiNum(polled, 5001);
    const polls = up.received({ path: '/polled', method: 'condenser_api.get_dynamic_global_properties' });
    assert.ok(polls.length >= 2, 'no client asked: the proxy polled');

    // The proxy without a -2 rule had as long to poll, and never did.
    await waitFor(() => up.count({ path: '/polled', method: 'condenser_api.get_dynamic_global_properties' }) >= 5, { message: 'more polls' });
    assert.equal(up.count({ path: '/not-polled' }), 0);
    assert.notEqual((await health(notPolled.url)).jussi_num, 9_000_000);
  });

  it('is shared between two proxies through Redis, and a lower shared value never moves either back', async () => {
    await redis.command('DEL', LIRB_KEY);
    // B cannot learn from its own upstream (it answers errors): only through Redis.
    lirbAt.set('/a', null);
    lirbAt.set('/b', null);
    const a = await start('/a');
    const b = await start('/b', { JUSSI_LIRB_POLL_INTERVAL: '0.2' });

    lirbAt.set('/a', 7000);
    await rpc(a.url, call('condenser_api.get_dynamic_global_properties', []));
    await waitForJussiNum(a, 7000);
    await waitForJussiNum(b, 7000);
    assert.equal(await metricLirb(b), 7000);

    // A proxy started now reads the shared value at start.
    const c = await start('/c');
    await waitForJussiNum(c, 7000);

    // B caches a block below the shared LIRB (JUSSI_IRREVERSIBLE_TTL default 0: no expiry).
    await rpc(b.url, call('condenser_api.get_block', [6999]));
    await waitForKey(redis, 'appbase.condenser_api.get_block.params=[6999]');
    assert.equal(await redisPttl(redis, 'appbase.condenser_api.get_block.params=[6999]'), -1);

    // A lagging writer (a jussi fleet, a proxy behind) puts a lower value in Redis.
    await redis.command('SET', LIRB_KEY, jussiValue(100), 'EX', 180);
    // B polls: it keeps its value and writes it back over the lower one.
    await waitFor(async () => (await sharedLirb(redis)) === 7000, { message: 'the shared key is repaired' });
    assert.equal((await health(b.url)).jussi_num, 7000);
    assert.equal((await health(a.url)).jussi_num, 7000);
    assert.equal(await metricLirb(b), 7000);

    // A jussi fleet sharing the Redis moves ahead: its value (jussi's format) is learned.
    await redis.command('SET', LIRB_KEY, jussiValue(8000), 'EX', 180);
    await waitForJussiNum(b, 8000);
    assert.equal(await metricLirb(b), 8000);
  });
});
