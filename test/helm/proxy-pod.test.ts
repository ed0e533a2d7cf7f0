// The chart's proxy container against the real proxy program: the proxy runs (from source) with
// exactly the environment the chart renders, against a fake Kubernetes API holding the config
// ConfigMap and a fake upstream, and must become ready on the readiness probe's path and port,
// answer the liveness and startup probes, serve JSON-RPC on the Service's target port, make
// only API requests that the chart's proxy Role allows, and stop within its grace on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONFIG_MAP_KEY } from '@jussi/operator/names';
import { FakeKube } from '../support/fake-kube/index.js';
import { freePort } from '../support/fake-upstream/index.js';
import { repoRoot } from '../support/repo.js';
import { findObject, NAMESPACE, renderObjects } from './support/helm.js';
import { asArray, asRecord, at, containersOf, envOf, rulesOf } from './support/objects.js';
import { allows, describeRequest } from './support/rbac.js';

async function waitForStatus(url: string, status: number, timeoutMs: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the proxy exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last}); proxy output: ${output()}`);
}

describe('the proxy container as the chart renders it, run against the real proxy', () => {
  let kube: FakeKube;
  let upstream: ChildProcess;
  let proxy: ChildProcess;
  let proxyOutput = '';
  let dir: string;
  let rpcPort = 0;
  let adminPort = 0;
  let container: Record<string, unknown> = {};
  let roleRules: ReturnType<typeof rulesOf> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jussi-proxy-pod-'));
    upstream = spawn(process.execPath, [join(repoRoot, 'test', 'e2e', 'fake-upstream.mjs')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let upstreamOut = '';
    const upstreamPort = await new Promise<string>((resolve, reject) => {
      upstream.stdout?.on('data', (c: Buffer) => {
        upstreamOut += c.toString('utf8');
        const m = /listening on (\d+)/.exec(upstreamOut);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      upstream.once('exit', (code) => reject(new Error(`fake upstream exited with ${String(code)}`)));
    });

    kube = await FakeKube.start();
    const document = {
      limits: {},
      upstreams: [{ name: 'podtest', urls: [['podtest', `http://127.0.0.1:${upstreamPort}`]], ttls: [['podtest', 3]], timeouts: [['podtest', 5]] }],
    };
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'jussi-proxy-config', namespace: NAMESPACE }, data: { [CONFIG_MAP_KEY]: JSON.stringify(document) } });
    // Another ConfigMap the proxy has no business reading.
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-else', namespace: NAMESPACE }, data: { secret: 'x' } });
    const kubeconfig = join(dir, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfig, NAMESPACE);

    rpcPort = await freePort();
    adminPort = await freePort();
    const objects = renderObjects({ set: { 'proxy.port': rpcPort, 'proxy.adminPort': adminPort } });
    const view = containersOf(objects).find((c) => c.pod.owner === 'Deployment/jussi-proxy');
    assert.ok(view);
    container = view.container;
    roleRules = rulesOf(findObject(objects, 'Role', 'jussi-proxy')!);
    const env: Record<string, string> = {};
    for (const [k, v] of envOf(container)) if (v !== undefined) env[k] = v;
    assert.equal(env['JUSSI_CONFIG_CONFIGMAP'], `${NAMESPACE}/jussi-proxy-config`);

    proxy = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(repoRoot, 'proxy', 'src', 'cli.ts')], {
      cwd: repoRoot,
      // Only what the pod would have, plus where the API server is (in a pod: the service account).
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, ...env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proxy.stdout?.on('data', (c: Buffer) => { proxyOutput = (proxyOutput + c.toString('utf8')).slice(-20_000); });
    proxy.stderr?.on('data', (c: Buffer) => { proxyOutput = (proxyOutput + c.toString('utf8')).slice(-20_000); });
  });

  after(async () => {
    for (const child of [proxy, upstream]) {
      if (child !== undefined && child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    await kube?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  function probeUrl(probe: string): string {
    const get = asRecord(at(container, probe, 'httpGet'));
    const portName = get['port'];
    const port = asArray(container['ports']).map(asRecord).find((p) => p['name'] === portName)?.['containerPort'];
    return `http://127.0.0.1:${String(port)}${String(get['path'])}`;
  }

  it('becomes ready on the readiness probe once it has loaded the ConfigMap, and answers the other probes', { timeout: 120_000 }, async () => {
    await waitForStatus(probeUrl('readinessProbe'), 200, 90_000, proxy, () => proxyOutput);
    for (const probe of ['livenessProbe', 'startupProbe']) {
      const res = await fetch(probeUrl(probe));
      assert.equal(res.status, 200, probe);
    }
  });

  it('serves JSON-RPC on the port the Service targets (rpc)', async () => {
    const res = await fetch(`http://127.0.0.1:${rpcPort}/`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'podtest.get_value', params: [1] }) });
    const body = (await res.json()) as { result?: { method?: unknown } };
    assert.equal(body.result?.method, 'podtest.get_value', JSON.stringify(body));
    const metrics = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /jussi_requests_total/);
  });

  it('made only API requests the chart\'s proxy Role allows (one ConfigMap, read-only)', () => {
    const requests = kube.requests().filter((r) => r.verb !== 'discovery');
    assert.ok(requests.length > 0, 'the proxy never called the API');
    const denied = requests
      .map((r) => ({ r, req: describeRequest(r.verb, r.path, r.query) }))
      .filter(({ req }) => req === undefined || !allows(roleRules, req))
      .map(({ r }) => `${r.verb} ${r.path}?${new URLSearchParams(r.query).toString()}`);
    assert.deepEqual(denied, [], 'requests the Role would deny (a list or watch must carry fieldSelector=metadata.name=<name>)');
  });

  it('stops within its shutdown grace on SIGTERM', { timeout: 60_000 }, async () => {
    const grace = Number(envOf(container).get('JUSSI_SHUTDOWN_GRACE'));
    const started = Date.now();
    proxy.kill('SIGTERM');
    if (proxy.exitCode === null) await once(proxy, 'exit');
    assert.ok(Date.now() - started < (grace + 10) * 1000, 'the proxy outlived its grace');
    assert.equal(proxy.exitCode, 0, proxyOutput);
  });
});

