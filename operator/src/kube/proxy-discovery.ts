// Finds the proxy pods the operator pulls state from: a Pod informer on a label selector in one
// namespace; the ready pods with an IP are the endpoints. The admin port is the proxy's
// JUSSI_ADMIN_PORT (`adminPort`), unless a pod says otherwise with the annotation
// `jussi.io/admin-port` (tests run several fake proxies on 127.0.0.1 with distinct ports) or a
// `portOf` function decides.

import type { KubeConfig } from '@kubernetes/client-node';
import { isPod, type PodObject } from '@jussi/proxy/kube/objects';
import { ResilientInformer, type InformerStats, type InformerTuning } from '@jussi/proxy/kube/resilient-informer';

export const ADMIN_PORT_ANNOTATION = 'jussi.io/admin-port';

export interface ProxyEndpoint {
  readonly pod: string;
  readonly namespace: string;
  readonly ip: string;
  readonly port: number;
  /** `http://<ip>:<port>` (IPv6 in brackets). */
  readonly baseUrl: string;
}

export interface ProxySet {
  /** Proxy pods that exist and are not finished or being deleted. */
  readonly total: number;
  /** The ready ones with an IP, sorted by pod name. */
  readonly ready: readonly ProxyEndpoint[];
}

export type PortOf = (pod: PodObject) => number | undefined;

function isLive(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return pod.metadata.deletionTimestamp == null && phase !== 'Succeeded' && phase !== 'Failed';
}

export function isPodReady(pod: PodObject): boolean {
  if (!isLive(pod)) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The annotated admin port when it is a valid port number, else `fallback`. */
export function annotatedAdminPort(pod: PodObject, fallback: number): number {
  const raw = pod.metadata.annotations?.[ADMIN_PORT_ANNOTATION];
  if (raw === undefined || !/^\d{1,5}$/.test(raw.trim())) return fallback;
  const port = Number(raw.trim());
  return port >= 1 && port <= 65535 ? port : fallback;
}

export function proxySet(pods: readonly PodObject[], adminPort: number, portOf?: PortOf): ProxySet {
  const live = pods.filter(isLive);
  const ready: ProxyEndpoint[] = [];
  for (const pod of live) {
    const ip = pod.status?.podIP;
    if (!isPodReady(pod) || ip === undefined || ip === '') continue;
    const port = portOf?.(pod) ?? annotatedAdminPort(pod, adminPort);
    const host = ip.includes(':') ? `[${ip}]` : ip;
    ready.push({ pod: pod.metadata.name, namespace: pod.metadata.namespace ?? '', ip, port, baseUrl: `http://${host}:${port}` });
  }
  ready.sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
  return { total: live.length, ready };
}

export interface ProxyDiscoveryOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** Selects the proxy pods, e.g. `app.kubernetes.io/name=jussi,app.kubernetes.io/component=proxy`. */
  readonly labelSelector: string;
  /** The proxies' admin port (JUSSI_ADMIN_PORT). */
  readonly adminPort: number;
  readonly portOf?: PortOf;
  readonly tuning?: Partial<InformerTuning>;
}

export class ProxyDiscovery {
  private readonly informer: ResilientInformer<PodObject>;

  constructor(private readonly options: ProxyDiscoveryOptions) {
    this.informer = new ResilientInformer<PodObject>({
      kubeConfig: options.kubeConfig,
      resource: { group: '', version: 'v1', plural: 'pods', namespace: options.namespace },
      labelSelector: options.labelSelector,
      accept: isPod,
      tuning: options.tuning,
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  waitForSync(timeoutMs?: number): Promise<boolean> {
    return this.informer.waitForSync(timeoutMs);
  }

  /** Called on every pod change; it must only note the change (the caller's queue does the work). */
  onChange(listener: () => void): () => void {
    return this.informer.onChange(() => listener());
  }

  proxies(): ProxySet {
    return proxySet(this.informer.list(this.options.namespace), this.options.adminPort, this.options.portOf);
  }

  stats(): InformerStats {
    return this.informer.stats();
  }
}
