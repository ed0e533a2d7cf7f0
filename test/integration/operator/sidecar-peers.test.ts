// Two operator replicas behind one Service: a sidecar's polls may land on the standby, yet only
// the leader writes status. The leader reads its peers' sidecar registries (TLS against the
// shared CA, the peer token derived from the shared serving key), so a sidecar polling only the
// standby still counts in the resources' status, and a request without the peer token is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { Controller } from '@jussi/operator/controller/controller';
import { readOperatorSettings, type OperatorSettings } from '@jussi/operator/settings';
import { OperatorConfigSource } from '@jussi/proxy/config/sources/operator-source';
import type { ConfigDocumentText } from '@jussi/proxy/config/sources/source';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor } from '../../support/fake-kube/index.js';
import { freePort } from '../../support/fake-upstream/index.js';

const NS = 'jussi';
const APPS = 'apps';
const GV = 'jussi.io/v1alpha1';
const OPERATOR_LABELS = { 'app.kubernetes.io/name': 'jussi', 'app.kubernetes.io/component': 'operator' };
const TUNING = { backoffMinMs: 100, backoffMaxMs: 1000, silenceTimeoutMs: 30_000, relistIntervalMs: 0 };

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function settingsFor(identity: string, webhookPort: number, configPort: number): OperatorSettings {
  const r = readOperatorSettings({
    POD_NAME: identity, POD_NAMESPACE: NS, OPERATOR_CONFIGMAP: `${NS}/jussi-proxy-config`, OPERATOR_METRICS_PORT: '0',
    OPERATOR_STATUS_POLL_INTERVAL: '0.5', OPERATOR_LEASE_DURATION: '3', OPERATOR_LEASE_RENEW_DEADLINE: '2', OPERATOR_LEASE_RETRY_PERIOD: '0.3',
    OPERATOR_SIDECARS: 'true', OPERATOR_WEBHOOK_HOST: '127.0.0.1', OPERATOR_WEBHOOK_PORT: String(webhookPort), OPERATOR_WEBHOOK_HOSTS: '127.0.0.1',
    OPERATOR_CONFIG_HOST: '127.0.0.1', OPERATOR_CONFIG_PORT: String(configPort), OPERATOR_PEER_SELECTOR: 'app.kubernetes.io/name=jussi,app.kubernetes.io/component=operator',
  }, identity);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

describe('sidecars polling a standby replica count in the leader\'s status', () => {
  let kube: FakeKube;
  let dir: string;
  const controllers: Controller[] = [];
  const configPorts = new Map<string, number>();
  let source: OperatorConfigSource | null = null;

  before(async () => {
    kube = await FakeKube.start();
    dir = mkdtempSync(join(tmpdir(), 'jussi-peers-'));
    for (const id of ['operator-a', 'operator-b']) {
      configPorts.set(id, await freePort());
      kube.putPod({ name: id, namespace: NS, labels: OPERATOR_LABELS, podIP: '127.0.0.1' });
    }
    kube.put({ apiVersion: GV, kind: 'CacheRule', metadata: { name: 'c', namespace: APPS }, spec: { rules: [{ prefix: 'steemd', policy: 'Seconds', seconds: 3 }] } });
    kube.put({ apiVersion: GV, kind: 'JsonRpcUpstream', metadata: { name: 'steemd', namespace: APPS }, spec: { namespace: 'steemd', routes: [{ prefix: 'steemd', url: 'http://127.0.0.1:1' }] } });
    for (const id of ['operator-a', 'operator-b']) {
      const c = new Controller({
        kubeConfig: kube.kubeConfig(NS), settings: settingsFor(id, await freePort(), configPorts.get(id) ?? 0), logger: noopLogger, informerTuning: TUNING,
        peerPortOf: (pod) => configPorts.get(pod.metadata.name),
      });
      controllers.push(c);
      await c.start();
      // The first one leads before the second starts.
      if (id === 'operator-a') await waitFor(() => c.isLeader(), 'operator-a leads', 20_000);
    }
  });

  after(async () => {
    await source?.stop();
    for (const c of controllers) await c.stop().catch(() => undefined);
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the leader counts a sidecar that polls only the standby', async () => {
    const [leader, standby] = controllers as [Controller, Controller];
    assert.ok(leader.isLeader() && !standby.isLeader());
    const secret = await waitFor(() => kube.get('v1', 'Secret', NS, 'jussi-operator-webhook-tls') as Obj | undefined, 'the certificate', 20_000);
    const ca = Buffer.from(secret['data']['ca.crt'] as string, 'base64').toString('utf8');
    await waitFor(() => standby.sidecars?.ports().config !== 0, 'the standby serves', 20_000);
    const pod = kube.putPod({ name: 'wallet-1', namespace: APPS }) as Obj;
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, kube.issueToken({ namespace: APPS, serviceAccount: 'wallet', audiences: ['jussi-operator'], pod: { name: 'wallet-1', uid: pod['metadata']['uid'] as string } }));
    const docs: ConfigDocumentText[] = [];
    source = new OperatorConfigSource({ url: `https://127.0.0.1:${configPorts.get('operator-b') ?? 0}`, tokenFile, caPem: ca, waitSeconds: 30, adminPort: null, fallback: null, backoffMinMs: 50, backoffMaxMs: 300 });
    await source.start({ document: (d) => { docs.push(d); source?.applied(d, true); }, error: () => undefined });
    const hash = await waitFor(() => (kube.get('v1', 'ConfigMap', NS, 'jussi-proxy-config') as Obj | undefined)?.['metadata']['annotations']['jussi.io/config-hash'] as string | undefined, 'published', 20_000);
    await waitFor(() => standby.sidecars?.registry.live().some((e) => e.runningHash === hash), 'the standby knows the sidecar', 20_000);
    assert.equal(leader.sidecars?.registry.live().length, 0, 'the sidecar never polled the leader');
    const rule = await waitFor(() => {
      const r = kube.get(GV, 'CacheRule', APPS, 'c') as Obj | undefined;
      return r?.['status']?.['sidecars']?.['programmed'] === 1 ? r : undefined;
    }, 'the leader counts it', 20_000);
    assert.equal(rule['status']['programmedProxies'], '1/1');
    assert.equal(docs.at(-1)?.origin.startsWith('operator https://127.0.0.1'), true);
    // Without the peer token the registry is not readable.
    const agent = new Agent({ connect: { ca } });
    try {
      const res = await request(`https://127.0.0.1:${configPorts.get('operator-b') ?? 0}/v1/sidecars`, { dispatcher: agent, headers: { authorization: 'Bearer guess' } });
      assert.equal(res.statusCode, 401);
      await res.body.text();
    } finally {
      await agent.close();
    }
  });
});
