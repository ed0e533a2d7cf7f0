// The operator end to end, without a cluster: a fake Kubernetes API server, the operator's
// controller, and two real proxy processes on loopback (registered as fake Pods) that read the
// published ConfigMap through the API. Custom resources go in; the ConfigMap, the proxies'
// behaviour and the resources' status come out.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@jussi/operator/controller/controller';
import { CONFIG_HASH_ANNOTATION, CONFIG_MAP_KEY } from '@jussi/operator/names';
import { readOperatorSettings, type OperatorSettings } from '@jussi/operator/settings';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor } from '../../support/fake-kube/index.js';
import { freePort, startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, spawnProxy, type ChildProxy } from '../../support/proxy.js';

const NS = 'jussi';
const APPS = 'apps';
const GV = 'jussi.io/v1alpha1';
const PROXY_LABELS = { 'app.kubernetes.io/name': 'jussi', 'app.kubernetes.io/component': 'proxy' };
const TUNING = { backoffMinMs: 100, backoffMaxMs: 1000, silenceTimeoutMs: 30_000, relistIntervalMs: 0 };

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}

interface Resource {
  metadata: { name: string; namespace: string; generation?: number; creationTimestamp?: string };
  spec: unknown;
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    programmedProxies?: string;
    pools?: { url: string; size: number; healthy: boolean }[];
    rules?: { prefix: string; hits: number; misses: number; hitRatio: string }[];
  };
}

