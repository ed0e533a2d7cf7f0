// Observability in the cluster (KIND_E2E.md §2, assertion 8): the ServiceMonitors exist (the
// API was installed, so the gated template rendered), both components serve their metrics on
// the named `metrics` Service port, and a proxy's /state report runs the published config.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MINUTE, until } from '../support/wait.js';
import type { SuiteContext } from './context.js';

export function observabilitySuite(ctx: SuiteContext): void {
  describe('metrics and state', () => {
    const { namespace, release } = ctx.settings;
    const scrape = (service: string, path: string): Promise<string> =>
      ctx.cluster.core.connectGetNamespacedServiceProxyWithPath({ name: `${service}:metrics`, namespace, path });

    it('created a ServiceMonitor for the proxies and one for the operator, with the release label', async () => {
      for (const name of [`${release}-proxy`, `${release}-operator`]) {
        const sm = await ctx.cluster.custom.getNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace, plural: 'servicemonitors', name }) as unknown;
        const labels = (sm as { metadata?: { labels?: Record<string, string> } }).metadata?.labels;
        assert.equal(labels?.['release'], 'kube-prometheus-stack', name);
      }
    });

    it('the proxies export the jussi_ series on the metrics port', { timeout: 3 * MINUTE }, async () => {
      await ctx.proxy.call('condenser_api.get_dynamic_global_properties');
      const text = await until('jussi_requests_total in the proxy metrics', async () => {
        const t = await scrape(`${release}-proxy`, 'metrics');
        return { value: t.includes('jussi_requests_total') ? t : undefined, seen: t.slice(0, 300) };
      }, 2 * MINUTE);
      for (const name of ['jussi_request_duration_seconds', 'jussi_config_reloads_total', 'jussi_last_irreversible_block_num']) {
        assert.match(text, new RegExp(`^# (HELP|TYPE) ${name}`, 'm'), name);
      }
    });

    it('the operator exports controller-runtime style series on its metrics port', async () => {
      const text = await scrape(`${release}-operator-metrics`, 'metrics');
      for (const name of ['controller_runtime_reconcile_total', 'leader_election_master_status']) {
        assert.match(text, new RegExp(`^# (HELP|TYPE) ${name}`, 'm'), name);
      }
    });

    it("a proxy's /state reports the published config hash and readiness", async () => {
      const hash = await ctx.cluster.configMapHash();
      const state = JSON.parse(await scrape(`${release}-proxy`, 'state')) as { ready?: unknown; configHash?: unknown; service?: unknown };
      assert.equal(state.service, 'jussi');
      assert.equal(state.ready, true);
      assert.equal(state.configHash, hash);
    });
  });
}
