// Live reload (KIND_E2E.md §2, assertion 6): editing a CacheRule changes what every proxy runs
// without restarting any pod (same pod uids, same restart counts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { restartFingerprint } from '../support/cluster.js';
import { cacheRuleResource, upstreamResource, waitProgrammed } from '../support/resources.js';
import { resultOf } from '../support/rpc.js';
import { MINUTE, until } from '../support/wait.js';
import { cacheHit, nonce, type SuiteContext } from './context.js';

const NS = 'e2e-reload';
const RPC = 'e2ereload';

export function reloadSuite(ctx: SuiteContext): void {
  describe('live reload of a CacheRule', () => {
    before(async () => {
      await ctx.cluster.ensureNamespace(NS);
      await ctx.cluster.apply(upstreamResource(RPC, NS, RPC, [{ prefix: RPC, url: ctx.settings.fakeHttp }]));
      await ctx.cluster.apply(cacheRuleResource(RPC, NS, [{ prefix: `${RPC}.live`, policy: 'NoCache' }]));
      await waitProgrammed(ctx.cluster, 'jsonrpcupstreams', NS, RPC);
      await waitProgrammed(ctx.cluster, 'cacherules', NS, RPC);
    }, { timeout: 6 * MINUTE });

    after(async () => {
      await ctx.cluster.deleteResource('cacherules', NS, RPC);
      await ctx.cluster.deleteResource('jsonrpcupstreams', NS, RPC);
    });

    it('turns caching on for a method without restarting a proxy', { timeout: 6 * MINUTE }, async () => {
      const pods = await ctx.cluster.pods('proxy');
      assert.ok(pods.length >= 2);
      const before = restartFingerprint(pods);
      const hashBefore = await ctx.cluster.configMapHash();
      const n = nonce();
      const method = `${RPC}.live.get_value`;
      assert.equal(resultOf(await ctx.proxy.call(method, [n]))['hitCount'], 1);
      const second = await ctx.proxy.call(method, [n]);
      assert.equal(resultOf(second)['hitCount'], 2);
      assert.equal(cacheHit(second), false);

      await ctx.cluster.apply(cacheRuleResource(RPC, NS, [{ prefix: `${RPC}.live`, policy: 'Seconds', seconds: 600 }]));
      const edited = await waitProgrammed(ctx.cluster, 'cacherules', NS, RPC);
      assert.ok(edited.generation >= 2, `the edit did not bump the generation (${edited.generation})`);
      const hashAfter = await ctx.cluster.configMapHash();
      assert.notEqual(hashAfter, hashBefore, 'the published config did not change');

      const m = nonce();
      await until('the edited rule to cache the method', async () => {
        const r = await ctx.proxy.call(method, [m]);
        return { value: cacheHit(r) ? r : undefined, seen: JSON.stringify(r.body) };
      }, 2 * MINUTE);

      const after = restartFingerprint(await ctx.cluster.pods('proxy'));
      assert.deepEqual(after, before, 'a proxy pod was replaced or restarted by the reload');
    });
  });
}
