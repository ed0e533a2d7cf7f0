// The data plane through the proxy Service (KIND_E2E.md §2, assertions 2 and 3): a namespace
// served by the fake upstream over HTTP and WebSocket, a cached and an uncached method, batches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cacheRuleResource, upstreamResource, waitProgrammed } from '../support/resources.js';
import { resultOf } from '../support/rpc.js';
import { MINUTE, until } from '../support/wait.js';
import { cacheHit, nonce, type SuiteContext } from './context.js';

const NS = 'e2e-traffic';
const RPC = 'e2etraffic';

export function trafficSuite(ctx: SuiteContext): void {
  describe('JSON-RPC through the proxy Service', () => {
    before(async () => {
      await ctx.cluster.ensureNamespace(NS);
      await ctx.cluster.apply(upstreamResource(RPC, NS, RPC, [
        { prefix: RPC, url: ctx.settings.fakeHttp },
        { prefix: `${RPC}.ws`, url: ctx.settings.fakeWs },
      ]));
      await ctx.cluster.apply(cacheRuleResource(RPC, NS, [
        { prefix: `${RPC}.cached`, policy: 'Seconds', seconds: 600 },
        { prefix: `${RPC}.uncached`, policy: 'NoCache' },
        { prefix: `${RPC}.fake_stats`, policy: 'NoCache' },
      ]));
      await waitProgrammed(ctx.cluster, 'jsonrpcupstreams', NS, RPC);
      await waitProgrammed(ctx.cluster, 'cacherules', NS, RPC);
    }, { timeout: 6 * MINUTE });

    after(async () => {
      await ctx.cluster.deleteResource('cacherules', NS, RPC);
      await ctx.cluster.deleteResource('jsonrpcupstreams', NS, RPC);
    });

    it('reaches the fake upstream with the method and params the client sent', async () => {
      const n = nonce();
      const reply = await ctx.proxy.call(`${RPC}.hello`, [n, 1]);
      assert.equal(reply.status, 200);
      const result = resultOf(reply);
      assert.equal(result['method'], `${RPC}.hello`);
      assert.deepEqual(result['params'], [n, 1]);
      assert.equal(result['hitCount'], 1);
    });

    it('serves a cacheable call from the cache on repeat: the upstream is not asked again', { timeout: 3 * MINUTE }, async () => {
      const n = nonce();
      const method = `${RPC}.cached.get_value`;
      const first = await ctx.proxy.call(method, [n]);
      assert.equal(resultOf(first)['hitCount'], 1);
      // The cache is written after the reply, so the very next call may still miss.
      const hit = await until('a cache hit', async () => {
        const r = await ctx.proxy.call(method, [n]);
        return { value: cacheHit(r) ? r : undefined, seen: JSON.stringify(r.body) };
      }, MINUTE);
      const cachedHitCount = resultOf(hit)['hitCount'];
      for (let i = 0; i < 3; i++) {
        const again = await ctx.proxy.call(method, [n]);
        assert.ok(cacheHit(again), 'a later repeat missed the cache');
        assert.equal(resultOf(again)['hitCount'], cachedHitCount);
      }
      const stats = resultOf(await ctx.proxy.call(`${RPC}.fake_stats`, [method]));
      assert.equal((stats['counts'] as Record<string, number>)[`${method} ${JSON.stringify([n])}`], cachedHitCount,
        'the upstream saw more calls than the misses before the first hit');
    });

    it('sends a NoCache call upstream every time', async () => {
      const n = nonce();
      const counts: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await ctx.proxy.call(`${RPC}.uncached.get_value`, [n]);
        assert.equal(cacheHit(r), false);
        counts.push(resultOf(r)['hitCount']);
      }
      assert.deepEqual(counts, [1, 2, 3]);
    });

    it('answers a batch per item, in request order, with the client ids', async () => {
      const n = nonce();
      const reply = await ctx.proxy.post([
        { jsonrpc: '2.0', id: 'first', method: `${RPC}.uncached.a`, params: [n] },
        { jsonrpc: '2.0', id: 7, method: `${RPC}.cached.b`, params: [n] },
        { jsonrpc: '2.0', id: 'third', method: 'nosuchnamespace.method', params: [] },
      ]);
      assert.equal(reply.status, 200);
      assert.ok(Array.isArray(reply.body), JSON.stringify(reply.body));
      const items = reply.body as Array<Record<string, unknown>>;
      assert.deepEqual(items.map((i) => i['id']), ['first', 7, 'third']);
      assert.equal((items[0]?.['result'] as Record<string, unknown>)['method'], `${RPC}.uncached.a`);
      assert.equal((items[1]?.['result'] as Record<string, unknown>)['method'], `${RPC}.cached.b`);
      assert.equal(typeof (items[2]?.['error'] as Record<string, unknown> | undefined)?.['code'], 'number');
    });

    it('routes a prefix to a WebSocket upstream', async () => {
      const n = nonce();
      const result = resultOf(await ctx.proxy.call(`${RPC}.ws.ping`, [n]));
      assert.equal(result['method'], `${RPC}.ws.ping`);
      assert.deepEqual(result['params'], [n]);
    });

    it('answers an unknown namespace with a JSON-RPC error, not a transport error', async () => {
      const reply = await ctx.proxy.call('nosuchnamespace.method', []);
      assert.equal(reply.status, 200);
      const error = (reply.body as { error?: { code?: unknown } }).error;
      assert.equal(typeof error?.code, 'number', JSON.stringify(reply.body));
    });
  });
}
