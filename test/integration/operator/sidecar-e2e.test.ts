// Sidecars end to end, without a cluster: the fake API server calls the operator's injection
// webhook (the MutatingWebhookConfiguration points at it with clientConfig.url, its caBundle
// patched in by the operator), a pod created in a labelled namespace comes back with the native
// sidecar, and that sidecar, a real proxy process started with the injected container's
// environment and a projected-style token, long-polls the operator for its config, gets every
// CacheRule change within 2 s, appears in the resources' status, and keeps its last good config
// while the operator is away.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@jussi/operator/controller/controller';
import { CONFIG_HASH_ANNOTATION } from '@jussi/operator/names';
import { readOperatorSettings, type OperatorSettings } from '@jussi/operator/settings';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor, type JsonObject } from '../../support/fake-kube/index.js';
import { freePort, startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, spawnProxy, type ChildProxy } from '../../support/proxy.js';

const NS = 'jussi';
const APPS = 'apps';
const GV = 'jussi.io/v1alpha1';
const WEBHOOK = 'jussi-sidecar-injector';
const TUNING = { backoffMinMs: 100, backoffMaxMs: 1000, silenceTimeoutMs: 30_000, relistIntervalMs: 0 };

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Ports {
  webhook: number;
  config: number;
  sidecar: number;
  sidecarAdmin: number;
}

function settingsFor(identity: string, ports: Ports): OperatorSettings {
  const r = readOperatorSettings({
    POD_NAME: identity,
    POD_NAMESPACE: NS,
    OPERATOR_CONFIGMAP: `${NS}/jussi-proxy-config`,
    OPERATOR_METRICS_PORT: '0',
    OPERATOR_STATUS_POLL_INTERVAL: '0.5',
    OPERATOR_LEASE_DURATION: '3',
    OPERATOR_LEASE_RENEW_DEADLINE: '2',
    OPERATOR_LEASE_RETRY_PERIOD: '0.3',
    OPERATOR_SIDECARS: 'true',
    OPERATOR_WEBHOOK_HOST: '127.0.0.1',
    OPERATOR_WEBHOOK_PORT: String(ports.webhook),
    OPERATOR_WEBHOOK_HOSTS: '127.0.0.1,localhost',
    OPERATOR_WEBHOOK_CONFIGURATION: WEBHOOK,
    OPERATOR_CONFIG_HOST: '127.0.0.1',
    OPERATOR_CONFIG_PORT: String(ports.config),
    OPERATOR_CONFIG_URL: `https://127.0.0.1:${ports.config}`,
    OPERATOR_SIDECAR_PORT: String(ports.sidecar),
    OPERATOR_SIDECAR_ADMIN_PORT: String(ports.sidecarAdmin),
    OPERATOR_SIDECAR_ENV: JSON.stringify({ JUSSI_TEST_UPSTREAM_URLS: 'false', JUSSI_LIRB_POLL_INTERVAL: '0' }),
  }, identity);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

function webhookConfiguration(webhookPort: number): JsonObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: WEBHOOK },
    webhooks: [{
      name: 'namespace.sidecar.jussi.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'NoneOnDryRun',
      failurePolicy: 'Ignore',
      timeoutSeconds: 5,
      reinvocationPolicy: 'IfNeeded',
      clientConfig: { url: `https://127.0.0.1:${webhookPort}/mutate-v1-pod` },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
      namespaceSelector: { matchExpressions: [{ key: 'jussi.io/inject', operator: 'In', values: ['enabled'] }, { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', NS] }] },
      objectSelector: { matchExpressions: [{ key: 'jussi.io/inject', operator: 'NotIn', values: ['disabled'] }] },
    }],
  };
}

const appPod = (name: string, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: APPS, labels: { app: 'wallet', ...labels } },
  spec: { serviceAccountName: 'wallet', containers: [{ name: 'app', image: 'registry.example/wallet:1', ports: [{ containerPort: 8080 }] }] },
});

