// Finding proxy pods through the fake API server and pulling /state from little HTTP servers
// standing in for the proxies (pods at 127.0.0.1 with distinct admin ports).

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import type { StateReport } from '@jussi/proxy/admin/state-report';
import { mapWithConcurrency } from '@jussi/operator/kube/concurrency';
import { ADMIN_PORT_ANNOTATION, ProxyDiscovery, type ProxyEndpoint } from '@jussi/operator/kube/proxy-discovery';
import { parseStateReport } from '@jussi/operator/kube/state-report-parse';
import { pullStates } from '@jussi/operator/kube/state-pull';
import { FakeKube, waitFor } from '../../support/fake-kube/index.js';

const NS = 'jussi';
const SELECTOR = 'app.kubernetes.io/name=jussi,app.kubernetes.io/component=proxy';
const PROXY_LABELS = { 'app.kubernetes.io/name': 'jussi', 'app.kubernetes.io/component': 'proxy' };

function report(hash: string): StateReport {
  return {
    service: 'jussi', configHash: hash, configLoadedAt: '2026-01-01T00:00:00Z', configSource: 'configmap jussi/proxy-config key config.json',
    lastReloadError: null, ready: true, workers: 2, redis: 'up', degraded: false, lastIrreversibleBlockNum: 100,
    upstreams: [{ url: 'https://a.example', protocol: 'http', upstreams: ['steemd'], size: 4, active: 1, idle: 3, pending: 0, inFlight: 1, healthy: true, lastError: null }],
    cacheRules: [{ prefix: 'steemd.database_api', hits: 10, misses: 2 }],
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** A stand-in proxy admin port answering GET /state. */
function fakeProxy(body: unknown, status = 200): Promise<{ server: Server; port: number }> {
  return httpServer((req, res) => {
    if (req.url !== '/state') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

function endpoint(pod: string, port: number): ProxyEndpoint {
  return { pod, namespace: NS, ip: '127.0.0.1', port, baseUrl: `http://127.0.0.1:${port}` };
}

describe('ProxyDiscovery', () => {
  it('keeps the ready proxy pods with an IP, with the admin port from the annotation', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    const pod = (name: string, extra: Partial<Parameters<FakeKube['putPod']>[0]> = {}) =>
      kube.putPod({ name, namespace: NS, labels: PROXY_LABELS, podIP: '127.0.0.1', ...extra });
    pod('p1', { annotations: { [ADMIN_PORT_ANNOTATION]: '9101' } });
    pod('p2', { ready: false, annotations: { [ADMIN_PORT_ANNOTATION]: '9102' } });
    pod('p3', { podIP: undefined });
    pod('p4', { annotations: { [ADMIN_PORT_ANNOTATION]: 'not-a-port' } });
    pod('p5', { phase: 'Succeeded' });
    pod('other', { labels: { 'app.kubernetes.io/name': 'something-else' } });
    kube.putPod({ name: 'elsewhere', namespace: 'other-ns', labels: PROXY_LABELS, podIP: '127.0.0.1' });

    const discovery = new ProxyDiscovery({ kubeConfig: kube.kubeConfig(), namespace: NS, labelSelector: SELECTOR, adminPort: 9090, tuning: { watchTimeoutSeconds: 0 } });
    cleanups.push(() => discovery.stop());
    let changes = 0;
    discovery.onChange(() => {
      changes += 1;
    });
    await discovery.start();
    assert.equal(discovery.hasSynced(), true);
    const set = discovery.proxies();
    assert.equal(set.total, 4, 'p1-p4: the finished pod and the ones outside the selector or namespace do not count');
    assert.deepEqual(set.ready.map((e) => [e.pod, e.port, e.baseUrl]), [
      ['p1', 9101, 'http://127.0.0.1:9101'],
      ['p4', 9090, 'http://127.0.0.1:9090'],
    ]);
    const [list] = kube.requests({ verb: 'list', path: '/pods' });
    assert.equal(list?.query['labelSelector'], SELECTOR);

    const before = changes;
    pod('p2', { annotations: { [ADMIN_PORT_ANNOTATION]: '9102' } });
    await waitFor(() => discovery.proxies().ready.length === 3, 'p2 became ready');
    assert.ok(changes > before);
    kube.remove('v1', 'Pod', NS, 'p1');
    await waitFor(() => discovery.proxies().ready.every((e) => e.pod !== 'p1'), 'p1 gone');
  });

  it('accepts a port function instead of the annotation', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    kube.putPod({ name: 'a', namespace: NS, labels: PROXY_LABELS, podIP: '10.0.0.7' });
    kube.putPod({ name: 'b', namespace: NS, labels: PROXY_LABELS, podIP: 'fd00::7' });
    const discovery = new ProxyDiscovery({
      kubeConfig: kube.kubeConfig(), namespace: NS, labelSelector: SELECTOR, adminPort: 9090,
      portOf: (p) => (p.metadata.name === 'a' ? 7001 : undefined), tuning: { watchTimeoutSeconds: 0 },
    });
    cleanups.push(() => discovery.stop());
    await discovery.start();
    assert.deepEqual(discovery.proxies().ready.map((e) => e.baseUrl), ['http://10.0.0.7:7001', 'http://[fd00::7]:9090']);
  });
});

describe('pullStates', () => {
  it('returns a report or an error for each proxy, in order', async () => {
    const good = await fakeProxy(report('abc'));
    const failing = await fakeProxy({ error: 'boom' }, 503);
    const notJson = await fakeProxy('<html>');
    const wrongShape = await fakeProxy({ ...report('x'), redis: 'sideways' });
    const silent = await httpServer(() => undefined);
    const closed = await httpServer(() => undefined);
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));

    const started = Date.now();
    const results = await pullStates([
      endpoint('good', good.port), endpoint('failing', failing.port), endpoint('not-json', notJson.port),
      endpoint('wrong-shape', wrongShape.port), endpoint('silent', silent.port), endpoint('closed', closed.port),
    ], { timeoutMs: 500 });
    assert.ok(Date.now() - started < 5_000, 'the silent proxy timed out');
    assert.deepEqual(results.map((r) => r.endpoint.pod), ['good', 'failing', 'not-json', 'wrong-shape', 'silent', 'closed']);
    assert.deepEqual(results[0]?.result, { ok: true, report: report('abc') });
    const errors = results.slice(1).map((r) => (r.result.ok ? 'ok' : r.result.error));
    assert.match(errors[0] ?? '', /HTTP 503$/);
    assert.match(errors[1] ?? '', /not JSON/);
    assert.match(errors[2] ?? '', /state\.redis must be one of/);
    assert.match(errors[3] ?? '', /no answer within 500 ms/);
    assert.match(errors[4] ?? '', /ECONNREFUSED|fetch failed/);
  });

  it('has at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = await httpServer((_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report('h')));
      }, 50);
    });
    const endpoints = Array.from({ length: 20 }, (_, i) => endpoint(`p${i}`, slow.port));
    const results = await pullStates(endpoints, { concurrency: 3, timeoutMs: 10_000 });
    assert.equal(results.filter((r) => r.result.ok).length, 20);
    assert.ok(peak <= 3, `peak ${peak}`);
    assert.ok(peak >= 2, 'requests do run concurrently');
  });

  it('mapWithConcurrency keeps order and handles empty input', async () => {
    assert.deepEqual(await mapWithConcurrency([], 4, async (x: number) => x), []);
    assert.deepEqual(await mapWithConcurrency([3, 1, 2], 2, async (x) => {
      await new Promise((r) => setTimeout(r, x * 5));
      return x * 10;
    }), [30, 10, 20]);
  });
});

