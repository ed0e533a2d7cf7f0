// The fake API server's own behaviour: the semantics the operator and proxy tests rely on.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { FakeKube, pause, waitFor, type JsonObject } from '../../support/fake-kube/index.js';
import { rawRequest, rawWatch } from '../../support/fake-kube/raw-client.js';

const NS = 'fk';
const CR_PATH = `/apis/jussi.io/v1alpha1/namespaces/${NS}/jsonrpcupstreams`;
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps`;

function upstream(name: string, spec: JsonObject = { namespace: 'steemd', routes: [{ prefix: 'steemd', url: 'https://a.example' }] }): JsonObject {
  return { apiVersion: 'jussi.io/v1alpha1', kind: 'JsonRpcUpstream', metadata: { name, namespace: NS }, spec };
}

function meta(obj: unknown): { name?: string; resourceVersion?: string; generation?: number; uid?: string; creationTimestamp?: string; labels?: Record<string, string> } {
  return ((obj as { metadata?: object }).metadata ?? {}) as ReturnType<typeof meta>;
}

describe('fake kube API server', () => {
  let kube: FakeKube;
  before(async () => {
    kube = await FakeKube.start({ bookmarkIntervalMs: 100 });
  });
  after(async () => {
    await kube.close();
  });

  it('serves discovery well enough for client-node KubernetesObjectApi', async () => {
    const api = KubernetesObjectApi.makeApiClient(kube.kubeConfig(NS));
    await api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'disc', namespace: NS }, data: { a: '1' } } as JsonObject);
    await api.create(upstream('disc'));
    const cms = await api.list('v1', 'ConfigMap', NS);
    assert.deepEqual(cms.items.map((i) => i.metadata?.name), ['disc']);
    const crs = await api.list('jussi.io/v1alpha1', 'JsonRpcUpstream', NS);
    assert.deepEqual(crs.items.map((i) => i.metadata?.name), ['disc']);
    const groups = await rawRequest(kube.url, 'GET', '/apis');
    assert.ok(JSON.stringify(groups.body).includes('"jussi.io/v1alpha1"'));
    const res = await rawRequest(kube.url, 'GET', '/apis/jussi.io/v1alpha1');
    const names = (res.body as { resources: { name: string }[] }).resources.map((r) => r.name).sort();
    assert.deepEqual(names, ['cacherules', 'cacherules/status', 'jsonrpcupstreams', 'jsonrpcupstreams/status', 'ratelimitpolicies', 'ratelimitpolicies/status']);
  });

  it('keeps one global, increasing resourceVersion and sets uid and creationTimestamp on create', async () => {
    const a = await rawRequest(kube.url, 'POST', CM_PATH, { metadata: { name: 'rv-a' }, data: {} });
    const b = await rawRequest(kube.url, 'POST', CR_PATH, upstream('rv-b'));
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.ok(Number(meta(b.body).resourceVersion) > Number(meta(a.body).resourceVersion));
    assert.match(meta(a.body).uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(meta(a.body).creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const list = await rawRequest(kube.url, 'GET', CM_PATH);
    assert.equal((list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion, String(kube.resourceVersion()));
  });

  it('answers CREATE of an existing name with 409 AlreadyExists and a stale UPDATE with 409 Conflict', async () => {
    await rawRequest(kube.url, 'POST', CM_PATH, { metadata: { name: 'occ' }, data: { v: '1' } });
    const dup = await rawRequest(kube.url, 'POST', CM_PATH, { metadata: { name: 'occ' }, data: {} });
    assert.equal(dup.status, 409);
    assert.equal((dup.body as { reason: string }).reason, 'AlreadyExists');
    const live = await rawRequest(kube.url, 'GET', `${CM_PATH}/occ`);
    const rv = meta(live.body).resourceVersion ?? '';
    const ok = await rawRequest(kube.url, 'PUT', `${CM_PATH}/occ`, { metadata: { name: 'occ', resourceVersion: rv }, data: { v: '2' } });
    assert.equal(ok.status, 200);
    const stale = await rawRequest(kube.url, 'PUT', `${CM_PATH}/occ`, { metadata: { name: 'occ', resourceVersion: rv }, data: { v: '3' } });
    assert.equal(stale.status, 409);
    assert.equal((stale.body as { reason: string }).reason, 'Conflict');
    const unconditional = await rawRequest(kube.url, 'PUT', `${CM_PATH}/occ`, { metadata: { name: 'occ' }, data: { v: '4' } });
    assert.equal(unconditional.status, 200);
    const missing = await rawRequest(kube.url, 'PUT', `${CM_PATH}/nope`, { metadata: { name: 'nope' }, data: {} });
    assert.equal(missing.status, 404);
  });

  it('splits spec and status: generation starts at 1 and bumps only when spec changes', async () => {
    const created = await rawRequest(kube.url, 'POST', CR_PATH, { ...upstream('gen'), status: { observedGeneration: 9 } });
    assert.equal(meta(created.body).generation, 1);
    assert.equal((created.body as JsonObject)['status'], undefined, 'create ignores status');

    const labelled = await rawRequest(kube.url, 'PATCH', `${CR_PATH}/gen`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    assert.equal(meta(labelled.body).generation, 1, 'metadata changes keep the generation');

    const specChange = await rawRequest(kube.url, 'PATCH', `${CR_PATH}/gen`, { spec: { translateToAppbase: true }, status: { x: 1 } }, 'application/merge-patch+json');
    assert.equal(meta(specChange.body).generation, 2);
    assert.equal((specChange.body as JsonObject)['status'], undefined, 'spec writes ignore status');

    const before = (await rawRequest(kube.url, 'GET', `${CR_PATH}/gen`)).body as JsonObject;
    const statusPut = await rawRequest(kube.url, 'PUT', `${CR_PATH}/gen/status`, { ...before, spec: { namespace: 'changed', routes: [] }, status: { observedGeneration: 2 } });
    assert.equal(statusPut.status, 200);
    assert.deepEqual((statusPut.body as JsonObject)['status'], { observedGeneration: 2 });
    assert.deepEqual((statusPut.body as JsonObject)['spec'], before['spec'], 'status writes ignore spec');
    assert.equal(meta(statusPut.body).generation, 2);

    const noop = await rawRequest(kube.url, 'PATCH', `${CR_PATH}/gen/status`, { status: { observedGeneration: 2 } }, 'application/merge-patch+json');
    assert.equal(meta(noop.body).resourceVersion, meta(statusPut.body).resourceVersion, 'an unchanged write keeps the version');

    const cmStatus = await rawRequest(kube.url, 'PUT', `${CM_PATH}/occ/status`, { metadata: { name: 'occ' } });
    assert.equal(cmStatus.status, 404, 'no status subresource on ConfigMaps');
  });

  it('applies each patch type, and refuses strategic merge on custom resources with 415', async () => {
    await rawRequest(kube.url, 'POST', CR_PATH, upstream('pt'));
    const cases: { name: string; contentType: string; body: unknown; status: number; check?: (o: JsonObject) => void }[] = [
      { name: 'merge patch sets and deletes', contentType: 'application/merge-patch+json', body: { spec: { pool: { httpConnections: 4 }, translateToAppbase: null } }, status: 200,
        check: (o) => assert.deepEqual((o['spec'] as JsonObject)['pool'], { httpConnections: 4 }) },
      { name: 'json patch', contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/spec/translateToAppbase', value: true }], status: 200,
        check: (o) => assert.equal((o['spec'] as JsonObject)['translateToAppbase'], true) },
      { name: 'json patch failing test op', contentType: 'application/json-patch+json', body: [{ op: 'test', path: '/spec/namespace', value: 'other' }], status: 422 },
      { name: 'strategic merge on a CR', contentType: 'application/strategic-merge-patch+json', body: { spec: {} }, status: 415 },
      { name: 'unknown content type', contentType: 'text/plain', body: 'x', status: 415 },
      { name: 'merge patch with a stale resourceVersion', contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '1' }, spec: { namespace: 'x' } }, status: 409 },
    ];
    for (const c of cases) {
      const res = await rawRequest(kube.url, 'PATCH', `${CR_PATH}/pt`, c.body, c.contentType);
      assert.equal(res.status, c.status, `${c.name}: ${res.text}`);
      c.check?.(res.body as JsonObject);
    }
    const sm = await rawRequest(kube.url, 'PATCH', `${CM_PATH}/occ`, { data: { extra: 'yes' } }, 'application/strategic-merge-patch+json');
    assert.equal(sm.status, 200, 'strategic merge works on built-in types');
    assert.equal(((sm.body as JsonObject)['data'] as JsonObject)['extra'], 'yes');
  });

  it('implements server-side apply: creates when absent, merges, records fieldManager and force', async () => {
    const core = kube.kubeConfig(NS).makeApiClient(CoreV1Api);
    kube.clearRequests();
    await core.patchNamespacedConfigMap(
      { name: 'ssa', namespace: NS, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: NS }, data: { k: 'v1' } }, fieldManager: 'tester', force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    assert.equal(kube.get('v1', 'ConfigMap', NS, 'ssa')?.['data'] !== undefined, true);
    const [w] = kube.writes({ path: '/configmaps/ssa' });
    assert.equal(w?.contentType, 'application/apply-patch+yaml');
    assert.equal(w?.query['fieldManager'], 'tester');
    assert.equal(w?.query['force'], 'true');
    assert.equal(w?.status, 201);

    const noManager = await rawRequest(kube.url, 'PATCH', `${CM_PATH}/ssa`, { data: {} }, 'application/apply-patch+yaml');
    assert.equal(noManager.status, 422);

    const crs = kube.kubeConfig(NS).makeApiClient(CustomObjectsApi);
    await rawRequest(kube.url, 'POST', CR_PATH, upstream('ssa-status'));
    await crs.patchNamespacedCustomObjectStatus(
      { group: 'jussi.io', version: 'v1alpha1', namespace: NS, plural: 'jsonrpcupstreams', name: 'ssa-status',
        body: { apiVersion: 'jussi.io/v1alpha1', kind: 'JsonRpcUpstream', metadata: { name: 'ssa-status', namespace: NS }, status: { observedGeneration: 1 } },
        fieldManager: 'tester', force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    assert.deepEqual(kube.get('jussi.io/v1alpha1', 'JsonRpcUpstream', NS, 'ssa-status')?.['status'], { observedGeneration: 1 });
    const missing = await rawRequest(kube.url, 'PATCH', `${CR_PATH}/absent/status?fieldManager=x`, { status: {} }, 'application/apply-patch+yaml');
    assert.equal(missing.status, 404, 'apply on the status of a missing object');
  });

  it('deletes, with 404 afterwards and for missing objects', async () => {
    await rawRequest(kube.url, 'POST', CM_PATH, { metadata: { name: 'del' } });
    assert.equal((await rawRequest(kube.url, 'DELETE', `${CM_PATH}/del`)).status, 200);
    assert.equal((await rawRequest(kube.url, 'GET', `${CM_PATH}/del`)).status, 404);
    assert.equal((await rawRequest(kube.url, 'DELETE', `${CM_PATH}/del`)).status, 404);
  });

  it('filters LIST by label and field selectors, in one namespace or all', async () => {
    const put = (ns: string, name: string, labels: Record<string, string>) => kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels } });
    put('sel-a', 'one', { app: 'jussi', tier: 'proxy' });
    put('sel-a', 'two', { app: 'jussi', tier: 'operator' });
    put('sel-a', 'three', { app: 'other' });
    put('sel-b', 'four', { app: 'jussi', tier: 'proxy' });
    const table: { query: string; ns: string | null; expect: string[] | number }[] = [
      { query: 'labelSelector=app%3Djussi', ns: 'sel-a', expect: ['one', 'two'] },
      { query: 'labelSelector=app%3D%3Djussi,tier!%3Dproxy', ns: 'sel-a', expect: ['two'] },
      { query: 'labelSelector=tier%20in%20(proxy,operator)', ns: 'sel-a', expect: ['one', 'two'] },
      { query: 'labelSelector=tier%20notin%20(proxy)', ns: 'sel-a', expect: ['three', 'two'] },
      { query: 'labelSelector=!tier', ns: 'sel-a', expect: ['three'] },
      { query: 'labelSelector=tier', ns: null, expect: ['four', 'one', 'two'] },
      { query: 'fieldSelector=metadata.name%3Done', ns: 'sel-a', expect: ['one'] },
      { query: 'fieldSelector=metadata.namespace%3Dsel-b', ns: null, expect: ['four'] },
      { query: 'fieldSelector=metadata.name!%3Done&labelSelector=app%3Djussi', ns: 'sel-a', expect: ['two'] },
      { query: 'fieldSelector=data.x%3D1', ns: 'sel-a', expect: 400 },
      { query: 'labelSelector=%3D%3D', ns: 'sel-a', expect: 400 },
    ];
    for (const row of table) {
      const path = row.ns === null ? `/api/v1/configmaps?${row.query}` : `/api/v1/namespaces/${row.ns}/configmaps?${row.query}`;
      const res = await rawRequest(kube.url, 'GET', path);
      if (typeof row.expect === 'number') {
        assert.equal(res.status, row.expect, row.query);
        continue;
      }
      const items = (res.body as { items: { metadata: { name: string }; kind?: string }[] }).items;
      assert.deepEqual(items.map((i) => i.metadata.name).sort(), [...row.expect].sort(), row.query);
      assert.ok(items.every((i) => i.kind === undefined), 'built-in list items carry no kind, like the apiserver');
    }
  });

  it('WATCHes from a resourceVersion, from nothing, and through selector transitions', async () => {
    const ns = 'w1';
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', namespace: ns } });
    const listRv = kube.resourceVersion();
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', namespace: ns, labels: { pick: 'yes' } } });

    const fromRv = await rawWatch(kube.url, `${path}?watch=true&resourceVersion=${listRv}`);
    const fromNothing = await rawWatch(kube.url, `${path}?watch=true`);
    const selected = await rawWatch(kube.url, `${path}?watch=true&resourceVersion=${listRv}&labelSelector=pick%3Dyes`);
    await waitFor(() => fromRv.events.length >= 1 && fromNothing.events.length >= 2 && selected.events.length >= 1, 'initial events');
    assert.deepEqual(fromRv.events.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'after']]);
    assert.deepEqual(fromNothing.events.map((e) => [e.type, e.object.metadata?.name]).sort(), [['ADDED', 'after'], ['ADDED', 'before']]);

    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', namespace: ns, labels: { pick: 'no' } } });
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', namespace: ns, labels: { pick: 'yes' } } });
    kube.remove('v1', 'ConfigMap', ns, 'before');
    await waitFor(() => selected.events.length >= 4, 'selector transitions');
    assert.deepEqual(selected.events.map((e) => [e.type, e.object.metadata?.name]), [
      ['ADDED', 'after'], ['DELETED', 'after'], ['ADDED', 'before'], ['DELETED', 'before'],
    ]);
    await waitFor(() => fromRv.events.length >= 4, 'all events');
    assert.deepEqual(fromRv.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
    const rvs = fromRv.events.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.deepEqual([...rvs].sort((a, b) => a - b), rvs, 'events arrive in resourceVersion order');
    for (const w of [fromRv, fromNothing, selected]) w.close();
  });

  it('sends bookmarks only when allowed, and none from a stalled watch', async () => {
    const path = `/api/v1/namespaces/bm/configmaps?watch=true&resourceVersion=${kube.resourceVersion()}`;
    const withBookmarks = await rawWatch(kube.url, `${path}&allowWatchBookmarks=true`);
    const without = await rawWatch(kube.url, path);
    await waitFor(() => withBookmarks.events.filter((e) => e.type === 'BOOKMARK').length >= 2, 'bookmarks');
    assert.equal(Number(withBookmarks.events[0]?.object.metadata?.resourceVersion), kube.resourceVersion());
    assert.equal(without.events.length, 0);
    assert.equal(kube.stallWatches({ path: '/namespaces/bm/' }), 2);
    const count = withBookmarks.events.length;
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'bm' } });
    // A stalled watch must stay silent through several bookmark periods (100 ms each).
    await pause(500);
    assert.equal(withBookmarks.events.length, count);
    withBookmarks.close();
    without.close();
  });

  it('refuses a watch from a compacted version: ERROR 410 by default, HTTP 410 when configured', async () => {
    const old = kube.resourceVersion();
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'gone' } });
    kube.compactHistory();
    const w = await rawWatch(kube.url, `/api/v1/namespaces/gone/configmaps?watch=true&resourceVersion=${old}`);
    assert.equal(w.status, 200);
    assert.equal(await w.ended, 'end');
    assert.equal(w.events[0]?.type, 'ERROR');
    assert.equal(w.events[0]?.object.code, 410);

    const strict = await FakeKube.start({ expiredWatch: 'http', historyLimit: 2 });
    try {
      const start = strict.resourceVersion();
      for (let i = 0; i < 4; i++) strict.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `n${i}`, namespace: 'x' } });
      const res = await rawRequest(strict.url, 'GET', `/api/v1/namespaces/x/configmaps?watch=true&resourceVersion=${start}`);
      assert.equal(res.status, 410);
      assert.equal((res.body as { reason: string }).reason, 'Expired');
      const recent = await rawWatch(strict.url, `/api/v1/namespaces/x/configmaps?watch=true&resourceVersion=${strict.resourceVersion() - 1}`);
      await waitFor(() => recent.events.length === 1, 'the last event from the bounded history');
      recent.close();
    } finally {
      await strict.close();
    }
  });

  it('injects failures by verb and path: 410, 409, 429 with Retry-After, 500', async () => {
    const table = [
      { rule: { verb: 'get' as const, path: '/configmaps/occ', status: 500 }, method: 'GET', path: `${CM_PATH}/occ` },
      { rule: { verb: 'update' as const, status: 409 }, method: 'PUT', path: `${CM_PATH}/occ` },
      { rule: { verb: 'list' as const, status: 429, retryAfterSeconds: 2 }, method: 'GET', path: CM_PATH },
      { rule: { verb: 'watch' as const, status: 410 }, method: 'GET', path: `${CM_PATH}?watch=true&resourceVersion=1` },
    ];
    for (const row of table) {
      kube.failNext(row.rule);
      const res = await rawRequest(kube.url, row.method, row.path, row.method === 'PUT' ? { metadata: { name: 'occ' } } : undefined);
      assert.equal(res.status, row.rule.status, row.path);
      assert.equal((res.body as { code: number }).code, row.rule.status);
      if ('retryAfterSeconds' in row.rule) assert.equal(res.headers['retry-after'], '2');
      const again = await rawRequest(kube.url, 'GET', `${CM_PATH}/occ`);
      assert.equal(again.status, 200, 'a rule is used up by one request');
    }
    kube.failNext({ verb: 'watch', status: 410, watchAs: 'event' });
    const w = await rawWatch(kube.url, `${CM_PATH}?watch=true&resourceVersion=${kube.resourceVersion()}`);
    assert.equal(await w.ended, 'end');
    assert.equal(w.events[0]?.type, 'ERROR');
    assert.equal(w.events[0]?.object.code, 410);
    kube.failNext({ verb: 'get', status: 500, count: 2 });
    assert.equal(kube.faults.pending(), 2);
    assert.equal((await rawRequest(kube.url, 'GET', `${CM_PATH}/occ`)).status, 500);
    assert.equal((await rawRequest(kube.url, 'GET', `${CM_PATH}/occ`)).status, 500);
    assert.equal((await rawRequest(kube.url, 'GET', `${CM_PATH}/occ`)).status, 200);
  });

  it('drops, ends and expires open watches', async () => {
    const path = `${CM_PATH}?watch=true&resourceVersion=${kube.resourceVersion()}`;
    const dropped = await rawWatch(kube.url, path);
    await waitFor(() => kube.openWatches({ path: CM_PATH }).length === 1, 'watch registered');
    assert.equal(kube.dropWatches({ path: CM_PATH }), 1);
    assert.equal(await dropped.ended, 'error');
    const ended = await rawWatch(kube.url, path);
    await waitFor(() => kube.openWatches({ path: CM_PATH }).length === 1, 'watch registered');
    assert.equal(kube.endWatches({ path: CM_PATH }), 1);
    assert.equal(await ended.ended, 'end');
    const expiredWatch = await rawWatch(kube.url, path);
    await waitFor(() => kube.openWatches({ path: CM_PATH }).length === 1, 'watch registered');
    assert.equal(kube.expireWatches(), 1);
    assert.equal(await expiredWatch.ended, 'end');
    assert.equal(expiredWatch.events[0]?.object.code, 410);
  });

  it('goes down and comes back on the same port, keeping its store', async () => {
    const port = kube.port;
    const w = await rawWatch(kube.url, `${CM_PATH}?watch=true&resourceVersion=${kube.resourceVersion()}`);
    await kube.goDown();
    assert.equal(await w.ended, 'error');
    await assert.rejects(rawRequest(kube.url, 'GET', `${CM_PATH}/occ`), /ECONNREFUSED/);
    await kube.comeUp();
    assert.equal(kube.port, port);
    assert.equal((await rawRequest(kube.url, 'GET', `${CM_PATH}/occ`)).status, 200);
  });

  it('accepts and records Events, core and events.k8s.io', async () => {
    const core = kube.kubeConfig(NS).makeApiClient(CoreV1Api);
    await core.createNamespacedEvent({
      namespace: NS,
      body: { metadata: { generateName: 'cr-' }, involvedObject: { kind: 'JsonRpcUpstream', name: 'gen', namespace: NS }, reason: 'Rejected', message: 'bad prefix', type: 'Warning' },
    });
    const events = kube.list('v1', 'Event', NS);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.['reason'], 'Rejected');
    assert.match(meta(events[0]).name ?? '', /^cr-/);
    const byObject = await rawRequest(kube.url, 'GET', `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Dgen`);
    assert.equal((byObject.body as { items: unknown[] }).items.length, 1);
    const modern = await rawRequest(kube.url, 'POST', `/apis/events.k8s.io/v1/namespaces/${NS}/events`, { metadata: { name: 'e2' }, regarding: { kind: 'CacheRule', name: 'r' }, reason: 'Accepted', note: 'ok', type: 'Normal', eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'jussi.io/operator', reportingInstance: 'op-1', action: 'Render' });
    assert.equal(modern.status, 201);
  });

  it('WATCHes all namespaces on the cluster-wide path', async () => {
    const w = await rawWatch(kube.url, `/apis/jussi.io/v1alpha1/cacherules?watch=true&resourceVersion=${kube.resourceVersion()}`);
    kube.put({ apiVersion: 'jussi.io/v1alpha1', kind: 'CacheRule', metadata: { name: 'r1', namespace: 'ns-1' }, spec: { rules: [] } });
    kube.put({ apiVersion: 'jussi.io/v1alpha1', kind: 'CacheRule', metadata: { name: 'r2', namespace: 'ns-2' }, spec: { rules: [] } });
    await waitFor(() => w.events.length === 2, 'events from both namespaces');
    assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'r1'], ['ADDED', 'r2']]);
    w.close();
  });

  it('logs every request with verb, path, query, content type and body', async () => {
    kube.clearRequests();
    await rawRequest(kube.url, 'PATCH', `${CM_PATH}/occ?fieldManager=me&force=true`, '{"data":{"z":"1"}}', 'application/apply-patch+yaml; charset=utf-8');
    await rawRequest(kube.url, 'GET', `${CM_PATH}/occ`);
    const [patch, get] = kube.requests();
    assert.equal(patch?.verb, 'patch');
    assert.equal(patch?.contentType, 'application/apply-patch+yaml');
    assert.deepEqual(patch?.query, { fieldManager: 'me', force: 'true' });
    assert.deepEqual(patch?.body, { data: { z: '1' } });
    assert.equal(get?.verb, 'get');
    assert.equal(kube.writes().length, 1);
  });
});
