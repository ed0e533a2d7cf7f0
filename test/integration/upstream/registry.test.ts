// UpstreamSet: building upstreams for a config, reusing them across reloads, stats, redaction.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FailoverUpstream } from '@jussi/proxy/upstream/failover';
import { UpstreamSet } from '@jussi/proxy/upstream/registry';
import { resourceSnapshot, startFakeUpstream, waitFor, waitForNoLeaks } from '../../support/fake-upstream/index.js';
import type { FakeUpstream, ResourceSnapshot } from '../../support/fake-upstream/index.js';
import { makeCall } from './calls.js';
import { config, upstreamSettings } from '../../unit/upstream/configs.js';

describe('UpstreamSet', () => {
  let before: ResourceSnapshot;
  let fake: FakeUpstream;
  const sets: UpstreamSet[] = [];

  function track(set: UpstreamSet): UpstreamSet {
    sets.push(set);
    return set;
  }

  beforeEach(async () => {
    before = resourceSnapshot();
    fake = await startFakeUpstream();
  });

  afterEach(async () => {
    await Promise.all(sets.splice(0).map((s) => s.close(1_000)));
    await waitFor(() => fake.connections === 0, { message: 'every upstream connection closed' });
    await fake.close();
    await waitForNoLeaks(before);
  });

  it('builds one upstream per URL of the winning entries, with the blocks that use it', async () => {
    const steemd = fake.httpUrl('/steemd');
    const hivemind = fake.wsUrl('/hivemind');
    const set = track(
      UpstreamSet.create(
        config([
          { name: 'steemd', urls: [['steemd', steemd], ['steemd.old', fake.httpUrl('/overridden')]] },
          { name: 'appbase', urls: [['appbase', steemd], ['appbase.hive', hivemind], ['steemd.old', steemd]] },
        ]),
        upstreamSettings(),
      ),
    );
    const stats = set.stats();
    assert.deepEqual(
      stats.map((s) => [s.url, s.protocol, s.upstreams]),
      [
        [steemd, 'http', ['steemd', 'appbase']],
        [hivemind, 'websocket', ['appbase']],
      ],
    );
    assert.equal(set.get([fake.httpUrl('/overridden')]), undefined, 'an overridden entry gets no upstream');
    const u = set.get([steemd]);
    assert.ok(u);
    assert.equal(set.get([steemd]), u, 'memoised');
    const reply = await u.send(makeCall(1, 'condenser_api.get_block'));
    assert.equal(reply.url, steemd);
    const ws = set.get([hivemind]);
    assert.ok(ws);
    assert.equal((await ws.send(makeCall(2, 'hive.x'))).url, hivemind);
  });

  it('returns a memoised failover list for a route with several URLs', async () => {
    const first = fake.httpUrl('/one');
    const second = fake.httpUrl('/two');
    const set = track(UpstreamSet.create(config([{ name: 'steemd', urls: [['steemd', [first, second]]] }]), upstreamSettings()));
    const list = set.get([first, second]);
    assert.ok(list instanceof FailoverUpstream);
    assert.equal(set.get([first, second]), list);
    assert.equal(set.stats().length, 2);
    fake.reply({ path: '/one' }, { drop: true });
    const reply = await list.send(makeCall(1, 'x'));
    assert.equal(reply.url, second);
    assert.equal(set.get([]), undefined);
  });

  it('applies block pool overrides to the URLs that block defines', async () => {
    const shared = fake.wsUrl('/shared');
    const plain = fake.wsUrl('/plain');
    const set = track(
      UpstreamSet.create(
        config([
          { name: 'big', urls: [['big', shared]], pool: { websocketMin: 3, websocketMax: 4 } },
          { name: 'other', urls: [['other', shared], ['plain', plain]], pool: { websocketMin: 1 } },
        ]),
        upstreamSettings({ websocketPoolMinSize: 2, websocketPoolMaxSize: 2 }),
      ),
    );
    await waitFor(() => set.stats().every((s) => s.size === (s.url === shared ? 3 : 1)), { message: 'min connections per block' });
  });

  it('reuses unchanged upstreams on update and returns the removed ones', async () => {
    const kept = fake.httpUrl('/kept');
    const changed = fake.wsUrl('/changed');
    const dropped = fake.httpUrl('/dropped');
    const first = track(
      UpstreamSet.create(
        config([
          { name: 'a', urls: [['a', kept], ['b', dropped]] },
          { name: 'c', urls: [['c', changed]], pool: { websocketMax: 2 } },
        ]),
        upstreamSettings(),
      ),
    );
    const keptUpstream = first.get([kept]);
    const changedUpstream = first.get([changed]);
    const droppedUpstream = first.get([dropped]);
    assert.ok(keptUpstream && changedUpstream && droppedUpstream);
    await keptUpstream.send(makeCall(1, 'x'));
    const connection = fake.requests[0]?.connection;
    await waitFor(() => keptUpstream.stats().idle === 1, { message: 'keep-alive connection back in the pool' });

    const { set: second, removed } = first.update(
      config([
        { name: 'a', urls: [['a', kept], ['d', fake.httpUrl('/new')]] },
        { name: 'c', urls: [['c', changed]], pool: { websocketMax: 3 } },
      ]),
    );
    track(second);
    assert.equal(second.get([kept]), keptUpstream, 'same upstream object');
    assert.notEqual(second.get([changed]), changedUpstream, 'pool settings changed: new upstream');
    assert.deepEqual(new Set(removed), new Set([changedUpstream, droppedUpstream]));
    assert.equal(first.get([dropped]), droppedUpstream, 'the old snapshot still answers get()');

    await second.get([kept])?.send(makeCall(2, 'x'));
    assert.equal(fake.requests[1]?.connection, connection, 'the kept upstream kept its connection');

    // In-flight calls on a removed upstream finish during close(grace).
    fake.reply({ path: '/dropped' }, { result: 'finished', delayMs: 200 });
    const inFlight = droppedUpstream.send(makeCall(3, 'x'));
    await waitFor(() => fake.count({ path: '/dropped' }) === 1);
    await Promise.all(removed.map((u) => u.close(5_000)));
    assert.equal((JSON.parse((await inFlight).body) as { result: string }).result, 'finished');
  });

  it('an HTTP origin pool outlives a removed URL when another URL of the origin still uses it', async () => {
    const a = fake.httpUrl('/a');
    const b = fake.httpUrl('/b');
    const first = track(UpstreamSet.create(config([{ name: 's', urls: [['s', a]] }]), upstreamSettings()));
    await first.get([a])?.send(makeCall(1, 'x'));
    await waitFor(() => first.stats()[0]?.idle === 1, { message: 'keep-alive connection back in the pool' });
    const { set: second, removed } = first.update(config([{ name: 's', urls: [['s', b]] }]));
    track(second);
    await Promise.all(removed.map((u) => u.close(1_000)));
    await second.get([b])?.send(makeCall(2, 'x'));
    assert.equal(fake.requests[1]?.connection, fake.requests[0]?.connection, 'same keep-alive connection');
  });

  it('never shows URL credentials in stats, replies or errors', async () => {
    const secret = fake.httpUrl('/x').replace('http://', 'http://user:hunter2@');
    const set = track(UpstreamSet.create(config([{ name: 's', urls: [['s', secret]] }]), upstreamSettings()));
    const u = set.get([secret]);
    assert.ok(u);
    const reply = await u.send(makeCall(1, 'x'));
    fake.reply({}, { drop: true });
    const err = await u.send(makeCall(2, 'x')).catch((e: unknown) => e);
    const shown = JSON.stringify({ stats: set.stats(), url: u.url, replyUrl: reply.url, err: String(err), errUrl: (err as { url?: string }).url });
    assert.doesNotMatch(shown, /hunter2|user:/);
    assert.equal(set.stats()[0]?.url, fake.httpUrl('/x'));
  });

  it('reports URLs it cannot serve and builds extra URLs routed outside the config', async () => {
    const extra = fake.httpUrl('/account-transfer');
    const set = track(
      UpstreamSet.create(config([{ name: 's', urls: [['s', 'ftp://user:pw@example.com/'], ['t', 'not a url']] }]), upstreamSettings(), {
        extraUrls: [extra],
      }),
    );
    assert.deepEqual(set.invalid, [
      { url: 'ftp://example.com/', reason: 'scheme ftp: is not http, https, ws or wss' },
      { url: 'not a url', reason: 'not a URL' },
    ]);
    assert.equal(set.get(['ftp://user:pw@example.com/']), undefined);
    const u = set.get([extra]);
    assert.ok(u);
    assert.equal((await u.send(makeCall(1, 'x'))).url, extra);
    assert.deepEqual(set.stats().map((s) => s.upstreams), [[]]);
    const { set: next, removed } = set.update(config([{ name: 's', urls: [] }]));
    track(next);
    assert.equal(removed.length, 0, 'extra URLs carry over to the next set');
    assert.equal(next.get([extra]), u);
  });
});
