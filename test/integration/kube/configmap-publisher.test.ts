// Publishing the config document into its ConfigMap by server-side apply, only on change.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { ConfigMapPublisher } from '@jussi/operator/kube/configmap-publisher';
import { CONFIG_HASH_ANNOTATION, CONFIG_MAP_KEY, FIELD_MANAGER } from '@jussi/operator/names';
import { isConfigMap, type ConfigMapObject } from '@jussi/proxy/kube/objects';
import { ResilientInformer } from '@jussi/proxy/kube/resilient-informer';
import { FakeKube, waitFor, type JsonObject } from '../../support/fake-kube/index.js';

const NS = 'jussi-system';
const NAME = 'jussi-proxy-config';
const DOC_A = '{"limits":{},"upstreams":[{"name":"steemd","urls":[["steemd","https://a.example"]],"ttls":[["steemd",3]],"timeouts":[["steemd",5]]}]}';
const DOC_B = DOC_A.replace('https://a.example', 'https://b.example');

const sha256 = (t: string): string => createHash('sha256').update(t, 'utf8').digest('hex');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function fake(): Promise<FakeKube> {
  const kube = await FakeKube.start();
  cleanups.push(() => kube.close());
  return kube;
}

function publisher(kube: FakeKube, read?: () => ConfigMapObject | undefined): ConfigMapPublisher {
  return new ConfigMapPublisher({
    kubeConfig: kube.kubeConfig(), namespace: NS, name: NAME, labels: { 'app.kubernetes.io/managed-by': 'jussi-operator' }, read,
  });
}

function live(kube: FakeKube): JsonObject | undefined {
  return kube.get('v1', 'ConfigMap', NS, NAME);
}

describe('ConfigMapPublisher', () => {
  it('creates the ConfigMap by server-side apply with field manager, force and the hash annotation', async () => {
    const kube = await fake();
    const result = await publisher(kube).publish(DOC_A);
    assert.deepEqual(result, { ok: true, changed: true, hash: sha256(DOC_A) });
    const writes = kube.writes();
    assert.equal(writes.length, 1);
    const [w] = writes;
    assert.equal(w?.verb, 'patch');
    assert.equal(w?.path, `/api/v1/namespaces/${NS}/configmaps/${NAME}`);
    assert.equal(w?.contentType, 'application/apply-patch+yaml');
    assert.equal(w?.query['fieldManager'], FIELD_MANAGER);
    assert.equal(w?.query['force'], 'true');
    assert.deepEqual(w?.body, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: NAME, namespace: NS, labels: { 'app.kubernetes.io/managed-by': 'jussi-operator' }, annotations: { [CONFIG_HASH_ANNOTATION]: sha256(DOC_A) } },
      data: { [CONFIG_MAP_KEY]: DOC_A },
    });
    const cm = live(kube);
    assert.equal((cm?.['data'] as JsonObject)[CONFIG_MAP_KEY], DOC_A);
  });

  it('writes nothing when the document is unchanged, also from a restarted publisher', async () => {
    const kube = await fake();
    await publisher(kube).publish(DOC_A);
    kube.clearRequests();
    assert.deepEqual(await publisher(kube).publish(DOC_A), { ok: true, changed: false, hash: sha256(DOC_A) });
    const restarted = publisher(kube);
    assert.deepEqual(await restarted.publish(DOC_A), { ok: true, changed: false, hash: sha256(DOC_A) });
    assert.deepEqual(await restarted.publish(DOC_A), { ok: true, changed: false, hash: sha256(DOC_A) });
    assert.equal(kube.writes().length, 0);
    assert.ok(kube.requests({ verb: 'get' }).length >= 1, 'it compared with what is there');
  });

  it('applies a changed document and updates the hash', async () => {
    const kube = await fake();
    const p = publisher(kube);
    await p.publish(DOC_A);
    const result = await p.publish(DOC_B);
    assert.deepEqual(result, { ok: true, changed: true, hash: sha256(DOC_B) });
    const cm = live(kube);
    assert.equal((cm?.['data'] as JsonObject)[CONFIG_MAP_KEY], DOC_B);
    assert.equal(((cm?.['metadata'] as JsonObject)['annotations'] as JsonObject)[CONFIG_HASH_ANNOTATION], sha256(DOC_B));
  });

  it('puts back a hand-edited ConfigMap', async () => {
    const kube = await fake();
    const p = publisher(kube);
    await p.publish(DOC_A);
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: NAME, namespace: NS }, data: { [CONFIG_MAP_KEY]: 'edited' } });
    assert.equal((await p.publish(DOC_A)).ok, true);
    assert.equal(((live(kube)?.['data'] as JsonObject)[CONFIG_MAP_KEY]), DOC_A);
  });

  it('compares through an informer cache when given one, without GETs', async () => {
    const kube = await fake();
    await publisher(kube).publish(DOC_A);
    const informer = new ResilientInformer<ConfigMapObject>({
      kubeConfig: kube.kubeConfig(), resource: { group: '', version: 'v1', plural: 'configmaps', namespace: NS },
      fieldSelector: `metadata.name=${NAME}`, accept: isConfigMap, tuning: { watchTimeoutSeconds: 0 },
    });
    cleanups.push(() => informer.stop());
    await informer.start();
    kube.clearRequests();
    const p = publisher(kube, () => informer.get(NAME, NS));
    assert.equal((await p.publish(DOC_A)).ok, true);
    assert.equal(kube.requests({ verb: ['get', 'create', 'update', 'patch'] }).length, 0);
    const changed = await p.publish(DOC_B);
    assert.equal(changed.ok && changed.changed, true);
    await waitFor(() => informer.get(NAME, NS)?.data?.[CONFIG_MAP_KEY] === DOC_B, 'the informer sees the new document');
    assert.equal((await p.publish(DOC_B)).ok, true);
    assert.equal(kube.writes().length, 1);
  });

  it('returns API failures as values', async () => {
    const kube = await fake();
    kube.failNext({ verb: 'get', status: 500 });
    const read = await publisher(kube).publish(DOC_A);
    assert.equal(read.ok, false);
    assert.equal(read.ok ? null : read.error.status, 500);
    kube.failNext({ verb: 'patch', status: 429, retryAfterSeconds: 3 });
    const write = await publisher(kube).publish(DOC_A);
    assert.equal(write.ok ? null : write.error.retryAfterMs, 3000);
    await kube.goDown();
    const down = await publisher(kube).publish(DOC_A);
    assert.equal(down.ok ? 'ok' : down.error.status, null);
  });
});
