import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CacheStatus } from '@jussi/proxy/cache/types';
import { MethodLabeler, UNPARSED_LABELS } from '@jussi/proxy/observability/labels';
import { createMetrics, errorCodeLabel, type JussiMetrics } from '@jussi/proxy/observability/metrics';
import { aggregateRegistries } from '@jussi/proxy/observability/metrics-cluster';
import type { UpstreamStats } from '@jussi/proxy/upstream/types';
import { find, parseExposition, value, type Exposition } from './prom-text.js';

/** Every series of the issue, with its type and label names: the README table is this table. */
const SERIES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['jussi_requests_total', 'counter', ['namespace', 'api', 'method', 'type', 'status']],
  ['jussi_request_duration_seconds', 'histogram', ['namespace', 'api', 'method', 'type', 'status']],
  ['jussi_request_errors_total', 'counter', ['code']],
  ['jussi_requests_in_flight', 'gauge', []],
  ['jussi_batch_size', 'histogram', []],
  ['jussi_cache_operations_total', 'counter', ['tier', 'operation', 'result']],
  ['jussi_cache_hit_ratio', 'gauge', ['tier']],
  ['jussi_cache_operation_duration_seconds', 'histogram', ['tier', 'operation']],
  ['jussi_cache_entries', 'gauge', []],
  ['jussi_cache_bytes', 'gauge', []],
  ['jussi_upstream_requests_total', 'counter', ['upstream', 'protocol']],
  ['jussi_upstream_request_duration_seconds', 'histogram', ['upstream', 'protocol']],
  ['jussi_upstream_errors_total', 'counter', ['upstream', 'protocol', 'kind']],
  ['jussi_websocket_pool_size', 'gauge', ['upstream']],
  ['jussi_websocket_pool_active', 'gauge', ['upstream']],
  ['jussi_websocket_pool_idle', 'gauge', ['upstream']],
  ['jussi_http_pool_connections', 'gauge', ['upstream']],
  ['jussi_upstream_pending', 'gauge', ['upstream', 'protocol']],
  ['jussi_upstream_in_flight', 'gauge', ['upstream', 'protocol']],
  ['jussi_upstream_healthy', 'gauge', ['upstream', 'protocol']],
  ['jussi_last_irreversible_block_num', 'gauge', []],
  ['jussi_config_reloads_total', 'counter', ['result']],
  ['jussi_config_info', 'gauge', ['hash']],
  ['jussi_build_info', 'gauge', ['version', 'source_commit', 'docker_tag']],
];

const DEFAULT_PROCESS_SERIES = [
  'jussi_process_cpu_user_seconds_total',
  'jussi_process_resident_memory_bytes',
  'jussi_nodejs_eventloop_lag_seconds',
  'jussi_nodejs_heap_size_used_bytes',
  'jussi_nodejs_active_handles_total',
  'jussi_nodejs_gc_duration_seconds',
];

const UPSTREAMS: UpstreamStats[] = [
  { url: 'wss://user:pw@steemd.example:8090', protocol: 'websocket', size: 8, active: 3, idle: 5, pending: 0, inFlight: 4, healthy: true, lastError: null },
  { url: 'https://api.example.com', protocol: 'http', size: 10, active: 2, idle: 8, pending: 1, inFlight: 2, healthy: true, lastError: null },
  // A second pool for the same URL (another config block): figures add up, health is the worst.
  { url: 'https://api.example.com', protocol: 'http', size: 4, active: 0, idle: 4, pending: 2, inFlight: 0, healthy: false, lastError: 'connect' },
];

const CACHE: CacheStatus = { redis: 'up', degraded: false, memory: { entries: 42, bytes: 4096, maxBytes: 1 << 20 } };

function withProviders(): JussiMetrics {
  return createMetrics({
    providers: {
      upstreams: () => UPSTREAMS,
      cache: () => CACHE,
      lastIrreversibleBlockNum: () => 51_000_000,
      configHash: () => 'abc123',
    },
    build: { sourceCommit: 'deadbeef', dockerTag: 'v1', version: '0.1.0' },
  });
}

