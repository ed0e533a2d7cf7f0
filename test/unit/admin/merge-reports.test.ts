import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeStateReports } from '@jussi/proxy/admin/merge-reports';
import type { StateReport } from '@jussi/proxy/admin/state-report';

function report(over: Partial<StateReport>): StateReport {
  return {
    service: 'jussi',
    configHash: 'h1',
    configLoadedAt: '2026-01-01T00:00:00.000Z',
    configSource: 'file x',
    lastReloadError: null,
    ready: true,
    workers: 1,
    redis: 'up',
    degraded: false,
    lastIrreversibleBlockNum: 10,
    upstreams: [{ url: 'http://a', protocol: 'http', upstreams: ['steemd'], size: 2, active: 1, idle: 1, pending: 0, inFlight: 1, healthy: true, lastError: null }],
    cacheRules: [{ prefix: 'steemd', hits: 3, misses: 1 }],
    ...over,
  };
}

const view = { expectedWorkers: 2, configSource: 'file x', lastReloadError: null };

describe('merging worker reports', () => {
  it('adds pool and cache figures, keeps the common hash, takes the highest LIRB', () => {
    const merged = mergeStateReports([report({}), report({ lastIrreversibleBlockNum: 12, cacheRules: [{ prefix: 'steemd', hits: 1, misses: 1 }] })], view);
    assert.equal(merged.workers, 2);
    assert.equal(merged.ready, true);
    assert.equal(merged.configHash, 'h1');
    assert.equal(merged.lastIrreversibleBlockNum, 12);
    assert.deepEqual(merged.upstreams[0], { url: 'http://a', protocol: 'http', upstreams: ['steemd'], size: 4, active: 2, idle: 2, pending: 0, inFlight: 2, healthy: true, lastError: null });
    assert.deepEqual(merged.cacheRules, [{ prefix: 'steemd', hits: 4, misses: 2 }]);
  });

  it('reports no hash while workers disagree, and not ready with a worker missing', () => {
    assert.equal(mergeStateReports([report({}), report({ configHash: 'h2' })], view).configHash, null);
    assert.equal(mergeStateReports([report({})], view).ready, false);
    assert.equal(mergeStateReports([], view).ready, false);
  });

  it('reports the worst Redis state and any unhealthy upstream', () => {
    const up = report({});
    const down = report({ redis: 'down', degraded: true, upstreams: [{ ...up.upstreams[0]!, healthy: false, lastError: 'refused' }] });
    const merged = mergeStateReports([up, down], view);
    assert.equal(merged.redis, 'down');
    assert.equal(merged.degraded, true);
    assert.equal(merged.upstreams[0]?.healthy, false);
    assert.equal(merged.upstreams[0]?.lastError, 'refused');
  });
});
