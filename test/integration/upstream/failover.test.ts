// FailoverUpstream and HealthCheckedUpstream over real upstreams.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FailoverUpstream } from '@jussi/proxy/upstream/failover';
import { HealthCheckedUpstream } from '@jussi/proxy/upstream/health-checked';
import type { HealthPolicy } from '@jussi/proxy/upstream/health';
import { HttpUpstream } from '@jussi/proxy/upstream/http-upstream';
import { OriginPools } from '@jussi/proxy/upstream/origin-pools';
import { UpstreamError } from '@jussi/proxy/upstream/types';
import type { Upstream } from '@jussi/proxy/upstream/types';
import { WebSocketUpstream } from '@jussi/proxy/upstream/ws-upstream';
import { freePort, resourceSnapshot, startFakeUpstream, waitFor, waitForNoLeaks } from '../../support/fake-upstream/index.js';
import type { FakeUpstream, ResourceSnapshot } from '../../support/fake-upstream/index.js';
import { makeCall, rejection } from './calls.js';

const POOL = { connections: 2, connectTimeoutMs: 2_000, keepAliveTimeoutMs: 10_000, maxResponseSize: null };
const POLICY: HealthPolicy = { failuresToUnhealthy: 3, retryUnhealthyAfterMs: 5_000 };