async function scrape(metrics: JussiMetrics): Promise<Exposition> {
  const { contentType, body } = await metrics.source().scrape();
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  return parseExposition(body);
}

const labeler = new MethodLabeler({ names: ['steemd', 'appbase'], prefixes: ['steemd', 'appbase'] });
const GET_BLOCK = labeler.labels({ namespace: 'appbase', api: 'condenser_api', method: 'get_block' });
const GET_ACCOUNTS = labeler.labels({ namespace: 'steemd', api: 'database_api', method: 'get_accounts' });

describe('metrics: registry', () => {
  it('registers every series with its type, labels and help', async () => {
    const metrics = withProviders();
    metrics.itemFinished(GET_BLOCK, 'single', true, 0.01);
    metrics.requestError(-32603);
    metrics.batchSize(3);
    metrics.upstreamRequest('https://api.example.com', 'http', 0.02, 'timeout');
    metrics.cacheOperation('memory', 'get', 'hit', 0.0001);
    const exposition = await scrape(metrics);
    for (const [name, type, labels] of SERIES) {
      assert.equal(exposition.types.get(name), type, `${name} type`);
      assert.ok((exposition.help.get(name) ?? '').length > 10, `${name} help`);
      const sampleName = type === 'histogram' ? `${name}_count` : name;
      const samples = find(exposition, sampleName);
      assert.ok(samples.length > 0, `${name} has samples`);
      for (const s of samples) assert.deepEqual(Object.keys(s.labels).sort(), [...labels].sort(), `${name} labels`);
    }
    for (const name of DEFAULT_PROCESS_SERIES) assert.ok(exposition.types.has(name), `${name} (default metrics, prefixed)`);
    const unprefixed = [...exposition.types.keys()].filter((n) => !n.startsWith('jussi_'));
    assert.deepEqual(unprefixed, []);
  });

  it('uses buckets from sub-millisecond to a minute', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.itemFinished(GET_BLOCK, 'single', true, 0.0002);
    const exposition = await scrape(metrics);
    const les = find(exposition, 'jussi_request_duration_seconds_bucket').map((s) => s.labels['le']);
    assert.ok(les.includes('0.0005') && les.includes('60') && les.includes('+Inf'), les.join(','));
    assert.equal(value(exposition, 'jussi_request_duration_seconds_bucket', { le: '0.0005', method: 'get_block' }), 1);
  });
});

