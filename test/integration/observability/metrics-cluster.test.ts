// The cluster path for real: two worker processes (node:cluster) register their metrics, and
// the primary's scrape is the aggregate of both over the cluster IPC channel.
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { clusterMetricsSource } from '@jussi/proxy/observability/metrics-cluster';
import { parseExposition, value } from '../../unit/observability/prom-text.js';

const here = fileURLToPath(import.meta.url);
const workerFile = fileURLToPath(new URL(`./fixtures/metrics-worker${extname(here)}`, import.meta.url));
const workers: Worker[] = [];

function startWorker(items: number): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = cluster.fork({ JUSSI_TEST_ITEMS: String(items) });
    workers.push(worker);
    const timer = setTimeout(() => reject(new Error(`worker ${items} did not start`)), 60_000);
    worker.once('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'ready' in message) {
        clearTimeout(timer);
        resolve(worker);
      }
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${items} exited with ${String(code)}`));
    });
  });
}

after(async () => {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          w.kill();
        }),
    ),
  );
});

describe('cluster metrics', () => {
  it('serves one scrape aggregated over all workers', async () => {
    // Workers run this file's flavour: TypeScript through tsx, or the compiled JavaScript.
    cluster.setupPrimary({ exec: workerFile, execArgv: process.execArgv, silent: false });
    const source = clusterMetricsSource();
    await Promise.all([startWorker(2), startWorker(3)]);

    const { contentType, body } = await source.scrape();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const e = parseExposition(body);
    const item = { namespace: 'appbase', api: 'condenser_api', method: 'get_block', type: 'single', status: 'ok' };
    assert.equal(value(e, 'jussi_requests_total', item), 5);
    assert.equal(value(e, 'jussi_request_duration_seconds_count', item), 5);
    assert.equal(value(e, 'jussi_request_duration_seconds_bucket', { ...item, le: '0.0025' }), 5);
    assert.equal(value(e, 'jussi_request_errors_total', { code: '1000' }), 2);
    assert.equal(value(e, 'jussi_cache_operations_total', { tier: 'memory', operation: 'get', result: 'hit' }), 1);
    assert.equal(value(e, 'jussi_cache_operations_total', { tier: 'memory', operation: 'get', result: 'miss' }), 1);
    // Ratio averaged over workers (1 and 0), not summed.
    assert.equal(value(e, 'jussi_cache_hit_ratio', { tier: 'memory' }), 0.5);
    assert.equal(value(e, 'jussi_last_irreversible_block_num'), 1003);
    assert.equal(value(e, 'jussi_config_info', { hash: 'same-hash' }), 1);
    assert.equal(value(e, 'jussi_websocket_pool_size', { upstream: 'ws://steemd:8090' }), 5);
    assert.equal(value(e, 'jussi_upstream_healthy', { upstream: 'ws://steemd:8090', protocol: 'websocket' }), 0, 'worst worker wins');
    // Process metrics of both workers, e.g. handles summed and event-loop lag averaged.
    assert.ok(value(e, 'jussi_nodejs_active_handles_total') > 0);
    assert.ok(e.types.has('jussi_nodejs_eventloop_lag_seconds'));
  });
});
