// A cluster without a cluster, for operator tests: the fake API server, a fake upstream, real
// proxy processes (registered as Pods, reading the published ConfigMap through the API) and the
// operator's controller with the default settings unless told otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '@jussi/operator/controller/controller';
import { readOperatorSettings } from '@jussi/operator/settings';
import type { Logger } from '@jussi/proxy/observability/types';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor } from '../../../support/fake-kube/index.js';
import { freePort, startFakeUpstream, type FakeUpstream } from '../../../support/fake-upstream/index.js';
import { spawnProxy, type ChildProxy } from '../../../support/proxy.js';

export const NS = 'jussi';
export const APPS = 'apps';
export const GV = 'jussi.io/v1alpha1';
const PROXY_LABELS = { 'app.kubernetes.io/name': 'jussi', 'app.kubernetes.io/component': 'proxy' };

export interface StatusView {
  metadata: { name: string; generation?: number };
  status?: { observedGeneration?: number; programmedProxies?: string; conditions?: { type: string; status: string; observedGeneration?: number }[] };
}

/** Programmed True on every proxy, at the resource's current generation. */
export function isProgrammed(r: StatusView | undefined, proxies = '2/2'): boolean {
  const c = r?.status?.conditions?.find((x) => x.type === 'Programmed');
  return c?.status === 'True' && r?.status?.programmedProxies === proxies && c.observedGeneration === r.metadata.generation && r.status.observedGeneration === r.metadata.generation;
}

export interface Cluster {
  readonly kube: FakeKube;
  readonly up: FakeUpstream;
  readonly proxies: readonly ChildProxy[];
  readonly controller: Controller;
  get(kind: string, name: string): StatusView | undefined;
  /** Creates or replaces a JsonRpcUpstream or CacheRule in namespace `apps` (spec changes bump the generation). */
  put(kind: 'JsonRpcUpstream' | 'CacheRule', name: string, spec: unknown): void;
  close(): Promise<void>;
}

export async function startCluster(options: { proxies?: number; env?: Record<string, string>; logger?: Logger } = {}): Promise<Cluster> {
  const kube = await FakeKube.start({ bookmarkIntervalMs: 1000 });
  const up = await startFakeUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'jussi-cluster-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath, NS);
  const proxies: ChildProxy[] = [];
  for (let i = 0; i < (options.proxies ?? 2); i++) {
    const p = await spawnProxy('{}', {
      JUSSI_SERVER_PORT: String(await freePort()),
      JUSSI_ADMIN_PORT: String(await freePort()),
      KUBECONFIG: kubeconfigPath,
      JUSSI_CONFIG_CONFIGMAP: `${NS}/jussi-proxy-config`,
      LOG_LEVEL: 'WARN',
    });
    proxies.push(p);
    kube.putPod({ name: `proxy-${i}`, namespace: NS, labels: PROXY_LABELS, podIP: '127.0.0.1', annotations: { 'jussi.io/admin-port': String(p.adminPort) } });
  }
  const settings = readOperatorSettings({ POD_NAME: 'operator-1', POD_NAMESPACE: NS, OPERATOR_CONFIGMAP: `${NS}/jussi-proxy-config`, OPERATOR_METRICS_PORT: '0', ...options.env }, 'operator-1');
  if (!settings.ok) throw new Error(JSON.stringify(settings.errors));
  const controller = new Controller({ kubeConfig: kube.kubeConfig(NS), settings: settings.settings, logger: options.logger ?? noopLogger });
  await controller.start();
  const get = (kind: string, name: string): StatusView | undefined => kube.get(GV, kind, APPS, name) as StatusView | undefined;
  return {
    kube, up, proxies, controller, get,
    put(kind, name, spec) {
      const existing = kube.get(GV, kind, APPS, name);
      kube.put({ ...(existing ?? {}), apiVersion: GV, kind, metadata: { ...((existing?.['metadata'] as object | undefined) ?? {}), name, namespace: APPS }, spec });
    },
    async close() {
      await controller.stop().catch(() => undefined);
      for (const p of proxies) await p.stop();
      await up.close();
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the resource is Programmed on every proxy at its current generation. */
export function programmed(cluster: Cluster, kind: string, name: string, timeoutMs = 60_000): Promise<StatusView> {
  return waitFor(() => {
    const r = cluster.get(kind, name);
    return isProgrammed(r, `${cluster.proxies.length}/${cluster.proxies.length}`) ? r : undefined;
  }, `${kind} ${name} Programmed`, timeoutMs);
}