describe('injected sidecars end to end (fake API server, real operator webhook, real proxy)', () => {
  let kube: FakeKube;
  let up: FakeUpstream;
  let dir: string;
  let ports: Ports;
  let controller: Controller | null = null;
  let sidecar: ChildProxy | null = null;
  let pod: Obj;

  const get = (kind: string, name: string): Obj | undefined => kube.get(GV, kind, APPS, name) as Obj | undefined;
  const publishedHash = (): string | undefined => (kube.get('v1', 'ConfigMap', NS, 'jussi-proxy-config') as Obj | undefined)?.['metadata']?.['annotations']?.[CONFIG_HASH_ANNOTATION];
  const sidecarHash = async (): Promise<string | null> => {
    try {
      return ((await (await fetch(`${sidecar?.adminUrl ?? ''}/state`)).json()) as { configHash: string | null }).configHash;
    } catch {
      return null;
    }
  };
  const putCacheRule = (spec: unknown): void => {
    const existing = get('CacheRule', 'wallet-cache');
    kube.put({ apiVersion: GV, kind: 'CacheRule', metadata: { ...(existing?.['metadata'] ?? {}), name: 'wallet-cache', namespace: APPS }, spec, ...(existing?.['status'] ? { status: existing['status'] } : {}) });
  };
  const startController = async (): Promise<Controller> => {
    const c = new Controller({ kubeConfig: kube.kubeConfig(NS), settings: settingsFor('operator-1', ports), logger: noopLogger, informerTuning: TUNING });
    await c.start();
    controller = c;
    return c;
  };
  const programmedWithSidecar = (kind: string, name: string, hash: string) => waitFor(() => {
    const r = get(kind, name);
    const c = (r?.['status']?.['conditions'] as Obj[] | undefined)?.find((x) => x['type'] === 'Programmed');
    const s = r?.['status']?.['sidecars'] as Obj | undefined;
    // The status names the generation, not the document's hash (that would change with every
    // other resource); the sidecar's own /state says which document it runs.
    return c?.['status'] === 'True' && c['observedGeneration'] === r?.['metadata']['generation'] && s?.['programmed'] === 1 ? r : undefined;
  }, `${kind} ${name} Programmed with the sidecar on ${hash.slice(0, 8)}`, 30_000);

  before(async () => {
    kube = await FakeKube.start({ bookmarkIntervalMs: 1000 });
    up = await startFakeUpstream();
    up.on({ method: /^wallet\./ }, (r) => ({ result: { method: r.method, path: r.path } }));
    dir = mkdtempSync(join(tmpdir(), 'jussi-sidecar-'));
    ports = { webhook: await freePort(), config: await freePort(), sidecar: await freePort(), sidecarAdmin: await freePort() };
    kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: APPS, labels: { 'jussi.io/inject': 'enabled' } } });
    kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } });
    kube.put(webhookConfiguration(ports.webhook));
    kube.put({ apiVersion: GV, kind: 'JsonRpcUpstream', metadata: { name: 'wallet', namespace: APPS }, spec: { namespace: 'wallet', routes: [{ prefix: 'wallet', url: up.httpUrl('/wallet') }] } });
    putCacheRule({ rules: [{ prefix: 'wallet', policy: 'NoCache' }] });
    await startController();
  });

  after(async () => {
    await sidecar?.stop();
    await controller?.stop().catch(() => undefined);
    await up?.close();
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues its webhook certificate into a Secret and patches the CA bundle into the webhook configuration', async () => {
    const secret = await waitFor(() => kube.get('v1', 'Secret', NS, 'jussi-operator-webhook-tls') as Obj | undefined, 'the webhook Secret', 30_000);
    assert.equal(secret['type'], 'kubernetes.io/tls');
    for (const key of ['tls.crt', 'tls.key', 'ca.crt', 'ca.key']) assert.ok(secret['data'][key], key);
    const ca = Buffer.from(secret['data']['ca.crt'] as string, 'base64').toString('base64');
    await waitFor(() => (kube.get('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', '', WEBHOOK) as Obj | undefined)?.['webhooks'][0]['clientConfig']['caBundle'] === ca, 'caBundle patched', 30_000);
  });

  it('injects the native sidecar into a pod of a labelled namespace, through the API server', async () => {
    await waitFor(() => controller?.sidecars?.ports().webhook !== 0, 'webhook listening', 30_000);
    const created = await kube.create(appPod('wallet-1'));
    assert.ok(created.ok, JSON.stringify(created));
    assert.deepEqual(created.warnings, []);
    pod = created.object as Obj;
    const init = pod['spec']['initContainers'] as Obj[];
    assert.equal(init[0]?.['name'], 'jussi-proxy');
    assert.equal(init[0]?.['restartPolicy'], 'Always');
    assert.equal(pod['metadata']['labels']['jussi.io/sidecar'], 'injected');
    // Not labelled, opted out: untouched.
    const plain = await kube.create({ ...appPod('other'), metadata: { name: 'other', namespace: 'plain' } });
    assert.ok(plain.ok);
    assert.equal((plain.object as Obj)['spec']['initContainers'], undefined);
    const optedOut = await kube.create(appPod('wallet-opt-out', { 'jussi.io/inject': 'disabled' }));
    assert.ok(optedOut.ok);
    assert.equal((optedOut.object as Obj)['spec']['initContainers'], undefined);
  });

  it("the injected sidecar (a real proxy) gets the published config from the operator and appears in status", async () => {
    const container = (pod['spec']['initContainers'] as Obj[])[0] as Obj;
    const env = Object.fromEntries((container['env'] as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    const audience = (pod['spec']['volumes'] as Obj[]).find((v) => v['name'] === 'jussi-token')?.['projected']['sources'][0]['serviceAccountToken']['audience'] as string;
    // What the kubelet does for the projected volume: a token bound to the pod and the audience.
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, kube.issueToken({ namespace: APPS, serviceAccount: 'wallet', audiences: [audience], pod: { name: 'wallet-1', uid: pod['metadata']['uid'] as string } }));
    sidecar = await spawnProxy('{"upstreams": []}', {
      ...env,
      JUSSI_SERVER_PORT: env['JUSSI_SERVER_PORT'] ?? '',
      JUSSI_ADMIN_PORT: env['JUSSI_ADMIN_PORT'] ?? '',
      JUSSI_ADMIN_HOST: '127.0.0.1',
      JUSSI_CONFIG_OPERATOR_TOKEN_FILE: tokenFile,
      JUSSI_UPSTREAM_CONFIG_FILE: join(dir, 'no-configmap-in-this-namespace.json'),
      LOG_LEVEL: 'WARN',
    });
    const hash = await waitFor(() => publishedHash(), 'published', 30_000);
    await waitFor(async () => (await sidecarHash()) === hash, 'the sidecar runs the published config', 30_000);
    const res = await rpc(sidecar.url, { jsonrpc: '2.0', id: 1, method: 'wallet.balance', params: ['alice'] });
    assert.deepEqual((res.json as Obj)['result'], { method: 'wallet.balance', path: '/wallet' });
    const upstream = await programmedWithSidecar('JsonRpcUpstream', 'wallet', hash);
    assert.equal(upstream['status']['programmedProxies'], '1/1');
    assert.deepEqual(upstream['status']['proxies'], { total: 0, ready: 0, programmed: 0 });
    assert.match((upstream['status']['conditions'] as Obj[]).find((c) => c['type'] === 'Programmed')?.['message'] as string, /0\/0 proxies and 1\/1 sidecars run generation \d+/);
    await programmedWithSidecar('CacheRule', 'wallet-cache', hash);
  });

  it('a CacheRule change reaches the sidecar within 2 s and shows as Programmed', async () => {
    const before = publishedHash();
    putCacheRule({ rules: [{ prefix: 'wallet', policy: 'Seconds', seconds: 60 }] });
    const edited = Date.now();
    const next = await waitFor(() => (publishedHash() !== before ? publishedHash() : undefined), 'the change published', 30_000);
    await waitFor(async () => (await sidecarHash()) === next, 'the sidecar runs the change', 30_000, 10);
    const took = Date.now() - edited;
    assert.ok(took < 2000, `the sidecar ran the change ${took} ms after the edit`);
    const rule = await programmedWithSidecar('CacheRule', 'wallet-cache', next ?? '');
    assert.equal(rule['status']['programmedProxies'], '1/1');
    // It caches now: the second identical call is a hit.
    await rpc(sidecar?.url ?? '', { jsonrpc: '2.0', id: 2, method: 'wallet.history', params: [7] });
    const hit = await rpc(sidecar?.url ?? '', { jsonrpc: '2.0', id: 3, method: 'wallet.history', params: [7] });
    assert.equal(hit.headers.get('x-jussi-cache-hit'), 'wallet.history.params=[7]');
  });

  it('keeps serving its last good config while the operator is down, and the webhook fails open', async () => {
    const hash = await sidecarHash();
    await controller?.stop();
    controller = null;
    const res = await rpc(sidecar?.url ?? '', { jsonrpc: '2.0', id: 4, method: 'wallet.balance', params: ['bob'] });
    assert.deepEqual((res.json as Obj)['result'], { method: 'wallet.balance', path: '/wallet' });
    assert.equal(await sidecarHash(), hash);
    assert.equal((await fetch(`${sidecar?.adminUrl ?? ''}/health/ready`)).status, 200);
    // failurePolicy Ignore: an operator outage never blocks pod creation.
    const created = await kube.create(appPod('wallet-2'));
    assert.ok(created.ok);
    assert.equal((created.object as Obj)['spec']['initContainers'], undefined);
    assert.equal(kube.admissionCalls().at(-1)?.outcome, 'failed-ignored');
  });

  it('is counted again once the operator is back', async () => {
    const c = await startController();
    const hash = await waitFor(() => publishedHash(), 'published', 30_000);
    // The new operator knows the sidecar only from its polls: it reconnects (with back-off).
    const entry = await waitFor(() => c.sidecars?.registry.live().find((e) => e.pod === 'wallet-1'), 'the sidecar polls the restarted operator', 30_000);
    assert.equal(entry.namespace, APPS);
    assert.equal(entry.adminPort, ports.sidecarAdmin);
    await waitFor(() => c.sidecars?.registry.live().find((e) => e.runningHash === hash), 'it reports the published hash', 30_000);
    await programmedWithSidecar('JsonRpcUpstream', 'wallet', hash);
  });

  it('refuses a poll without a valid token for its audience', async () => {
    const url = `https://127.0.0.1:${ports.config}/v1/config`;
    const ca = Buffer.from((kube.get('v1', 'Secret', NS, 'jussi-operator-webhook-tls') as Obj)['data']['ca.crt'] as string, 'base64').toString('utf8');
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connect: { ca } });
    try {
      const none = await request(url, { dispatcher: agent });
      assert.equal(none.statusCode, 401);
      await none.body.text();
      const wrongAudience = kube.issueToken({ namespace: APPS, serviceAccount: 'wallet', pod: { name: 'wallet-1', uid: pod['metadata']['uid'] as string } });
      const wrong = await request(url, { dispatcher: agent, headers: { authorization: `Bearer ${wrongAudience}` } });
      assert.equal(wrong.statusCode, 401);
      assert.match(await wrong.body.text(), /audiences is invalid/);
    } finally {
      await agent.close();
    }
  });
});