describe('metrics: values after a known sequence', () => {
  it('counts items, errors, batches, cache and upstream calls', async () => {
    const metrics = withProviders();
    // One single request that hit the memory cache.
    metrics.requestStarted();
    metrics.cacheOperation('memory', 'get', 'hit', 0.00002);
    metrics.itemFinished(GET_BLOCK, 'single', true, 0.0008);
    metrics.requestFinished();
    // One batch of three: two misses sent upstream, one error.
    metrics.requestStarted();
    metrics.batchSize(3);
    metrics.cacheOperation('memory', 'get', 'miss', 0.00001);
    metrics.cacheOperation('redis', 'get', 'miss', 0.002);
    metrics.cacheOperation('redis', 'get', 'timeout', 1.0);
    metrics.upstreamRequest('https://api.example.com', 'http', 0.12, null);
    metrics.upstreamRequest('wss://user:pw@steemd.example:8090', 'websocket', 0.3, 'closed');
    metrics.itemFinished(GET_BLOCK, 'batch', true, 0.15);
    metrics.itemFinished(GET_ACCOUNTS, 'batch', false, 0.31);
    metrics.itemFinished(UNPARSED_LABELS, 'batch', false, 0.001);
    metrics.requestError(1100);
    metrics.requestError(-32600);
    metrics.cacheOperation('redis', 'set', 'hit', 0.003);
    // Still in flight: the second request has not finished yet.
    metrics.configReload('success');
    metrics.configReload('failure');
    metrics.configReload('success');

    const e = await scrape(metrics);
    const item = (labels: Record<string, string>) => value(e, 'jussi_requests_total', labels);
    assert.equal(item({ namespace: 'appbase', api: 'condenser_api', method: 'get_block', type: 'single', status: 'ok' }), 1);
    assert.equal(item({ namespace: 'appbase', api: 'condenser_api', method: 'get_block', type: 'batch', status: 'ok' }), 1);
    assert.equal(item({ namespace: 'steemd', api: 'database_api', method: 'get_accounts', type: 'batch', status: 'error' }), 1);
    assert.equal(item({ namespace: 'unknown', api: 'other', method: 'other', type: 'batch', status: 'error' }), 1);
    assert.equal(find(e, 'jussi_requests_total', { method: 'get_accounts', type: 'single' }).length, 0, 'series appear on first use');
    assert.equal(value(e, 'jussi_request_duration_seconds_count', { method: 'get_accounts', type: 'batch', status: 'error' }), 1);
    assert.ok(Math.abs(value(e, 'jussi_request_duration_seconds_sum', { method: 'get_accounts', type: 'batch', status: 'error' }) - 0.31) < 1e-9);
    assert.equal(value(e, 'jussi_request_errors_total', { code: '1100' }), 1);
    assert.equal(value(e, 'jussi_request_errors_total', { code: '-32600' }), 1);
    assert.equal(value(e, 'jussi_requests_in_flight'), 1);
    assert.equal(value(e, 'jussi_batch_size_count'), 1);
    assert.equal(value(e, 'jussi_batch_size_sum'), 3);
    assert.equal(value(e, 'jussi_batch_size_bucket', { le: '2' }), 0);
    assert.equal(value(e, 'jussi_batch_size_bucket', { le: '5' }), 1);

    const cache = (tier: string, operation: string, result: string) => value(e, 'jussi_cache_operations_total', { tier, operation, result });
    assert.equal(cache('memory', 'get', 'hit'), 1);
    assert.equal(cache('memory', 'get', 'miss'), 1);
    assert.equal(cache('redis', 'get', 'miss'), 1);
    assert.equal(cache('redis', 'get', 'timeout'), 1);
    assert.equal(cache('redis', 'set', 'hit'), 1);
    assert.equal(cache('redis', 'get', 'error'), 0, 'series exist from the start');
    assert.equal(value(e, 'jussi_cache_hit_ratio', { tier: 'memory' }), 0.5);
    assert.equal(value(e, 'jussi_cache_hit_ratio', { tier: 'redis' }), 0, 'timeouts and misses are not hits');
    assert.equal(value(e, 'jussi_cache_operation_duration_seconds_count', { tier: 'redis', operation: 'get' }), 2);
    assert.equal(value(e, 'jussi_cache_entries'), 42);
    assert.equal(value(e, 'jussi_cache_bytes'), 4096);

    // Upstream labels never carry credentials.
    const ws = 'wss://steemd.example:8090';
    assert.equal(value(e, 'jussi_upstream_requests_total', { upstream: 'https://api.example.com', protocol: 'http' }), 1);
    assert.equal(value(e, 'jussi_upstream_requests_total', { upstream: ws, protocol: 'websocket' }), 1);
    assert.equal(value(e, 'jussi_upstream_errors_total', { upstream: ws, protocol: 'websocket', kind: 'closed' }), 1);
    assert.equal(find(e, 'jussi_upstream_errors_total', { protocol: 'http' }).length, 0);
    assert.equal(value(e, 'jussi_upstream_request_duration_seconds_count', { upstream: ws }), 1);
    assert.ok(!(await metrics.source().scrape()).body.includes('pw@'));

    assert.equal(value(e, 'jussi_websocket_pool_size', { upstream: ws }), 8);
    assert.equal(value(e, 'jussi_websocket_pool_active', { upstream: ws }), 3);
    assert.equal(value(e, 'jussi_websocket_pool_idle', { upstream: ws }), 5);
    assert.equal(value(e, 'jussi_http_pool_connections', { upstream: 'https://api.example.com' }), 14);
    assert.equal(find(e, 'jussi_http_pool_connections').length, 1);
    assert.equal(value(e, 'jussi_upstream_pending', { upstream: 'https://api.example.com', protocol: 'http' }), 3);
    assert.equal(value(e, 'jussi_upstream_in_flight', { upstream: ws, protocol: 'websocket' }), 4);
    assert.equal(value(e, 'jussi_upstream_healthy', { upstream: 'https://api.example.com', protocol: 'http' }), 0);
    assert.equal(value(e, 'jussi_upstream_healthy', { upstream: ws, protocol: 'websocket' }), 1);

    assert.equal(value(e, 'jussi_last_irreversible_block_num'), 51_000_000);
    assert.equal(value(e, 'jussi_config_reloads_total', { result: 'success' }), 2);
    assert.equal(value(e, 'jussi_config_reloads_total', { result: 'failure' }), 1);
    assert.equal(value(e, 'jussi_config_info', { hash: 'abc123' }), 1);
    assert.equal(value(e, 'jussi_build_info', { version: '0.1.0', source_commit: 'deadbeef', docker_tag: 'v1' }), 1);
  });

  it('follows providers set later and survives providers that throw', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let e = await scrape(metrics);
    assert.equal(find(e, 'jussi_config_info').length, 0, 'no hash before the first config');
    assert.equal(value(e, 'jussi_last_irreversible_block_num'), 0);
    assert.equal(find(e, 'jussi_websocket_pool_size').length, 0);

    let hash = 'one';
    metrics.setProviders({ configHash: () => hash, upstreams: () => UPSTREAMS.slice(0, 1) });
    e = await scrape(metrics);
    assert.equal(value(e, 'jussi_config_info', { hash: 'one' }), 1);
    hash = 'two';
    metrics.setProviders({ upstreams: () => [] });
    e = await scrape(metrics);
    assert.deepEqual(find(e, 'jussi_config_info').map((s) => s.labels['hash']), ['two'], 'the old hash is gone');
    assert.equal(find(e, 'jussi_websocket_pool_size').length, 0, 'removed upstreams disappear');

    metrics.setProviders({
      upstreams: () => { throw new Error('pool gone'); },
      cache: () => { throw new Error('cache gone'); },
      lastIrreversibleBlockNum: () => { throw new Error('x'); },
      configHash: () => { throw new Error('x'); },
    });
    e = await scrape(metrics);
    assert.equal(value(e, 'jussi_cache_entries'), 0);

    metrics.setProviders({
      lastIrreversibleBlockNum: () => Number.NaN,
      cache: () => ({ ...CACHE, memory: { entries: Number.POSITIVE_INFINITY, bytes: 1, maxBytes: 1 } }),
      upstreams: () => [{ ...UPSTREAMS[0]!, size: Number.NaN }],
    });
    e = await scrape(metrics);
    assert.equal(value(e, 'jussi_last_irreversible_block_num'), 0);
    assert.equal(value(e, 'jussi_cache_entries'), 0);
    assert.equal(value(e, 'jussi_cache_bytes'), 1);
    assert.equal(value(e, 'jussi_websocket_pool_size', { upstream: 'wss://steemd.example:8090' }), 0);
  });

  it('never throws on odd input', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    assert.doesNotThrow(() => {
      metrics.itemFinished(GET_BLOCK, 'single', true, Number.NaN);
      metrics.itemFinished(GET_BLOCK, 'single', true, -1);
      metrics.itemFinished({ namespace: 'a"b\\c\nd', api: '', method: '' }, 'batch', false, Infinity);
      metrics.batchSize(Number.NaN);
      metrics.batchSize(-3);
      metrics.cacheOperation('memory', 'get', 'hit', Number.NaN);
      metrics.upstreamRequest('', 'http', -5, 'connect');
      metrics.requestError(Number.NaN);
      metrics.requestFinished();
    });
  });
});