describe('parseStateReport', () => {
  const table: { name: string; value: unknown; error?: RegExp }[] = [
    { name: 'a full report', value: report('abc') },
    { name: 'before the first config', value: { ...report('x'), configHash: null, configLoadedAt: null, lastIrreversibleBlockNum: null } },
    { name: 'with a reload error', value: { ...report('x'), lastReloadError: { at: 't', message: 'bad', hash: null } } },
    { name: 'with rate limits', value: { ...report('x'), rateLimits: { mode: 'local', peers: 3, limited: { 'per-client': 12 } } } },
    { name: 'without rate limits configured', value: { ...report('x'), rateLimits: null } },
    { name: 'not an object', value: [1], error: /must be a JSON object/ },
    { name: 'another service', value: { ...report('x'), service: 'nginx' }, error: /service must be "jussi"/ },
    { name: 'a bad upstream', value: { ...report('x'), upstreams: [{ url: 'u' }] }, error: /upstreams\[0\]\.protocol/ },
    { name: 'a bad rule', value: { ...report('x'), cacheRules: [{ prefix: 'p', hits: 'many', misses: 0 }] }, error: /cacheRules\[0\]\.hits must be a number/ },
    { name: 'a bad ready flag', value: { ...report('x'), ready: 'yes' }, error: /state\.ready must be a boolean/ },
  ];
  for (const row of table) {
    it(row.name, () => {
      const parsed = parseStateReport(row.value);
      if (row.error === undefined) assert.deepEqual(parsed, { ok: true, report: row.value });
      else assert.match(parsed.ok ? '' : parsed.error, row.error);
    });
  }
});
