// The small client helpers: where the configuration comes from, call deadlines and content
// types, raw GETs, and reading errors.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy } from '@kubernetes/client-node';
import { isTransient, kubeErrorInfo, KubeHttpError, parseRetryAfter } from '@jussi/proxy/kube/errors';
import { getJson } from '@jussi/proxy/kube/get-json';
import { loadKubeConfig, SERVICE_ACCOUNT_DIR } from '@jussi/proxy/kube/kubeconfig';
import { isConfigMap, isNamedObject, isPod, objectKey } from '@jussi/proxy/kube/objects';
import { callOptions } from '@jussi/proxy/kube/request-options';
import { collectionPath } from '@jussi/proxy/kube/resource';
import { FAKE_TOKEN, FakeKube } from '../../support/fake-kube/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jussi-kube-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('loadKubeConfig', () => {
  it('uses the service account in a pod', async () => {
    const root = await tempDir();
    const sa = join(root, SERVICE_ACCOUNT_DIR);
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, 'token'), 'sa-token');
    await writeFile(join(sa, 'namespace'), 'jussi-system\n');
    const r = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBECONFIG: '/nowhere' }, serviceAccountRoot: root });
    assert.ok(r.ok);
    assert.equal(r.kubeConfig.getCurrentCluster()?.server, 'https://10.96.0.1:443');
    assert.equal(r.kubeConfig.getCurrentCluster()?.caFile, join(sa, 'ca.crt'));
    assert.equal(r.namespace, 'jussi-system');
    assert.match(r.origin, /^in-cluster service account/);
    const v6 = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: root });
    assert.equal(v6.ok ? v6.kubeConfig.getCurrentCluster()?.server : '', 'https://[fd00::1]:443');
  });

  it('reads KUBECONFIG outside a pod, and the result talks to the server', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    const dir = await tempDir();
    const file = join(dir, 'config');
    await kube.writeKubeconfig(file, 'team-a');
    const r = loadKubeConfig({ env: { KUBECONFIG: `/missing:${file}` }, serviceAccountRoot: dir, home: dir });
    assert.ok(r.ok);
    assert.equal(r.namespace, 'team-a');
    assert.equal(r.origin, `KUBECONFIG ${file}`);
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'team-a' } });
    const cm = await r.kubeConfig.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'x', namespace: 'team-a' });
    assert.equal(cm.metadata?.name, 'x');
  });

  it('falls back to ~/.kube/config, and says so when nothing is configured', async () => {
    const home = await tempDir();
    const none = loadKubeConfig({ env: {}, home, serviceAccountRoot: home });
    assert.equal(none.ok, false);
    assert.match(none.ok ? '' : none.message, /no Kubernetes configuration/);
    await mkdir(join(home, '.kube'));
    await writeFile(join(home, '.kube', 'config'), 'clusters: [not, valid');
    const bad = loadKubeConfig({ env: {}, home, serviceAccountRoot: home });
    assert.match(bad.ok ? '' : bad.message, /cannot load the Kubernetes configuration/);
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    await kube.writeKubeconfig(join(home, '.kube', 'config'));
    const good = loadKubeConfig({ env: {}, home, serviceAccountRoot: home });
    assert.ok(good.ok);
    assert.equal(good.kubeConfig.getCurrentCluster()?.server, kube.url);
    const missing = loadKubeConfig({ env: { KUBECONFIG: '/missing/a' }, home, serviceAccountRoot: home });
    assert.match(missing.ok ? '' : missing.message, /KUBECONFIG names no existing file/);
    const explicit = new KubeConfig();
    const given = loadKubeConfig({ kubeConfig: explicit });
    assert.ok(given.ok && given.kubeConfig === explicit);
  });
});

describe('callOptions', () => {
  it('gives each call a deadline', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    kube.failNext({ verb: 'get', status: 'hang' });
    const api = kube.kubeConfig().makeApiClient(CoreV1Api);
    const started = Date.now();
    await assert.rejects(api.readNamespacedConfigMap({ name: 'x', namespace: 'ns' }, callOptions({ timeoutMs: 300 })), (err: unknown) => kubeErrorInfo(err).aborted);
    assert.ok(Date.now() - started < 5_000, 'the 300 ms deadline fired');
  });

  it('sets the Content-Type of a patch', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' } });
    const api = kube.kubeConfig().makeApiClient(CoreV1Api);
    await api.patchNamespacedConfigMap({ name: 'x', namespace: 'ns', body: { data: { a: '1' } } }, callOptions({ contentType: PatchStrategy.MergePatch }));
    const [patch] = kube.requests({ verb: 'patch' });
    assert.equal(patch?.contentType, 'application/merge-patch+json');
    assert.equal(patch?.status, 200);
  });
});