function settingsFor(identity: string, metricsPort = '0'): OperatorSettings {
  const r = readOperatorSettings(
    {
      POD_NAME: identity,
      POD_NAMESPACE: NS,
      OPERATOR_CONFIGMAP: `${NS}/jussi-proxy-config`,
      OPERATOR_METRICS_PORT: metricsPort,
      OPERATOR_STATUS_POLL_INTERVAL: '0.3',
      OPERATOR_LEASE_DURATION: '3',
      OPERATOR_LEASE_RENEW_DEADLINE: '2',
      OPERATOR_LEASE_RETRY_PERIOD: '0.3',
    },
    identity,
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

function condition(r: Resource | undefined, type: string): Condition | undefined {
  return r?.status?.conditions?.find((c) => c.type === type);
}

describe('operator end to end (fake API server, real proxies)', () => {
  let kube: FakeKube;
  let up: FakeUpstream;
  let dir: string;
  const proxies: ChildProxy[] = [];
  const controllers: Controller[] = [];

  const get = (kind: string, name: string): Resource | undefined => kube.get(GV, kind, APPS, name) as Resource | undefined;
  const putUpstream = (name: string, spec: unknown): void => {
    const existing = get('JsonRpcUpstream', name);
    kube.put({ apiVersion: GV, kind: 'JsonRpcUpstream', metadata: { ...(existing?.metadata ?? {}), name, namespace: APPS }, spec, ...(existing?.status ? { status: existing.status } : {}) });
  };
  const putCacheRule = (name: string, spec: unknown): void => {
    const existing = get('CacheRule', name);
    kube.put({ apiVersion: GV, kind: 'CacheRule', metadata: { ...(existing?.metadata ?? {}), name, namespace: APPS }, spec, ...(existing?.status ? { status: existing.status } : {}) });
  };
  const configMap = (): { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } } | undefined =>
    kube.get('v1', 'ConfigMap', NS, 'jussi-proxy-config') as { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } } | undefined;
  const publishedHash = (): string | undefined => configMap()?.metadata.annotations?.[CONFIG_HASH_ANNOTATION];
  const proxyHash = async (p: ChildProxy): Promise<string | null> => ((await (await fetch(`${p.adminUrl}/state`)).json()) as { configHash: string | null }).configHash;
  const programmed = (kind: string, name: string, expected = '2/2') =>
    waitFor(() => {
      const r = get(kind, name);
      const c = condition(r, 'Programmed');
      return c?.status === 'True' && r?.status?.programmedProxies === expected && c.observedGeneration === r.metadata.generation ? r : undefined;
    }, `${kind} ${name} Programmed ${expected}`, 60_000);
  const startController = async (identity: string): Promise<Controller> => {
    const c = new Controller({ kubeConfig: kube.kubeConfig(NS), settings: settingsFor(identity), logger: noopLogger, informerTuning: TUNING });
    controllers.push(c);
    await c.start();
    return c;
  };

  before(async () => {
    kube = await FakeKube.start({ bookmarkIntervalMs: 1000 });
    up = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'jussi-op-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfigPath, NS);
    for (const name of ['proxy-a', 'proxy-b']) {
      const p = await spawnProxy('{}', {
        JUSSI_SERVER_PORT: String(await freePort()),
        JUSSI_ADMIN_PORT: String(await freePort()),
        KUBECONFIG: kubeconfigPath,
        JUSSI_CONFIG_CONFIGMAP: `${NS}/jussi-proxy-config`,
        LOG_LEVEL: 'WARN',
      });
      proxies.push(p);
      kube.putPod({ name, namespace: NS, labels: PROXY_LABELS, podIP: '127.0.0.1', annotations: { 'jussi.io/admin-port': String(p.adminPort) } });
    }
    await startController('operator-1');
  });

  after(async () => {
    for (const c of controllers) await c.stop().catch(() => undefined);
    for (const p of proxies) await p.stop();
    await up?.close();
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the resources into the ConfigMap, the proxies load it, and status says Programmed 2/2', async () => {
    up.on({ method: /^chain\./ }, (r) => ({ result: { method: r.method, path: r.path } }));
    putUpstream('chain', { namespace: 'chain', routes: [{ prefix: 'chain', url: up.httpUrl('/chain') }], timeouts: [{ prefix: 'chain', seconds: 5 }] });
    putCacheRule('chain-cache', { rules: [{ prefix: 'chain.get_thing', policy: 'Seconds', seconds: 60 }, { prefix: 'chain', policy: 'NoCache' }] });
    const hash = await waitFor(() => publishedHash(), 'the ConfigMap published', 30_000);
    const doc = JSON.parse(configMap()?.data?.[CONFIG_MAP_KEY] ?? '{}') as { upstreams: { name: string }[] };
    assert.deepEqual(doc.upstreams.map((u) => u.name), ['chain']);
    for (const p of proxies) await waitFor(async () => (await proxyHash(p)) === hash, 'proxy runs the published hash', 30_000);
    const res = await rpc(proxies[0]!.url, { jsonrpc: '2.0', id: 1, method: 'chain.get_thing', params: [1] });
    assert.deepEqual((res.json as { result: unknown }).result, { method: 'chain.get_thing', path: '/chain' });
    const upstream = await programmed('JsonRpcUpstream', 'chain');
    assert.equal(condition(upstream, 'Accepted')?.status, 'True');
    assert.equal(upstream.status?.pools?.[0]?.url, up.httpUrl('/chain'));
    assert.equal(upstream.status?.pools?.[0]?.healthy, true);
    await programmed('CacheRule', 'chain-cache');
    const rule = await waitFor(() => {
      const r = get('CacheRule', 'chain-cache');
      const f = r?.status?.rules?.find((x) => x.prefix === 'chain.get_thing');
      return f !== undefined && f.misses >= 1 ? f : undefined;
    }, 'cache figures from the proxies', 30_000);
    assert.ok(rule.misses >= 1);
  });

  it('leaves an invalid resource out, says why, and keeps serving the others', async () => {
    putUpstream('broken', { namespace: 'broken', routes: [{ prefix: 'broken', url: 'ftp://nowhere' }] });
    const r = await waitFor(() => {
      const x = get('JsonRpcUpstream', 'broken');
      return condition(x, 'Accepted')?.status === 'False' ? x : undefined;
    }, 'the invalid resource rejected', 30_000);
    assert.equal(condition(r, 'Accepted')?.reason, 'Invalid');
    assert.match(condition(r, 'Accepted')?.message ?? '', /url|scheme/i);
    assert.equal(condition(r, 'Programmed')?.status, 'False');
    await programmed('JsonRpcUpstream', 'chain');
    kube.remove(GV, 'JsonRpcUpstream', APPS, 'broken');
  });

  it('resolves a conflict: the older resource wins, the newer says Conflicted naming it', async () => {
    putUpstream('chain-copy', { namespace: 'chain', routes: [{ prefix: 'chain', url: up.httpUrl('/copy') }] });
    const r = await waitFor(() => {
      const x = get('JsonRpcUpstream', 'chain-copy');
      return condition(x, 'Accepted')?.status === 'False' ? x : undefined;
    }, 'the newer resource conflicted', 30_000);
    assert.equal(condition(r, 'Accepted')?.reason, 'Conflicted');
    assert.match(condition(r, 'Accepted')?.message ?? '', /apps\/chain\b/);
    const res = await rpc(proxies[1]!.url, { jsonrpc: '2.0', id: 2, method: 'chain.where' });
    assert.equal(((res.json as { result: { path: string } }).result).path, '/chain');
    kube.remove(GV, 'JsonRpcUpstream', APPS, 'chain-copy');
  });

  it('changes caching within a second of a CacheRule edit, without a proxy restart or a failed request', async () => {
    await programmed('CacheRule', 'chain-cache');
    let stop = false;
    const failures: string[] = [];
    let sent = 0;
    const load = async (p: ChildProxy): Promise<void> => {
      while (!stop) {
        sent += 1;
        const res = await rpc(p.url, { jsonrpc: '2.0', id: sent, method: 'chain.get_other', params: ['x'] });
        if ((res.json as { error?: unknown }).error !== undefined || res.status !== 200) failures.push(res.text);
      }
    };
    const loops = [load(proxies[0]!), load(proxies[1]!), load(proxies[0]!), load(proxies[1]!)];
    await waitFor(() => up.count({ method: 'chain.get_other' }) > 20, 'uncached load reaches the upstream', 30_000);
    const pids = proxies.map((p) => p.child.pid);
    const before = publishedHash();
    putCacheRule('chain-cache', { rules: [{ prefix: 'chain.get_thing', policy: 'Seconds', seconds: 60 }, { prefix: 'chain', policy: 'Seconds', seconds: 60 }] });
    const edited = Date.now();
    await waitFor(() => publishedHash() !== before, 'the edit published', 30_000);
    // Once every proxy runs it, identical requests are served from cache: the count stops growing.
    const next = publishedHash();
    for (const p of proxies) await waitFor(async () => (await proxyHash(p)) === next, 'proxy reloaded', 30_000);
    const reloadedIn = Date.now() - edited;
    const settled = up.count({ method: 'chain.get_other' });
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loops);
    assert.ok(up.count({ method: 'chain.get_other' }) <= settled + 4, 'the edited rule caches');
    assert.deepEqual(failures, []);
    assert.deepEqual(proxies.map((p) => p.child.pid), pids, 'no proxy restarted');
    assert.ok(proxies.every((p) => p.child.exitCode === null));
    // Reported, not asserted: how fast depends on the machine (the debounce is 100-500 ms).
    console.log(`CacheRule edit to every proxy reloaded: ${reloadedIn} ms`);
  });

  it('removes a deleted resource from the config', async () => {
    putUpstream('extra', { namespace: 'extra', routes: [{ prefix: 'extra', url: up.httpUrl('/extra') }] });
    await programmed('JsonRpcUpstream', 'extra');
    const ok = await rpc(proxies[0]!.url, { jsonrpc: '2.0', id: 1, method: 'extra.ping' });
    assert.ok((ok.json as { result?: unknown }).result !== undefined);
    kube.remove(GV, 'JsonRpcUpstream', APPS, 'extra');
    await waitFor(async () => {
      const res = await rpc(proxies[0]!.url, { jsonrpc: '2.0', id: 2, method: 'extra.ping' });
      return (res.json as { error?: { code: number } }).error?.code === -32600;
    }, 'the namespace unroutable after deletion', 30_000);
  });

  it('a RateLimitPolicy limits calls on every proxy and its status counts the refused ones', async () => {
    kube.put({
      apiVersion: GV,
      kind: 'RateLimitPolicy',
      metadata: { name: 'public', namespace: APPS },
      spec: { buckets: [{ name: 'chain-things', key: 'Client', limit: 1, periodSeconds: 86400, burst: 2, prefixes: ['chain.get_limited'] }] },
    });
    const policy = await programmed('RateLimitPolicy', 'public');
    assert.equal(condition(policy, 'Accepted')?.message, 'defines 1 bucket: "chain-things"');
    const doc = JSON.parse(configMap()?.data?.[CONFIG_MAP_KEY] ?? '{}') as { edge?: { rate_limits?: { buckets: { name: string; key: string }[] } } };
    assert.deepEqual(doc.edge?.rate_limits?.buckets.map((b) => [b.name, b.key]), [['chain-things', 'client']]);
    // No Redis here: each proxy limits locally, at its share (one process each: the whole bucket).
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await rpc(proxies[0]!.url, { jsonrpc: '2.0', id: i, method: 'chain.get_limited', params: [i] })).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal((await rpc(proxies[0]!.url, { jsonrpc: '2.0', id: 9, method: 'chain.get_thing', params: [9] })).status, 200, 'other methods are not counted');
    const counted = await waitFor(() => {
      const r = get('RateLimitPolicy', 'public') as (Resource & { status?: { buckets?: { name: string; limited: number }[]; localProxies?: number } }) | undefined;
      return r?.status?.buckets?.[0]?.limited === 1 ? r : undefined;
    }, 'the refused call counted in status', 30_000);
    assert.equal(counted.status?.localProxies, 2);
    kube.remove(GV, 'RateLimitPolicy', APPS, 'public');
    await waitFor(() => !(configMap()?.data?.[CONFIG_MAP_KEY] ?? '').includes('chain-things'), 'the policy removed from the document', 30_000);
  });

  it('recovers from repeatedly dropped watches and still converges', async () => {
    for (let i = 0; i < 5; i++) {
      kube.dropWatches();
      await new Promise((r) => setTimeout(r, 150));
    }
    putUpstream('late', { namespace: 'late', routes: [{ prefix: 'late', url: up.httpUrl('/late') }] });
    kube.dropWatches();
    await programmed('JsonRpcUpstream', 'late');
    kube.remove(GV, 'JsonRpcUpstream', APPS, 'late');
    await waitFor(() => !(configMap()?.data?.[CONFIG_MAP_KEY] ?? '').includes('"late"'), 'the deletion published', 30_000);
  });

  it('publishes nothing new after an operator restart', async () => {
    const first = controllers[0]!;
    await programmed('JsonRpcUpstream', 'chain');
    // Figures change on their own (idle upstream connections close, counters settle): wait until
    // the statuses have been quiet for a while, so a write after the restart could only come
    // from the restart itself.
    const quietMs = 2000;
    await waitFor(() => {
      const last = kube.writes().filter((w) => w.path.endsWith('/status') || w.path.includes('/configmaps')).at(-1);
      return last === undefined || Date.now() - last.at > quietMs;
    }, 'statuses quiet', 60_000);
    await first.stop();
    kube.clearRequests();
    const restarted = await startController('operator-1');
    await waitFor(() => restarted.isLeader(), 'the restarted operator leads', 30_000);
    await programmed('JsonRpcUpstream', 'chain');
    await new Promise((r) => setTimeout(r, 1500));
    const configWrites = kube.writes().filter((w) => w.path.includes('/configmaps'));
    assert.deepEqual(configWrites.map((w) => `${w.verb} ${w.path}`), [], 'no ConfigMap write after a restart with nothing changed');
    const statusWrites = kube.writes().filter((w) => w.path.endsWith('/status'));
    assert.deepEqual(statusWrites.map((w) => w.path), [], 'no status write when nothing changed');
  });

  it('runs two replicas: one leads, the other takes over when it stops', async () => {
    const leader = controllers.at(-1)!;
    const standby = await startController('operator-2');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(leader.isLeader(), true);
    assert.equal(standby.isLeader(), false);
    await leader.stop();
    await waitFor(() => standby.isLeader(), 'the standby takes over', 30_000);
    // The new leader writes status: a spec change is reflected with the new generation.
    putUpstream('chain', { namespace: 'chain', routes: [{ prefix: 'chain', url: up.httpUrl('/chain') }], timeouts: [{ prefix: 'chain', seconds: 7 }] });
    const r = await programmed('JsonRpcUpstream', 'chain');
    assert.equal(r.status?.observedGeneration, r.metadata.generation);
  });
});
