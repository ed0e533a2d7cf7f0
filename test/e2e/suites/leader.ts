// Leader election (KIND_E2E.md §2, assertion 7): deleting the operator pod that holds the Lease
// hands it to the standby, and status writing resumes (a spec edit gets Programmed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { upstreamResource, waitProgrammed } from '../support/resources.js';
import { MINUTE, until } from '../support/wait.js';
import type { SuiteContext } from './context.js';

const NS = 'e2e-leader';
const RPC = 'e2eleader';

export function leaderSuite(ctx: SuiteContext): void {
  describe('operator leader election', () => {
    before(async () => {
      await ctx.cluster.ensureNamespace(NS);
      await ctx.cluster.apply(upstreamResource(RPC, NS, RPC, [{ prefix: RPC, url: ctx.settings.fakeHttp }], 10));
      await waitProgrammed(ctx.cluster, 'jsonrpcupstreams', NS, RPC);
    }, { timeout: 6 * MINUTE });

    after(async () => {
      await ctx.cluster.deleteResource('jsonrpcupstreams', NS, RPC);
    });

    it('hands the Lease over when the leader pod is deleted, and status updates resume', { timeout: 8 * MINUTE }, async () => {
      const holder = await until('a Lease holder among two ready operator pods', async () => {
        const ready = (await ctx.cluster.readyPods('operator')).map((p) => p.metadata?.name ?? '');
        const h = await ctx.cluster.leaseHolder();
        return { value: ready.length >= 2 && h !== undefined && ready.includes(h) ? h : undefined, seen: `holder ${String(h)}, ready ${ready.join(',')}` };
      }, 3 * MINUTE);

      await ctx.cluster.core.deleteNamespacedPod({ name: holder, namespace: ctx.settings.namespace });

      const successor = await until('another operator pod to take the Lease', async () => {
        const names = (await ctx.cluster.pods('operator')).map((p) => p.metadata?.name ?? '');
        const h = await ctx.cluster.leaseHolder();
        return { value: h !== undefined && h !== holder && names.includes(h) ? h : undefined, seen: `holder ${String(h)}, pods ${names.join(',')}` };
      }, 3 * MINUTE);
      assert.notEqual(successor, holder);

      await ctx.cluster.apply(upstreamResource(RPC, NS, RPC, [{ prefix: RPC, url: ctx.settings.fakeHttp }], 20));
      const cr = await waitProgrammed(ctx.cluster, 'jsonrpcupstreams', NS, RPC, 4 * MINUTE);
      assert.ok(cr.generation >= 2);
    });
  });
}
