// The README is the configuration reference: every environment variable the proxy and the
// operator read, and every metric they register, must be documented there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OperatorMetrics } from '@jussi/operator/metrics';
import { createMetrics } from '@jussi/proxy/observability/metrics';
import { repoRoot } from '../../support/repo.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

function variablesReadBy(file: string): string[] {
  const source = readFileSync(join(repoRoot, file), 'utf8');
  return [...new Set([...source.matchAll(/'((?:JUSSI|LOG|OTEL|PROMETHEUS|OPERATOR|POD)_[A-Z0-9_]+|SOURCE_COMMIT|DOCKER_TAG)'/g)].map((m) => m[1] as string))].sort();
}

/** A README table row names a family like `OPERATOR_LEASE_DURATION`, `_RENEW_DEADLINE`: accept suffixes of a named prefix. */
function documented(name: string): boolean {
  if (readme.includes(`\`${name}\``)) return true;
  const parts = name.split('_');
  for (let i = parts.length - 1; i > 1; i--) {
    const suffix = `\`_${parts.slice(i).join('_')}\``;
    const prefix = parts.slice(0, i).join('_');
    if (readme.includes(suffix) && readme.includes(`\`${prefix}`)) return true;
  }
  return false;
}

describe('README', () => {
  for (const file of ['proxy/src/config/env.ts', 'operator/src/settings.ts', 'operator/src/sidecar-settings.ts']) {
    it(`documents every variable ${file} reads`, () => {
      const missing = variablesReadBy(file).filter((v) => !documented(v));
      assert.deepEqual(missing, []);
    });
  }

  it('documents every proxy metric', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const missing = names.filter((n) => !readme.includes(n) && !readme.includes(n.replace(/_(size|active|idle)$/, '_size`, `_$1')));
    assert.deepEqual(missing.filter((n) => !/^jussi_websocket_pool_(active|idle)$/.test(n) || !readme.includes('jussi_websocket_pool_size`, `_active`, `_idle')), []);
  });

  it('documents every operator metric', async () => {
    const m = new OperatorMetrics(
      { queueDepth: () => 0, leading: () => false, resources: () => [], proxies: () => ({ total: 0, ready: 0, programmed: 0 }), informers: () => [], statusWrites: () => ({ written: 0, skipped: 0, dropped: 0, failed: 0, failing: 0, pending: 0 }) },
      'lease',
    );
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name).filter((n) => !n.startsWith('jussi_operator_process_') && !n.startsWith('jussi_operator_nodejs_'));
    const missing = names.filter((n) => !readme.includes(n) && !(n.startsWith('jussi_operator_informer_') && readme.includes('jussi_operator_informer_{synced,connects,errors,relists}')));
    assert.deepEqual(missing, []);
  });
});
