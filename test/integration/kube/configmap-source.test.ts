// The proxy's ConfigMap config source against the fake API server.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { readSettings } from '@jussi/proxy/config/env';
import type { Settings } from '@jussi/proxy/config/settings';
import { ConfigMapSource, configMapSourceFromSettings } from '@jussi/proxy/config/sources/configmap-source';
import type { ConfigDocumentText, ConfigSourceError } from '@jussi/proxy/config/sources/source';
import type { InformerTuning } from '@jussi/proxy/kube/resilient-informer';
import { FakeKube, pause, waitFor } from '../../support/fake-kube/index.js';

const NS = 'jussi';
const NAME = 'proxy-config';
const TUNING: Partial<InformerTuning> = { backoffMinMs: 50, backoffMaxMs: 400, watchTimeoutSeconds: 0, silenceTimeoutMs: 0, relistIntervalMs: 0 };

type Delivery = { kind: 'document'; doc: ConfigDocumentText } | { kind: 'error'; err: ConfigSourceError };

function configMap(data: Record<string, string>, labels: Record<string, string> = {}, name = NAME): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels }, data };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(fakeOptions: Parameters<typeof FakeKube.start>[0] = {}): Promise<{ kube: FakeKube; source: ConfigMapSource; got: Delivery[]; texts: () => string[] }> {
  const kube = await FakeKube.start({ bookmarkIntervalMs: 200, ...fakeOptions });
  const source = new ConfigMapSource({ kubeConfig: kube.kubeConfig(), namespace: NS, name: NAME, tuning: TUNING });
  const got: Delivery[] = [];
  cleanups.push(async () => {
    await source.stop();
    await kube.close();
  });
  const texts = (): string[] => got.flatMap((d) => (d.kind === 'document' ? [d.doc.text] : []));
  return { kube, source, got, texts };
}

function listener(got: Delivery[]): { document(doc: ConfigDocumentText): void; error(err: ConfigSourceError): void } {
  return {
    document: (doc) => got.push({ kind: 'document', doc }),
    error: (err) => got.push({ kind: 'error', err }),
  };
}

