// Identical cacheable requests share one upstream call with Redis on, including a request whose
// Redis lookup missed after the shared call had answered but before its cache write landed: the
// settled call stays joinable until the write is in. Reproduced deterministically with a read
// replica (the lookup) and a paused primary (the write that has not landed yet).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { RedisServer } from '../../support/redis/redis-server.js';
import { asAnswer, blockResult, call, rpc, Teardown, waitFor, waitForKey } from './harness.js';

describe('shared in-flight calls with Redis', () => {
  const teardown = new Teardown();
  let up: FakeUpstream;
  let primary: RedisServer;
  let replica: RedisServer;
  let proxy: TestProxy;
  let release: () => void = () => undefined;

  before(async () => {
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    up.on({ method: 'condenser_api.get_block' }, async (req) => {
      await new Promise<void>((resolve) => (release = resolve));
      return { result: blockResult(Number((req.params as unknown[])[0])) };
    });
    primary = teardown.add(await RedisServer.start(), (r) => r.stop());
    replica = teardown.add(await RedisServer.start({ replicaOf: primary }), (r) => r.stop());
    const config = {
      upstreams: [{ name: 'appbase', urls: [['appbase', up.httpUrl('/')]], ttls: [['appbase.condenser_api.get_block', 60]], timeouts: [['appbase', 20]] }],
    };
    proxy = teardown.add(
      await startTestProxy(config, {
        JUSSI_REDIS_URL: primary.url,
        JUSSI_REDIS_READ_REPLICA_URLS: replica.url,
        // Redis alone: the memory tier would answer the late request by itself.
        JUSSI_MEMORY_CACHE_MAX_BYTES: '0',
        JUSSI_CACHE_WRITE_TIMEOUT: '20',
        JUSSI_REDIS_SOCKET_TIMEOUT: '30',
      }),
      (p) => p.stop(),
    );
    await waitFor(async () => ((await (await fetch(`${proxy.adminUrl}/state`)).json()) as { redis: string }).redis === 'up', { message: 'Redis up' });
  });
  after(async () => {
    primary?.resume();
    await teardown.run();
  });

  it('20 identical concurrent get_block requests make one upstream call', async () => {
    const answers = Array.from({ length: 20 }, (_, i) => rpc(proxy.url, call('condenser_api.get_block', [7], i)));
    await waitFor(() => up.count({ method: 'condenser_api.get_block' }) === 1, { message: 'the shared call went out' });
    release();
    const bodies = (await Promise.all(answers)).map((r) => asAnswer(r.json));
    bodies.forEach((b, i) => {
      assert.equal(b.id, i);
      assert.deepEqual(b.result, blockResult(7));
    });
    assert.equal(up.count({ method: 'condenser_api.get_block' }), 1);
  });

  it('a request that missed in Redis after the shared call answered, before its write landed, joins it', async () => {
    const first = rpc(proxy.url, call('condenser_api.get_block', [8], 'first'));
    await waitFor(() => up.count({ method: 'condenser_api.get_block', where: (r) => (r.params as unknown[])[0] === 8 }) === 1, { message: 'the first call went out' });
    // The write to the primary will not land while it is paused; reads go to the replica.
    primary.pause();
    release();
    assert.deepEqual(asAnswer((await first).json).result, blockResult(8));
    const late = asAnswer((await rpc(proxy.url, call('condenser_api.get_block', [8], 'late'))).json);
    assert.equal(late.id, 'late');
    assert.deepEqual(late.result, blockResult(8));
    assert.equal(up.count({ method: 'condenser_api.get_block', where: (r) => (r.params as unknown[])[0] === 8 }), 1, 'no second upstream call');
    primary.resume();
    await waitForKey(replica, 'appbase.condenser_api.get_block.params=[8]');
  });
});