describe('metrics: bounded cardinality', () => {
  it('keeps series bounded for 10,000 distinct bogus methods and error codes', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const bounded = new MethodLabeler({ names: ['steemd', 'appbase'], prefixes: ['steemd', 'appbase'] });
    for (let i = 0; i < 10_000; i++) {
      metrics.itemFinished(bounded.labels({ namespace: 'appbase', api: 'condenser_api', method: `bogus_${i}` }), 'single', false, 0.001);
      metrics.itemFinished(bounded.labels({ namespace: `ns_${i}`, api: `api_${i}`, method: `m_${i}` }), 'batch', false, 0.001);
      metrics.requestError(100_000 + i);
    }
    const e = await scrape(metrics);
    const requestSeries = find(e, 'jussi_requests_total');
    // One series per label tuple used: whatever the methods, only the two fallbacks.
    assert.equal(requestSeries.length, 2);
    assert.equal(value(e, 'jussi_requests_total', { namespace: 'appbase', api: 'condenser_api', method: 'other', type: 'single', status: 'error' }), 10_000);
    assert.equal(value(e, 'jussi_requests_total', { namespace: 'unknown', api: 'other', method: 'other', type: 'batch', status: 'error' }), 10_000);
    assert.deepEqual(find(e, 'jussi_request_errors_total').map((s) => s.labels['code']), ['other']);
    assert.ok(e.samples.length < 200, `${e.samples.length} samples`);
  });

  it('labels error codes from the catalogue, JSON-RPC and the server-error range only', () => {
    const table: ReadonlyArray<readonly [number, string]> = [
      [-32700, '-32700'], [-32600, '-32600'], [-32601, '-32601'], [-32602, '-32602'], [-32603, '-32603'],
      [-32000, '-32000'], [-32099, '-32099'], [-32100, 'other'], [1000, '1000'], [1050, '1050'], [1100, '1100'],
      [1200, '1200'], [1600, '1600'], [1701, '1701'], [1800, '1800'], [42, 'other'], [0, 'other'],
    ];
    for (const [code, label] of table) assert.equal(errorCodeLabel(code), label, String(code));
  });
});

