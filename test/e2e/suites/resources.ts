// The apply path (KIND_E2E.md §2, assertion 1): the examples (DEV config, failover), applied by
// scripts/e2e.mjs with their URLs pointed at the fake upstream, become Accepted and then
// Programmed on every ready proxy, and the status names the hash of the published ConfigMap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plural } from '../support/cluster.js';
import { waitProgrammed } from '../support/resources.js';
import { MINUTE, until } from '../support/wait.js';
import type { SuiteContext } from './context.js';

export function resourcesSuite(ctx: SuiteContext): void {
  describe('custom resources: apply path', () => {
    it('every example resource is Accepted, then Programmed on every ready proxy', { timeout: 6 * MINUTE }, async () => {
      const ns = ctx.settings.examplesNamespace;
      const proxies = await until('two ready proxies', async () => {
        const ready = await ctx.cluster.readyPods('proxy');
        return { value: ready.length >= 2 ? ready.length : undefined, seen: `${ready.length} ready` };
      }, 3 * MINUTE);
      for (const plural of ['jsonrpcupstreams', 'cacherules'] as Plural[]) {
        const items = await ctx.cluster.listResources(plural, ns);
        assert.ok(items.length > 0, `no ${plural} in ${ns}: scripts/e2e.mjs applies the examples there`);
        for (const item of items) {
          const cr = await waitProgrammed(ctx.cluster, plural, ns, item.name);
          assert.equal(cr.programmedProxies, `${proxies}/${proxies}`, `${plural} ${item.name}`);
        }
      }
    });

    it('the status counts the proxies running this generation; the config hash is on the ConfigMap, not in every status', async () => {
      const hash = await ctx.cluster.configMapHash();
      assert.match(hash ?? '', /^[0-9a-f]{64}$/);
      const upstream = (await ctx.cluster.listResources('jsonrpcupstreams', ctx.settings.examplesNamespace))[0];
      assert.ok(upstream);
      const status = upstream.raw['status'] as { proxies?: { ready?: number; programmed?: number; configHash?: string } } | undefined;
      assert.equal(status?.proxies?.programmed, status?.proxies?.ready);
      assert.equal(status?.proxies?.configHash, undefined, 'a hash in every status would change it on every edit of any resource');
    });

    it('the proxies answer JSON-RPC for the example namespaces, through the fake upstream', async () => {
      const reply = await ctx.proxy.call('condenser_api.get_dynamic_global_properties');
      assert.equal(reply.status, 200);
      const result = (reply.body as { result?: { head_block_number?: unknown } }).result;
      assert.equal(typeof result?.head_block_number, 'number', JSON.stringify(reply.body));
      // The failover example's hive namespace: its first URL answers.
      const hive = (await ctx.proxy.call('hive.get_info', [])).body as { result?: { method?: unknown } };
      assert.equal(hive.result?.method, 'hive.get_info', JSON.stringify(hive));
    });
  });
}