describe('getJson', () => {
  it('GETs with the kubeconfig credentials and returns plain JSON, or a KubeHttpError', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' } });
    const body = await getJson(kube.kubeConfig(), collectionPath({ group: '', version: 'v1', plural: 'configmaps', namespace: 'ns' }), { query: { fieldSelector: 'metadata.name=x' } });
    assert.equal((body as { items: { metadata: { creationTimestamp: unknown } }[] }).items[0]?.metadata.creationTimestamp?.constructor, String);
    const [get] = kube.requests({ verb: 'list' });
    assert.equal(get?.query['fieldSelector'], 'metadata.name=x');
    kube.failNext({ verb: 'get', status: 429, retryAfterSeconds: 7 });
    await assert.rejects(getJson(kube.kubeConfig(), '/api/v1/namespaces/ns/configmaps/x'), (err: unknown) => {
      assert.ok(err instanceof KubeHttpError);
      const info = kubeErrorInfo(err);
      assert.equal(info.status, 429);
      assert.equal(info.retryAfterMs, 7000);
      assert.equal(info.reason, 'TooManyRequests');
      return true;
    });
    kube.failNext({ verb: 'get', status: 'hang' });
    await assert.rejects(getJson(kube.kubeConfig(), '/api/v1/namespaces/ns/configmaps/x', { timeoutMs: 200 }), (err: unknown) => kubeErrorInfo(err).aborted);
  });

  it('sends the bearer token from the kubeconfig', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    await getJson(kube.kubeConfig(), '/api/v1/namespaces/ns/configmaps');
    assert.deepEqual(kube.requests().map((r) => r.authorization), [`Bearer ${FAKE_TOKEN}`]);
  });
});

describe('kubeErrorInfo', () => {
  const table: { name: string; err: unknown; status: number | null; reason?: string | null; retryAfterMs?: number | null; transient: boolean; message?: RegExp }[] = [
    { name: 'ApiException with a Status body', err: new ApiException(409, 'x', '{"kind":"Status","reason":"Conflict","message":"the object has been modified"}', {}), status: 409, reason: 'Conflict', transient: false, message: /^HTTP 409: the object has been modified$/ },
    { name: 'ApiException 429 with Retry-After', err: new ApiException(429, 'x', '{}', { 'retry-after': '2' }), status: 429, retryAfterMs: 2000, transient: true },
    { name: 'ApiException 503 with details.retryAfterSeconds', err: new ApiException(503, 'x', '{"details":{"retryAfterSeconds":4}}', {}), status: 503, retryAfterMs: 4000, transient: true },
    { name: 'a watch error', err: Object.assign(new Error('Gone'), { statusCode: 410 }), status: 410, transient: false },
    { name: 'a refused connection', err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), status: null, transient: true, message: /ECONNREFUSED \(ECONNREFUSED\)$/ },
    { name: 'a plain string', err: 'boom', status: null, transient: true, message: /^boom$/ },
    { name: 'a body that is not JSON', err: new KubeHttpError(502, '<html>bad gateway</html>', {}), status: 502, transient: true, message: /^HTTP 502: <html>/ },
  ];
  for (const row of table) {
    it(row.name, () => {
      const info = kubeErrorInfo(row.err);
      assert.equal(info.status, row.status);
      if (row.reason !== undefined) assert.equal(info.reason, row.reason);
      if (row.retryAfterMs !== undefined) assert.equal(info.retryAfterMs, row.retryAfterMs);
      if (row.message !== undefined) assert.match(info.message, row.message);
      assert.equal(isTransient(info), row.transient);
    });
  }

  it('parses Retry-After as seconds or as a date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter('soon'), null);
    assert.equal(parseRetryAfter(null), null);
  });
});

describe('object guards', () => {
  it('narrow API objects', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' }, data: { k: 'v' } };
    assert.equal(isConfigMap(cm), true);
    assert.equal(isConfigMap({ ...cm, data: { k: 1 } }), false);
    assert.equal(isNamedObject({ metadata: { name: '' } }), false);
    assert.equal(isNamedObject({ metadata: { name: 'x', labels: { a: 1 } } }), false);
    assert.equal(isPod({ metadata: { name: 'p' }, status: 'Running' }), false);
    assert.equal(objectKey(cm as Parameters<typeof objectKey>[0]), 'n/a');
    assert.equal(collectionPath({ group: 'jussi.io', version: 'v1alpha1', plural: 'cacherules' }), '/apis/jussi.io/v1alpha1/cacherules');
  });
});
