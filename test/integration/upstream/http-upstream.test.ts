// HttpUpstream over real sockets against the fake upstream.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { callAbortReason } from '@jussi/proxy/upstream/abort';
import { HttpUpstream } from '@jussi/proxy/upstream/http-upstream';
import { OriginPools } from '@jussi/proxy/upstream/origin-pools';
import { UpstreamError } from '@jussi/proxy/upstream/types';
import { freePort, resourceSnapshot, startFakeUpstream, waitFor, waitForNoLeaks } from '../../support/fake-upstream/index.js';
import type { FakeUpstream, ResourceSnapshot } from '../../support/fake-upstream/index.js';
import { makeCall, rejection } from './calls.js';

const POOL = { connections: 4, connectTimeoutMs: 2_000, keepAliveTimeoutMs: 10_000, maxResponseSize: null };

describe('HttpUpstream', () => {
  let before: ResourceSnapshot;
  let fake: FakeUpstream;
  let pools: OriginPools;
  const opened: HttpUpstream[] = [];

  function upstream(url: string): HttpUpstream {
    const u = new HttpUpstream(url, pools, POOL);
    opened.push(u);
    return u;
  }

  beforeEach(async () => {
    before = resourceSnapshot();
    fake = await startFakeUpstream();
    pools = new OriginPools();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((u) => u.close(1_000)));
    assert.equal(pools.size, 0, 'every origin pool destroyed');
    await fake.close();
    await waitForNoLeaks(before);
  });

  it('posts the payload to the exact URL and returns the body', async () => {
    fake.reply({ path: '/steemd.example.com?x=1', method: 'condenser_api.get_block' }, { result: { block: 1 } });
    const u = upstream(fake.httpUrl('/steemd.example.com?x=1'));
    const reply = await u.send(makeCall(7, 'condenser_api.get_block', { params: [1] }));
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { jsonrpc: '2.0', id: 7, result: { block: 1 } });
    assert.equal(reply.url, fake.httpUrl('/steemd.example.com'), 'the URL it reports has no query (it may hold a key)');
    const [req] = fake.requests;
    assert.ok(req);
    assert.equal(req.httpMethod, 'POST');
    assert.equal(req.body, '{"jsonrpc":"2.0","id":7,"method":"condenser_api.get_block","params":[1]}');
    assert.equal(u.stats().inFlight, 0);
    assert.equal(u.stats().lastError, null);
  });

  it('sends the call headers and content-type, and no user-agent', async () => {
    const u = upstream(fake.httpUrl('/'));
    await u.send(
      makeCall(1, 'a.b', {
        headers: { 'x-jussi-request-id': '123', 'x-amzn-trace-id': 'Root=1-abc', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      }),
    );
    const headers = fake.requests[0]?.headers ?? {};
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['x-jussi-request-id'], '123');
    assert.equal(headers['x-amzn-trace-id'], 'Root=1-abc');
    assert.equal(headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(headers['user-agent'], undefined);
    assert.equal(headers.authorization, undefined);
  });

  it('sends URL credentials as Basic authorization and never shows them', async () => {
    fake.reply({ method: 'fail' }, { drop: true });
    const u = upstream(fake.httpUrl('/').replace('http://', 'http://alice:s%40cret@'));
    assert.equal(u.url, fake.httpUrl('/'));
    const reply = await u.send(makeCall(1, 'a.b'));
    assert.equal(reply.url, fake.httpUrl('/'));
    assert.equal(fake.requests[0]?.headers.authorization, `Basic ${Buffer.from('alice:s@cret').toString('base64')}`);
    const err = await rejection(u.send(makeCall(2, 'fail', { idempotent: false })));
    assert.ok(err instanceof UpstreamError);
    assert.doesNotMatch(`${err.message} ${err.url} ${JSON.stringify(u.stats())}`, /alice|cret/);
  });

  it('returns non-200 answers with their body', async () => {
    fake.reply({}, { status: 502, body: 'bad gateway', headers: { 'content-type': 'text/plain' } });
    const reply = await upstream(fake.httpUrl('/')).send(makeCall(1, 'a.b'));
    assert.equal(reply.status, 502);
    assert.equal(reply.body, 'bad gateway');
  });

  it('keeps raw UTF-8 in both directions', async () => {
    fake.on({}, (req) => ({ result: { echoed: req.params } }));
    const reply = await upstream(fake.httpUrl('/')).send(makeCall(1, 'a.b', { params: ['héllo ✓ 日本'] }));
    assert.ok(fake.requests[0]?.body.includes('héllo ✓ 日本'));
    assert.deepEqual(JSON.parse(reply.body), { jsonrpc: '2.0', id: 1, result: { echoed: ['héllo ✓ 日本'] } });
  });

  it('reads answers of several megabytes', async () => {
    const big = 'ü'.repeat(3 * 1024 * 1024);
    fake.reply({}, { result: big });
    const reply = await upstream(fake.httpUrl('/')).send(makeCall(1, 'a.b'));
    assert.equal((JSON.parse(reply.body) as { result: string }).result, big);
  });

  it('carries concurrent calls over at most `connections` sockets of one shared pool per origin', async () => {
    fake.reply({}, { result: 'ok', delayMs: 50 });
    const a = upstream(fake.httpUrl('/a'));
    const b = upstream(fake.httpUrl('/b'));
    assert.equal(pools.size, 1, 'two URLs on one origin share a pool');
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).send(makeCall(i, 'x.y'))));
    assert.equal(replies.length, 20);
    assert.equal(fake.count({ path: '/a' }), 10);
    assert.equal(fake.count({ path: '/b' }), 10);
    const connections = new Set(fake.requests.map((r) => r.connection));
    assert.ok(connections.size <= POOL.connections, `used ${connections.size} connections`);
    assert.ok(a.stats().size <= POOL.connections);
    await waitFor(() => a.stats().idle === a.stats().size && a.stats().active === 0, { message: 'all connections idle after the calls' });
  });

  it('leaves no abort listener on a long-lived signal shared by many calls', async () => {
    fake.reply({ method: 'slow' }, { hang: true });
    const u = upstream(fake.httpUrl('/'));
    const shared = new AbortController();
    await Promise.all(Array.from({ length: 50 }, (_, i) => u.send({ ...makeCall(i, 'fast'), signal: shared.signal })));
    const timedOut = await Promise.all(Array.from({ length: 5 }, (_, i) => rejection(u.send(makeCall(100 + i, 'slow', { timeoutMs: 30 })))));
    assert.ok(timedOut.every((e) => e instanceof UpstreamError && e.kind === 'timeout'));
    assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
    assert.equal(u.stats().inFlight, 0);
  });

  it('rejects with timeout when the signal times out, and the answer does not hang the pool', async () => {
    fake.reply({ method: 'slow' }, { hang: true });
    const u = upstream(fake.httpUrl('/'));
    const started = Date.now();
    const err = await rejection(u.send(makeCall(1, 'slow', { timeoutMs: 200 })));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'timeout');
    assert.ok(Date.now() - started < 5_000, 'answered well within 5 s');
    const reply = await u.send(makeCall(2, 'fast'));
    assert.equal(reply.status, 200);
    assert.equal(u.stats().inFlight, 0);
  });

  it('tells a timeout from another abort by the signal reason', async () => {
    fake.reply({}, { hang: true });
    const u = upstream(fake.httpUrl('/'));
    const cases = [
      { reason: callAbortReason('timeout'), kind: 'timeout' },
      { reason: callAbortReason('aborted', 'client went away'), kind: 'aborted' },
      { reason: new Error('anything else'), kind: 'aborted' },
    ] as const;
    for (const c of cases) {
      const controller = new AbortController();
      const pending = u.send(makeCall(1, 'x', { signal: controller.signal }));
      await waitFor(() => u.stats().inFlight === 1 && fake.requests.length > 0);
      controller.abort(c.reason);
      const err = await rejection(pending);
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.kind, c.kind);
      fake.reset();
    }
    const already = new AbortController();
    already.abort(callAbortReason('timeout'));
    const err = await rejection(u.send(makeCall(1, 'x', { signal: already.signal })));
    assert.ok(err instanceof UpstreamError && err.kind === 'timeout');
  });

  it('rejects with connect when nothing listens', async () => {
    const port = await freePort();
    const u = upstream(`http://127.0.0.1:${port}/`);
    const err = await rejection(u.send(makeCall(1, 'a.b')));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'connect');
    assert.match(err.message, /ECONNREFUSED/);
    assert.match(u.stats().lastError ?? '', /ECONNREFUSED/);
  });

  it('rejects with connect when the host does not resolve', async () => {
    const u = upstream('http://no-such-host.invalid/');
    const err = await rejection(u.send(makeCall(1, 'a.b')));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'connect');
  });

  it('rejects with closed when the server drops the connection before or during the answer', async () => {
    fake.reply({ method: 'drop' }, { drop: true });
    fake.reply({ method: 'half' }, { result: 'x'.repeat(100_000), drop: 'mid-body' });
    const u = upstream(fake.httpUrl('/'));
    for (const method of ['drop', 'half']) {
      const err = await rejection(u.send(makeCall(1, method)));
      assert.ok(err instanceof UpstreamError, method);
      assert.equal(err.kind, 'closed', `${method}: ${err.message}`);
    }
    const reply = await u.send(makeCall(2, 'fine'));
    assert.equal(reply.status, 200);
  });

  it('rejects with closed when a raw server resets the connection', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      const err = await rejection(upstream(`http://127.0.0.1:${address.port}/`).send(makeCall(1, 'a.b')));
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.kind, 'closed');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('close(grace) refuses new calls and lets in-flight calls finish', async () => {
    fake.reply({}, { result: 'late but fine', delayMs: 200 });
    const u = upstream(fake.httpUrl('/'));
    const inFlight = u.send(makeCall(1, 'a.b'));
    await waitFor(() => fake.requests.length === 1);
    const closing = u.close(5_000);
    const refused = await rejection(u.send(makeCall(2, 'a.b')));
    assert.ok(refused instanceof UpstreamError && refused.kind === 'shutdown');
    assert.equal((await inFlight).status, 200);
    await closing;
    await waitFor(() => fake.connections === 0, { message: 'pool sockets closed' });
  });

  it('close(grace) aborts calls still running after the grace period with shutdown', async () => {
    fake.reply({}, { hang: true });
    const u = upstream(fake.httpUrl('/'));
    const failed = rejection(u.send(makeCall(1, 'a.b')));
    await waitFor(() => fake.requests.length === 1);
    const started = Date.now();
    await u.close(100);
    const err = await failed;
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'shutdown');
    assert.ok(Date.now() - started < 5_000);
    await waitFor(() => fake.connections === 0, { message: 'pool sockets closed' });
  });

  it('closing one URL of a shared origin leaves the other working', async () => {
    const a = upstream(fake.httpUrl('/a'));
    const b = upstream(fake.httpUrl('/b'));
    await a.send(makeCall(1, 'x'));
    await a.close(1_000);
    assert.equal(pools.size, 1);
    assert.equal((await b.send(makeCall(2, 'x'))).status, 200);
  });
});
