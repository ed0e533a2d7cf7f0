// WebSocketUpstream (a pool of ws connections, many calls per connection) over real sockets.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { UpstreamError } from '@jussi/proxy/upstream/types';
import type { UpstreamReply } from '@jussi/proxy/upstream/types';
import { WebSocketUpstream } from '@jussi/proxy/upstream/ws-upstream';
import type { WebSocketPoolOptions } from '@jussi/proxy/upstream/ws-upstream';
import { freePort, resourceSnapshot, startFakeUpstream, waitFor, waitForNoLeaks } from '../../support/fake-upstream/index.js';
import type { FakeUpstream, ResourceSnapshot } from '../../support/fake-upstream/index.js';
import { makeCall, rejection } from './calls.js';

const BASE: WebSocketPoolOptions = {
  min: 1,
  max: 2,
  maxInFlight: 128,
  maxMessageSize: null,
  connectTimeoutMs: 2_000,
  reconnectMinMs: 20,
  reconnectMaxMs: 200,
  pingIntervalMs: 0,
};

interface Gate {
  readonly wait: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

function resultOf(reply: UpstreamReply): unknown {
  return (reply.json as { result?: unknown }).result;
}

describe('WebSocketUpstream', () => {
  let before: ResourceSnapshot;
  let fake: FakeUpstream;
  const pools: WebSocketUpstream[] = [];

  function pool(options: Partial<WebSocketPoolOptions> = {}, url = fake.wsUrl('/ws')): WebSocketUpstream {
    const p = new WebSocketUpstream(url, { ...BASE, ...options });
    pools.push(p);
    return p;
  }

  beforeEach(async () => {
    before = resourceSnapshot();
    fake = await startFakeUpstream();
  });

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close(1_000)));
    for (const p of pools) assert.equal(p.stats().size, 0);
    await waitFor(() => fake.wsConnections === 0, { message: 'server sees no ws connection' });
    await fake.close();
    await waitForNoLeaks(before);
  });

  it('opens min connections at start and answers a call with the parsed JSON', async () => {
    const p = pool({ min: 2, max: 4 });
    await waitFor(() => p.stats().size === 2, { message: 'two connections open' });
    assert.equal(fake.wsConnections, 2);
    const reply = await p.send(makeCall(5, 'condenser_api.get_block', { params: [1] }));
    assert.equal(reply.status, 200);
    assert.equal(reply.url, fake.wsUrl('/ws'));
    assert.deepEqual(reply.json, JSON.parse(reply.body));
    assert.deepEqual(resultOf(reply), { path: '/ws', method: 'condenser_api.get_block', params: [1] });
    assert.equal(fake.requests[0]?.body, '{"jsonrpc":"2.0","id":5,"method":"condenser_api.get_block","params":[1]}');
  });

  it('with min 0 opens its first connection on demand', async () => {
    const p = pool({ min: 0, max: 2 });
    assert.equal(p.stats().size, 0);
    assert.equal(p.connectingCount, 0);
    const reply = await p.send(makeCall(1, 'lazy'));
    assert.deepEqual(resultOf(reply), { path: '/ws', method: 'lazy', params: null });
    assert.equal(p.stats().size, 1);
  });

  it('carries 500 concurrent calls on at most 2 connections, answers out of order, all matched', async () => {
    fake.on({}, (req) => ({ result: { method: req.method }, delayMs: Math.floor(Math.random() * 30) }));
    const p = pool({ min: 1, max: 2, maxInFlight: 128 });
    const calls = Array.from({ length: 500 }, (_, i) => p.send(makeCall(1000 + i, `m${i}`)));
    const replies = await Promise.all(calls);
    replies.forEach((reply, i) => {
      assert.equal((reply.json as { id: number }).id, 1000 + i);
      assert.deepEqual(resultOf(reply), { method: `m${i}` });
    });
    assert.ok(fake.wsConnections <= 2);
    assert.ok(new Set(fake.requests.map((r) => r.connection)).size <= 2);
    const stats = p.stats();
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.pending, 0);
    assert.equal(p.counters.unknown + p.counters.invalid + p.counters.late, 0);
  });

  it('grows to max while connections are full, then queues; the queue drains in order', async () => {
    const g = gate();
    fake.on({ method: 'held' }, async () => {
      await g.wait;
      return { result: 'released' };
    });
    const p = pool({ min: 1, max: 3, maxInFlight: 2 });
    const calls = Array.from({ length: 10 }, (_, i) => p.send(makeCall(i, 'held')));
    await waitFor(() => p.stats().size === 3 && p.stats().inFlight === 6, { message: 'three full connections' });
    const stats = p.stats();
    assert.equal(stats.pending, 4);
    assert.equal(stats.active, 3);
    assert.equal(stats.idle, 0);
    assert.equal(p.connectingCount, 0);
    g.open();
    const replies = await Promise.all(calls);
    assert.ok(replies.every((r) => resultOf(r) === 'released'));
    assert.equal(fake.wsConnections, 3);
    assert.equal(p.stats().pending, 0);
  });

  it('fails calls past the queue bound at once with overloaded', async () => {
    const g = gate();
    fake.on({}, async () => {
      await g.wait;
      return { result: 1 };
    });
    const p = pool({ min: 1, max: 1, maxInFlight: 1, maxQueue: 2 });
    const taken = [p.send(makeCall(1, 'a')), p.send(makeCall(2, 'a')), p.send(makeCall(3, 'a'))];
    await waitFor(() => p.stats().inFlight === 1 && p.stats().pending === 2);
    const err = await rejection(p.send(makeCall(4, 'a')));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'overloaded');
    g.open();
    assert.equal((await Promise.all(taken)).length, 3);
  });

  it('fails every call in flight at once with closed when the connection drops, then reconnects', async () => {
    fake.reply({ method: 'hang' }, { hang: true });
    const p = pool({ min: 1, max: 1 });
    const started = Date.now();
    const failures = Array.from({ length: 20 }, (_, i) => rejection(p.send(makeCall(i, 'hang', { timeoutMs: 30_000 }))));
    await waitFor(() => fake.count({ method: 'hang' }) === 20);
    fake.dropConnections();
    for (const err of await Promise.all(failures)) {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.kind, 'closed');
    }
    assert.ok(Date.now() - started < 10_000, 'failed long before the 30 s timeout');
    assert.equal(p.counters.drops, 1);
    await waitFor(() => p.stats().size === 1, { message: 'reconnected' });
    assert.equal(resultOf(await p.send(makeCall(99, 'fine'))) !== undefined, true);
    assert.equal(p.stats().lastError, null);
  });

  it('a peer that terminates while answering fails the calls on that connection only', async () => {
    const g = gate();
    fake.on({ method: 'held' }, async () => {
      await g.wait;
      return { result: 'ok' };
    });
    fake.reply({ method: 'kill' }, { drop: true });
    const p = pool({ min: 2, max: 2, maxInFlight: 1 });
    await waitFor(() => p.stats().size === 2);
    const survivor = p.send(makeCall(1, 'held'));
    await waitFor(() => p.stats().inFlight === 1);
    const err = await rejection(p.send(makeCall(2, 'kill')));
    assert.ok(err instanceof UpstreamError && err.kind === 'closed');
    g.open();
    assert.equal(resultOf(await survivor), 'ok');
  });

  it('reconnects with backoff when the server is down at start and comes up later', async () => {
    const port = await freePort();
    const p = pool({ min: 1, max: 2, reconnectMinMs: 20, reconnectMaxMs: 100 }, `ws://127.0.0.1:${port}/late`);
    const first = await rejection(p.send(makeCall(1, 'a')));
    assert.ok(first instanceof UpstreamError);
    assert.equal(first.kind, 'connect');
    await waitFor(() => p.counters.connectFailures >= 2, { message: 'retried connecting' });
    assert.equal(p.stats().healthy, false);
    const late = await startFakeUpstream({ port });
    try {
      await waitFor(() => p.stats().size === 1, { message: 'connected once the server is up' });
      assert.equal(p.stats().healthy, true);
      const reply = await p.send(makeCall(2, 'a'));
      assert.deepEqual(resultOf(reply), { path: '/late', method: 'a', params: null });
    } finally {
      await p.close(1_000);
      await late.close();
    }
  });

  it('fails fast with connect while down instead of waiting for the timeout', async () => {
    const port = await freePort();
    const p = pool({ min: 0, max: 2, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 }, `ws://127.0.0.1:${port}/`);
    const first = await rejection(p.send(makeCall(1, 'a', { timeoutMs: 30_000 })));
    assert.ok(first instanceof UpstreamError && first.kind === 'connect');
    const started = Date.now();
    const second = await rejection(p.send(makeCall(2, 'a', { timeoutMs: 30_000 })));
    assert.ok(second instanceof UpstreamError && second.kind === 'connect');
    assert.match(second.message, /no open connection \(next attempt in \d+ ms; last error: /);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(p.counters.connectFailures, 1, 'no new attempt inside the backoff');
  });

  it('forgets a timed-out call: its late answer is counted and ignored, the connection stays', async () => {
    fake.reply({ method: 'slow' }, { result: 'late', delayMs: 300 });
    const p = pool({ min: 1, max: 1 });
    const err = await rejection(p.send(makeCall(1, 'slow', { timeoutMs: 50 })));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'timeout');
    assert.equal(p.stats().inFlight, 0);
    await waitFor(() => p.counters.late === 1, { message: 'late answer seen' });
    const reply = await p.send(makeCall(1, 'again'));
    assert.deepEqual(resultOf(reply), { path: '/ws', method: 'again', params: null });
    assert.equal(p.counters.drops, 0);
    assert.equal(new Set(fake.requests.map((r) => r.connection)).size, 1, 'same connection throughout');
  });

  it('ignores messages that are not JSON or carry an unknown id, and counts them', async () => {
    fake.on({}, (req, ctx) => {
      ctx.send('not json at all');
      ctx.send('{"jsonrpc":"2.0","result":"no id"}');
      ctx.send('{"jsonrpc":"2.0","id":424242,"result":"stranger"}');
      return { result: req.method };
    });
    const p = pool();
    const reply = await p.send(makeCall(7, 'mine'));
    assert.equal(resultOf(reply), 'mine');
    assert.equal(p.counters.invalid, 2);
    assert.equal(p.counters.unknown, 1);
    assert.equal(p.counters.drops, 0);
  });

  it('accepts an id sent back as a numeric string (jussi compares int(id))', async () => {
    fake.on({}, (req) => ({ json: { jsonrpc: '2.0', id: String(req.id), result: 'ok' } }));
    const reply = await pool().send(makeCall(12, 'a'));
    assert.equal(resultOf(reply), 'ok');
  });

  it('rejects an oversized answer with protocol, fails its connection calls, and recovers', async () => {
    fake.reply({ method: 'big' }, { result: 'x'.repeat(5_000) });
    fake.reply({ method: 'hang' }, { hang: true });
    const p = pool({ min: 1, max: 1, maxMessageSize: 1_000 });
    const bystander = rejection(p.send(makeCall(1, 'hang', { timeoutMs: 30_000 })));
    await waitFor(() => fake.count({ method: 'hang' }) === 1);
    const err = await rejection(p.send(makeCall(2, 'big')));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'protocol');
    assert.match(err.message, /larger than 1000 bytes/);
    const other = await bystander;
    assert.ok(other instanceof UpstreamError && other.kind === 'protocol');
    await waitFor(() => p.stats().size === 1, { message: 'reconnected' });
    assert.equal(resultOf(await p.send(makeCall(3, 'small'))) !== undefined, true);
  });

  it('handles several MB answers when no limit is set', async () => {
    const big = 'é'.repeat(3 * 1024 * 1024);
    fake.reply({}, { result: big });
    const reply = await pool().send(makeCall(1, 'a'));
    assert.equal(resultOf(reply), big);
  });

  it('keeps two calls with the same id apart', async () => {
    fake.on({}, (req) => ({ result: req.params, delayMs: 20 }));
    const p = pool({ min: 1, max: 1 });
    const [a, b] = await Promise.all([p.send(makeCall(1, 'x', { params: ['a'] })), p.send(makeCall(1, 'x', { params: ['b'] }))]);
    assert.ok(a && b);
    assert.deepEqual(resultOf(a), ['a']);
    assert.deepEqual(resultOf(b), ['b']);
  });

  it('detects a dead peer by ping/pong and fails its calls with closed', async () => {
    const silent = await startFakeUpstream({ autoPong: false });
    silent.reply({}, { hang: true });
    const p = pool({ min: 1, max: 1, pingIntervalMs: 100 }, silent.wsUrl('/'));
    try {
      const started = Date.now();
      const err = await rejection(p.send(makeCall(1, 'a', { timeoutMs: 30_000 })));
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.kind, 'closed');
      assert.match(err.message, /no pong/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await p.close(1_000);
      await silent.close();
    }
  });

  it('close(grace) refuses new calls, drains in-flight ones, then closes its connections', async () => {
    fake.reply({}, { result: 'done', delayMs: 200 });
    const p = pool({ min: 2, max: 2 });
    const inFlight = p.send(makeCall(1, 'a'));
    await waitFor(() => fake.requests.length === 1);
    const closing = p.close(5_000);
    const refused = await rejection(p.send(makeCall(2, 'a')));
    assert.ok(refused instanceof UpstreamError && refused.kind === 'shutdown');
    assert.equal(resultOf(await inFlight), 'done');
    await closing;
    assert.equal(p.stats().size, 0);
    assert.equal(p.stats().healthy, false);
    await waitFor(() => fake.wsConnections === 0);
  });

  it('close(grace) fails calls still running after the grace period with shutdown', async () => {
    fake.reply({}, { hang: true });
    const p = pool({ min: 1, max: 1, maxInFlight: 1 });
    const running = rejection(p.send(makeCall(1, 'a', { timeoutMs: 30_000 })));
    const queued = rejection(p.send(makeCall(2, 'a', { timeoutMs: 30_000 })));
    await waitFor(() => p.stats().inFlight === 1 && p.stats().pending === 1);
    await p.close(100);
    for (const err of await Promise.all([running, queued])) {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.kind, 'shutdown');
    }
  });

  it('does not reconnect after close', async () => {
    const port = await freePort();
    const p = pool({ min: 1, max: 1, reconnectMinMs: 10, reconnectMaxMs: 20 }, `ws://127.0.0.1:${port}/`);
    await waitFor(() => p.counters.connectFailures >= 1);
    await p.close(100);
    const failuresAtClose = p.counters.connectFailures;
    const late = await startFakeUpstream({ port });
    try {
      // Several reconnect periods (20 ms) pass; a leaked timer would connect.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(late.connections, 0);
      assert.equal(p.counters.connectFailures, failuresAtClose);
    } finally {
      await late.close();
    }
  });

  it('leaves no listeners, timers or sockets behind after many calls, timeouts and reconnects', async () => {
    fake.on({ method: 'slow' }, () => ({ result: 1, delayMs: 100 }));
    const p = pool({ min: 1, max: 2, maxInFlight: 8, maxQueue: 100, pingIntervalMs: 250 });
    const shared = new AbortController();
    for (let round = 0; round < 5; round += 1) {
      const fast = Array.from({ length: 50 }, (_, i) => p.send({ ...makeCall(round * 100 + i, 'fast'), signal: shared.signal }));
      const slow = Array.from({ length: 5 }, (_, i) => rejection(p.send(makeCall(round * 100 + 60 + i, 'slow', { timeoutMs: 20 }))));
      await Promise.all(fast);
      await Promise.all(slow);
      const open = p.stats().size;
      const dropsBefore = p.counters.drops;
      fake.dropConnections();
      await waitFor(() => p.counters.drops === dropsBefore + open && p.stats().size >= 1, { message: `reconnected after round ${round}` });
    }
    assert.equal(getEventListeners(shared.signal, 'abort').length, 0, 'no abort listener left on a long-lived signal');
    assert.equal(p.stats().inFlight, 0);
    assert.equal(p.stats().pending, 0);
    await p.close(1_000);
    await waitFor(() => fake.connections === 0);
  });

  it('after all 8 connections drop at once, reconnects within about reconnectMinMs: one event, not eight failures', async () => {
    const p = pool({ min: 8, max: 8, reconnectMinMs: 100, reconnectMaxMs: 30_000 });
    await waitFor(() => p.stats().size === 8, { message: 'pool of 8 open' });
    await Promise.all(Array.from({ length: 16 }, (_, i) => p.send(makeCall(i, 'warm'))));
    fake.dropConnections();
    await waitFor(() => p.counters.drops === 8, { message: 'all 8 drops seen' });
    assert.equal(p.connectFailureStreak, 0, 'drops are not failed connect attempts');
    assert.ok(p.reconnectInMs <= 100, `next attempt in ${p.reconnectInMs} ms, not a back-off of 8 failures`);
    // 6.4 to 12.8 s before the fix; a reconnect takes about 0.1 s.
    await waitFor(() => p.stats().size === 8, { timeoutMs: 5_000, message: 'pool of 8 back' });
    assert.equal(p.counters.connectFailures, 0);
  });

  it('while the upstream is gone, calls fail at once naming the cause; it is back soon after the upstream accepts again', async () => {
    const port = await freePort();
    let server = await startFakeUpstream({ port });
    const p = pool({ min: 8, max: 8, reconnectMinMs: 100, reconnectMaxMs: 30_000 }, `ws://127.0.0.1:${port}/`);
    try {
      await waitFor(() => p.stats().size === 8, { message: 'pool of 8 open' });
      await server.close();
      await waitFor(() => p.stats().size === 0, { message: 'all connections lost' });
      const started = Date.now();
      const failures = await Promise.all(Array.from({ length: 20 }, (_, i) => rejection(p.send(makeCall(i, 'a', { timeoutMs: 30_000 })))));
      for (const err of failures) {
        assert.ok(err instanceof UpstreamError && err.kind === 'connect', String(err));
        assert.match(err.message, /no open connection .*last error: /);
      }
      assert.ok(Date.now() - started < 5_000, 'failed at once, not at the 30 s timeout');
      assert.equal(p.stats().healthy, false);
      await waitFor(() => p.counters.connectFailures >= 2, { message: 'tried to reconnect' });
      server = await startFakeUpstream({ port });
      const back = Date.now();
      await waitFor(() => p.stats().size === 8, { timeoutMs: 10_000, message: 'pool of 8 back' });
      console.log(`# pool of 8 back ${Date.now() - back} ms after the upstream accepted again (${p.counters.connectFailures} failed attempts while down)`);
      assert.equal(p.stats().healthy, true);
      assert.equal(resultOf(await p.send(makeCall(99, 'a'))) !== undefined, true);
    } finally {
      await p.close(1_000);
      await server.close();
    }
  });

  it('fails queued calls at once (never sent) when the last connection drops', async () => {
    fake.reply({ method: 'hang' }, { hang: true });
    const p = pool({ min: 1, max: 1, maxInFlight: 1 });
    await waitFor(() => p.stats().size === 1);
    const inFlight = rejection(p.send(makeCall(1, 'hang', { timeoutMs: 30_000 })));
    await waitFor(() => fake.count({ method: 'hang' }) === 1);
    const queued = rejection(p.send(makeCall(2, 'hang', { timeoutMs: 30_000 })));
    await waitFor(() => p.stats().pending === 1);
    fake.dropConnections();
    const [a, b] = await Promise.all([inFlight, queued]);
    assert.ok(a instanceof UpstreamError && a.kind === 'closed');
    assert.ok(b instanceof UpstreamError && b.kind === 'connect', 'the queued call may fail over');
    assert.equal(fake.count({ method: 'hang' }), 1, 'the queued call was never sent');
  });

  it('counts a connection closed before it ever answered as a failed attempt (no tight reconnect loop)', async () => {
    const { WebSocketServer } = await import('ws');
    const slammer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    slammer.on('connection', (ws) => ws.terminate());
    await new Promise<void>((resolve) => slammer.once('listening', () => resolve()));
    const address = slammer.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const p = pool({ min: 1, max: 1, reconnectMinMs: 20, reconnectMaxMs: 200 }, `ws://127.0.0.1:${port}/`);
    try {
      await waitFor(() => p.connectFailureStreak >= 3, { message: 'the back-off grows' });
      assert.ok(p.counters.drops + p.counters.connectFailures >= 3);
    } finally {
      await p.close(1_000);
      for (const client of slammer.clients) client.terminate();
      await new Promise<void>((resolve) => slammer.close(() => resolve()));
    }
  });
});