describe('ConfigMapSource', () => {
  it('delivers the document on start, through a single-object watch', async () => {
    const { kube, source, got } = await setup();
    kube.put(configMap({ 'config.json': '{"upstreams":[]}' }));
    kube.put(configMap({ 'config.json': 'other' }, {}, 'unrelated'));
    await source.start(listener(got));
    assert.deepEqual(got, [{ kind: 'document', doc: { text: '{"upstreams":[]}', origin: 'configmap jussi/proxy-config key config.json' } }]);
    assert.equal(source.description, 'configmap jussi/proxy-config key config.json');
    for (const r of kube.requests({ verb: ['list', 'watch'] })) {
      assert.equal(r.query['fieldSelector'], 'metadata.name=proxy-config', `${r.verb} limited to the one object`);
      assert.equal(r.path, '/api/v1/namespaces/jussi/configmaps');
    }
  });

  it('delivers changes of the key and ignores updates that leave it unchanged', async () => {
    const { kube, source, got, texts } = await setup();
    kube.put(configMap({ 'config.json': 'v1' }));
    await source.start(listener(got));
    kube.put(configMap({ 'config.json': 'v1', other: 'x' }, { touched: 'yes' }));
    kube.put(configMap({ 'config.json': 'v2', other: 'x' }));
    await waitFor(() => texts().includes('v2'), 'v2');
    kube.put(configMap({ 'config.json': 'v2', other: 'y' }));
    kube.put(configMap({ 'config.json': 'v3' }));
    await waitFor(() => texts().includes('v3'), 'v3');
    assert.deepEqual(texts(), ['v1', 'v2', 'v3']);
    assert.ok(got.every((d) => d.kind === 'document'));
  });

  it('reports a missing ConfigMap, then delivers it once it appears', async () => {
    const { kube, source, got } = await setup();
    await source.start(listener(got));
    assert.equal(got.length, 1);
    assert.equal(got[0]?.kind, 'error');
    assert.match(got[0]?.kind === 'error' ? got[0].err.message : '', /ConfigMap jussi\/proxy-config not found/);
    kube.put(configMap({ 'config.json': 'arrived' }));
    await waitFor(() => got.some((d) => d.kind === 'document' && d.doc.text === 'arrived'), 'the document');
  });

  it('reports a missing key naming the keys present, then the document once the key is added', async () => {
    const { kube, source, got } = await setup();
    kube.put(configMap({ 'wrong.json': '{}', 'also.txt': '' }));
    await source.start(listener(got));
    assert.equal(got[0]?.kind === 'error' ? got[0].err.message : '', 'ConfigMap jussi/proxy-config has no key "config.json" (keys: also.txt, wrong.json)');
    kube.put(configMap({ 'config.json': 'ok' }));
    await waitFor(() => got.some((d) => d.kind === 'document' && d.doc.text === 'ok'), 'the document');
  });

  it('reports a deleted ConfigMap and delivers it again when recreated, even unchanged', async () => {
    const { kube, source, got } = await setup();
    kube.put(configMap({ 'config.json': 'same' }));
    await source.start(listener(got));
    kube.remove('v1', 'ConfigMap', NS, NAME);
    await waitFor(() => got.some((d) => d.kind === 'error' && d.err.message.includes('was deleted')), 'deletion reported');
    kube.put(configMap({ 'config.json': 'same' }));
    await waitFor(() => got.filter((d) => d.kind === 'document').length === 2, 'the document again');
  });

  it('keeps working across dropped watches and 410s, without reporting them once it has a document', async () => {
    const { kube, source, got, texts } = await setup();
    kube.put(configMap({ 'config.json': 'v0' }));
    await source.start(listener(got));
    for (let i = 1; i <= 3; i++) {
      await waitFor(() => kube.openWatches().length === 1, 'watch open');
      kube.dropWatches();
      kube.put(configMap({ 'config.json': `drop-${i}` }));
      await waitFor(() => texts().includes(`drop-${i}`), `change after drop ${i}`);
    }
    await waitFor(() => kube.openWatches().length === 1, 'watch open');
    kube.compactHistory();
    kube.expireWatches();
    kube.put(configMap({ 'config.json': 'after-410' }));
    await waitFor(() => texts().includes('after-410'), 'change after 410');
    assert.ok(got.every((d) => d.kind === 'document'), 'transport trouble is not reported after the first document');
    assert.ok(source.stats().errors >= 3);
    assert.ok(source.stats().relists >= 1);
  });

  it('reports an unreachable API at start, and delivers the document once it is reachable', async () => {
    const { kube, source, got } = await setup();
    kube.put(configMap({ 'config.json': 'eventually' }));
    await kube.goDown();
    await source.start(listener(got));
    assert.equal(got[0]?.kind, 'error');
    assert.match(got[0]?.kind === 'error' ? got[0].err.message : '', /^reading ConfigMap jussi\/proxy-config from the Kubernetes API failed \(list\): connect ECONNREFUSED/);
    await kube.comeUp();
    await waitFor(() => got.some((d) => d.kind === 'document' && d.doc.text === 'eventually'), 'the document');
  });

  it('reload() reads the ConfigMap now and delivers it even when unchanged', async () => {
    const { kube, source, got, texts } = await setup();
    kube.put(configMap({ 'config.json': 'r1' }));
    await source.start(listener(got));
    kube.clearRequests();
    await source.reload();
    assert.deepEqual(texts(), ['r1', 'r1']);
    assert.equal(kube.requests({ verb: 'get' }).length, 1);
    kube.remove('v1', 'ConfigMap', NS, NAME);
    await waitFor(() => got.some((d) => d.kind === 'error'), 'deleted');
    await source.reload();
    const last = got[got.length - 1];
    assert.equal(last?.kind === 'error' ? last.err.message : '', 'ConfigMap jussi/proxy-config not found');
  });

  it('delivers nothing after stop()', async () => {
    const { kube, source, got } = await setup();
    kube.put(configMap({ 'config.json': 'a' }));
    await source.start(listener(got));
    await source.stop();
    kube.put(configMap({ 'config.json': 'b' }));
    await source.reload();
    await pause(300);
    assert.equal(got.length, 1);
  });

  it('is built from JUSSI_CONFIG_CONFIGMAP and JUSSI_CONFIG_CONFIGMAP_KEY', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    const settings = readSettings({ JUSSI_CONFIG_CONFIGMAP: 'jussi/proxy-config', JUSSI_CONFIG_CONFIGMAP_KEY: 'upstreams.json' });
    assert.ok(settings.ok);
    assert.equal(configMapSourceFromSettings(readSettingsOrThrow({}).source, kube.kubeConfig()), null);
    const source = configMapSourceFromSettings(settings.settings.source, kube.kubeConfig(), TUNING);
    assert.ok(source !== null);
    cleanups.push(() => source.stop());
    kube.put(configMap({ 'upstreams.json': 'custom key' }));
    const got: Delivery[] = [];
    await source.start(listener(got));
    assert.equal(got[0]?.kind === 'document' ? got[0].doc.text : '', 'custom key');
    assert.equal(source.description, 'configmap jussi/proxy-config key upstreams.json');
  });
});

function readSettingsOrThrow(env: Record<string, string>): Settings {
  const r = readSettings(env);
  if (!r.ok) throw new Error('settings');
  return r.settings;
}