describe('failover and health', () => {
  let before: ResourceSnapshot;
  let a: FakeUpstream;
  let b: FakeUpstream;
  let pools: OriginPools;
  let clock: number;
  const owned: Upstream[] = [];

  function member(inner: Upstream): HealthCheckedUpstream {
    owned.push(inner);
    return new HealthCheckedUpstream(inner, POLICY, () => clock);
  }

  function http(url: string): HealthCheckedUpstream {
    return member(new HttpUpstream(url, pools, POOL));
  }

  beforeEach(async () => {
    before = resourceSnapshot();
    a = await startFakeUpstream();
    b = await startFakeUpstream();
    pools = new OriginPools();
    clock = 1_000_000;
  });

  afterEach(async () => {
    await Promise.all(owned.splice(0).map((u) => u.close(1_000)));
    await Promise.all([a.close(), b.close()]);
    await waitForNoLeaks(before);
  });

  it('tries the next URL after a connection failure, for idempotent calls, and says who answered', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const list = new FailoverUpstream([http(dead), http(b.httpUrl('/b'))]);
    const reply = await list.send(makeCall(1, 'x', { idempotent: true }));
    assert.equal(reply.url, b.httpUrl('/b'));
    assert.equal(b.count(), 1);
  });

  it('never retries a call that is not idempotent (broadcasts)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const list = new FailoverUpstream([http(dead), http(b.httpUrl('/b'))]);
    const err = await rejection(list.send(makeCall(1, 'condenser_api.broadcast_transaction', { idempotent: false })));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'connect');
    assert.equal(b.count(), 0);
  });

  // The table is the rule: which failures move on to the next URL.
  const cases = [
    { name: 'connection dropped', reply: { drop: true }, moves: true },
    { name: 'HTTP 500 with a body is an answer', reply: { status: 500, body: 'oops' }, moves: false },
    { name: 'JSON-RPC error is an answer', reply: { error: { code: -32000, message: 'bad' } }, moves: false },
  ] as const;
  for (const c of cases) {
    it(`failover on ${c.name}: ${c.moves ? 'next URL' : 'stays'}`, async () => {
      a.reply({}, c.reply);
      const list = new FailoverUpstream([http(a.httpUrl('/a')), http(b.httpUrl('/b'))]);
      const result = await list.send(makeCall(1, 'x')).then(
        (reply) => reply.url,
        (err: unknown) => (err instanceof UpstreamError ? err.kind : 'other'),
      );
      assert.equal(result, c.moves ? b.httpUrl('/b') : a.httpUrl('/a'));
      assert.equal(b.count(), c.moves ? 1 : 0);
    });
  }

  it('does not move on after a timeout: the signal has fired', async () => {
    a.reply({}, { hang: true });
    const list = new FailoverUpstream([http(a.httpUrl('/a')), http(b.httpUrl('/b'))]);
    const err = await rejection(list.send(makeCall(1, 'x', { timeoutMs: 100 })));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'timeout');
    assert.equal(b.count(), 0);
  });

  it('moves on when a WebSocket pool is overloaded', async () => {
    a.reply({}, { hang: true });
    const ws = member(new WebSocketUpstream(a.wsUrl('/'), {
      min: 1, max: 1, maxInFlight: 1, maxQueue: 0, maxMessageSize: null,
      connectTimeoutMs: 2_000, reconnectMinMs: 20, reconnectMaxMs: 100, pingIntervalMs: 0,
    }));
    const list = new FailoverUpstream([ws, http(b.httpUrl('/b'))]);
    const held = rejection(list.send(makeCall(1, 'x', { timeoutMs: 30_000 })));
    await waitFor(() => a.count() === 1);
    const reply = await list.send(makeCall(2, 'y'));
    assert.equal(reply.url, b.httpUrl('/b'));
    await ws.close(0);
    const err = await held;
    assert.ok(err instanceof UpstreamError && err.kind === 'shutdown');
  });

  it('reports the last failure with the earlier ones in its message when every URL fails', async () => {
    a.reply({}, { drop: true });
    b.reply({}, { drop: true });
    const list = new FailoverUpstream([http(a.httpUrl('/a')), http(b.httpUrl('/b'))]);
    const err = await rejection(list.send(makeCall(1, 'x')));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'closed');
    assert.equal(err.url, b.httpUrl('/b'));
    assert.match(err.message, /after 1 failed: closed: /);
  });

  it('marks a URL unhealthy after 3 connection failures, skips it, probes it later, and heals', async () => {
    const removeDrop = a.reply({}, { drop: true });
    const first = http(a.httpUrl('/a'));
    const list = new FailoverUpstream([first, http(b.httpUrl('/b'))]);
    for (let i = 0; i < 3; i += 1) {
      assert.equal(first.stats().healthy, true, `healthy before failure ${i + 1}`);
      assert.equal((await list.send(makeCall(i, 'x'))).url, b.httpUrl('/b'));
    }
    assert.equal(first.stats().healthy, false);
    assert.equal(a.count(), 3);
    assert.deepEqual(list.order(true).map((m) => m.url), [b.httpUrl('/b'), a.httpUrl('/a')]);

    // Unhealthy: calls go straight to the healthy URL.
    assert.equal((await list.send(makeCall(10, 'x'))).url, b.httpUrl('/b'));
    assert.equal(a.count(), 3);

    // The wait passes: reads probe it in its place, broadcasts still avoid it.
    clock += POLICY.retryUnhealthyAfterMs;
    removeDrop();
    assert.equal((await list.send(makeCall(11, 'x', { idempotent: false }))).url, b.httpUrl('/b'));
    assert.equal(a.count(), 3);
    assert.equal((await list.send(makeCall(12, 'x'))).url, a.httpUrl('/a'));
    assert.equal(first.stats().healthy, true);
    assert.equal((await list.send(makeCall(13, 'x', { idempotent: false }))).url, a.httpUrl('/a'));
  });

  it('a failed probe waits again before the next one', async () => {
    a.reply({}, { drop: true });
    const first = http(a.httpUrl('/a'));
    const list = new FailoverUpstream([first, http(b.httpUrl('/b'))]);
    for (let i = 0; i < 3; i += 1) await list.send(makeCall(i, 'x'));
    clock += POLICY.retryUnhealthyAfterMs;
    await list.send(makeCall(3, 'x'));
    assert.equal(a.count(), 4, 'probed once');
    await list.send(makeCall(4, 'x'));
    assert.equal(a.count(), 4, 'not again right away');
    assert.equal(first.stats().healthy, false);
  });

  it('still tries unhealthy URLs, in order, when none is healthy', async () => {
    a.reply({}, { drop: true });
    const removeB = b.reply({}, { drop: true });
    const list = new FailoverUpstream([http(a.httpUrl('/a')), http(b.httpUrl('/b'))]);
    for (let i = 0; i < 3; i += 1) await rejection(list.send(makeCall(i, 'x')));
    removeB();
    assert.equal(list.stats().healthy, false);
    assert.equal((await list.send(makeCall(9, 'x'))).url, b.httpUrl('/b'));
    assert.equal(a.count(), 4);
  });

  it('timeouts and answers do not change health', async () => {
    a.reply({ method: 'slow' }, { hang: true });
    const first = http(a.httpUrl('/a'));
    for (let i = 0; i < 5; i += 1) await rejection(first.send(makeCall(i, 'slow', { timeoutMs: 30 })));
    assert.equal(first.stats().healthy, true);
  });

  it('close() stops the list taking calls but leaves its members to their owner', async () => {
    const m = http(b.httpUrl('/b'));
    const list = new FailoverUpstream([m]);
    await list.close(0);
    const err = await rejection(list.send(makeCall(1, 'x')));
    assert.ok(err instanceof UpstreamError && err.kind === 'shutdown');
    assert.equal((await m.send(makeCall(2, 'x'))).status, 200);
  });
});