describe('RBAC evaluation used above', () => {
  const rules = [{ role: 'r', apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'], verbs: ['get', 'list', 'watch'] }];
  const table: ReadonlyArray<{ verb: string; path: string; query: Record<string, string>; allowed: boolean }> = [
    { verb: 'get', path: '/api/v1/namespaces/ns/configmaps/cfg', query: {}, allowed: true },
    { verb: 'get', path: '/api/v1/namespaces/ns/configmaps/other', query: {}, allowed: false },
    { verb: 'list', path: '/api/v1/namespaces/ns/configmaps', query: { fieldSelector: 'metadata.name=cfg' }, allowed: true },
    { verb: 'list', path: '/api/v1/namespaces/ns/configmaps', query: {}, allowed: false },
    { verb: 'list', path: '/api/v1/namespaces/ns/configmaps', query: { watch: 'true', fieldSelector: 'metadata.name=cfg' }, allowed: true },
    { verb: 'watch', path: '/api/v1/namespaces/ns/configmaps', query: { fieldSelector: 'metadata.name=other' }, allowed: false },
    { verb: 'patch', path: '/api/v1/namespaces/ns/configmaps/cfg', query: {}, allowed: false },
    { verb: 'get', path: '/api/v1/namespaces/ns/secrets/cfg', query: {}, allowed: false },
    { verb: 'get', path: '/apis/jussi.io/v1alpha1/namespaces/ns/jsonrpcupstreams/x', query: {}, allowed: false },
  ];
  for (const row of table) {
    it(`${row.verb} ${row.path} ${JSON.stringify(row.query)} -> ${row.allowed ? 'allowed' : 'denied'}`, () => {
      const req = describeRequest(row.verb, row.path, row.query);
      assert.ok(req);
      assert.equal(allows(rules, req), row.allowed);
    });
  }
  it('reads subresources and API groups from the path', () => {
    assert.deepEqual(describeRequest('patch', '/apis/jussi.io/v1alpha1/namespaces/a/cacherules/r/status', {}),
      { verb: 'patch', apiGroup: 'jussi.io', resource: 'cacherules/status', namespace: 'a', name: 'r' });
    assert.equal(describeRequest('discovery', '/apis', {}), undefined);
  });
});