describe('metrics: aggregation of workers (cluster path)', () => {
  it('sums counters and histograms, averages the hit ratio, takes the max LIRB', async () => {
    const a = createMetrics({ providers: { lastIrreversibleBlockNum: () => 100, configHash: () => 'h1', cache: () => CACHE } });
    const b = createMetrics({ providers: { lastIrreversibleBlockNum: () => 105, configHash: () => 'h1', cache: () => CACHE } });
    for (const [m, n] of [[a, 2], [b, 3]] as const) {
      for (let i = 0; i < n; i++) m.itemFinished(GET_BLOCK, 'single', true, 0.01);
      m.requestStarted();
    }
    a.cacheOperation('memory', 'get', 'hit', 0.0001);
    b.cacheOperation('memory', 'get', 'miss', 0.0001);
    b.cacheOperation('memory', 'get', 'hit', 0.0001);
    const aggregated = await aggregateRegistries([a.registry, b.registry]);
    const e = parseExposition(await aggregated.metrics());
    assert.equal(value(e, 'jussi_requests_total', { method: 'get_block', type: 'single', status: 'ok' }), 5);
    assert.equal(value(e, 'jussi_request_duration_seconds_count', { method: 'get_block', type: 'single', status: 'ok' }), 5);
    assert.equal(value(e, 'jussi_request_duration_seconds_bucket', { method: 'get_block', type: 'single', status: 'ok', le: '0.01' }), 5);
    assert.equal(value(e, 'jussi_requests_in_flight'), 2);
    assert.equal(value(e, 'jussi_cache_hit_ratio', { tier: 'memory' }), 0.75);
    assert.equal(value(e, 'jussi_last_irreversible_block_num'), 105);
    assert.equal(value(e, 'jussi_config_info', { hash: 'h1' }), 1);
    assert.equal(value(e, 'jussi_cache_entries'), 84, 'each worker has its own memory tier');
    assert.ok(e.types.has('jussi_nodejs_heap_size_used_bytes'));
  });
});
