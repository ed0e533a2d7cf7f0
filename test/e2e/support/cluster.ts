// The kind cluster as the e2e tests see it: @kubernetes/client-node 1.4.0 clients on the kind
// kubeconfig, plus the few reads and writes the tests need, narrowed from `unknown` here.
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { API_GROUP as GROUP, API_VERSION as VERSION, CONFIG_HASH_ANNOTATION } from '@jussi/operator/names';
import type { E2eSettings } from './env.js';

export const FIELD_MANAGER = 'jussi-e2e';

export type Plural = 'jsonrpcupstreams' | 'cacherules';

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number | undefined;
}

/** A custom resource as read back: what the waits look at. */
export interface CustomResourceView {
  readonly name: string;
  readonly namespace: string;
  readonly generation: number;
  readonly conditions: readonly Condition[];
  readonly programmedProxies: string | undefined;
  readonly raw: Record<string, unknown>;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function viewOf(value: unknown): CustomResourceView {
  const obj = record(value);
  const meta = record(obj['metadata']);
  const status = record(obj['status']);
  const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []).map((c): Condition => {
    const cond = record(c);
    const og = cond['observedGeneration'];
    return { type: str(cond['type']), status: str(cond['status']), reason: str(cond['reason']), message: str(cond['message']), observedGeneration: typeof og === 'number' ? og : undefined };
  });
  const generation = meta['generation'];
  const programmed = status['programmedProxies'];
  return {
    name: str(meta['name']),
    namespace: str(meta['namespace']),
    generation: typeof generation === 'number' ? generation : 0,
    conditions,
    programmedProxies: typeof programmed === 'string' ? programmed : undefined,
    raw: obj,
  };
}

/** The condition of that type, only when it describes the resource's current generation. */
export function currentCondition(cr: CustomResourceView, type: string): Condition | undefined {
  const c = cr.conditions.find((x) => x.type === type);
  return c !== undefined && c.observedGeneration === cr.generation ? c : undefined;
}

export function describeConditions(cr: CustomResourceView): string {
  const conds = cr.conditions.map((c) => `${c.type}=${c.status}/${c.reason} (gen ${String(c.observedGeneration)}): ${c.message}`).join('; ');
  return `${cr.namespace}/${cr.name} generation ${cr.generation}: ${conds || 'no conditions'}; programmed ${cr.programmedProxies ?? '-'}`;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/** The status code and the apiserver's message of a failed request. */
export function apiError(err: unknown): { code: number; message: string } | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const body: unknown = err.body;
  let message = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    const parsed = record(typeof body === 'string' ? JSON.parse(body) : body);
    if (typeof parsed['message'] === 'string') message = parsed['message'];
  } catch {
    // keep the raw body
  }
  return { code: err.code, message };
}

export class Cluster {
  readonly kc = new KubeConfig();
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  readonly objects: KubernetesObjectApi;

  constructor(readonly settings: E2eSettings) {
    this.kc.loadFromFile(settings.kubeconfig);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.coordination = this.kc.makeApiClient(CoordinationV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(this.kc);
  }

  /** Server-side apply (custom resources reject the client's default strategic merge patch). */
  async apply(obj: KubernetesObject): Promise<void> {
    await this.objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  async ensureNamespace(name: string): Promise<void> {
    try {
      await this.core.readNamespace({ name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.core.createNamespace({ body: { metadata: { name, labels: { 'jussi.io/e2e': 'true' } } } });
    }
  }

  async getResource(plural: Plural, namespace: string, name: string): Promise<CustomResourceView | undefined> {
    try {
      return viewOf(await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name }) as unknown);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listResources(plural: Plural, namespace: string): Promise<CustomResourceView[]> {
    const list = record(await this.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural }) as unknown);
    return (Array.isArray(list['items']) ? list['items'] : []).map(viewOf);
  }

  async createResource(plural: Plural, namespace: string, body: Record<string, unknown>): Promise<void> {
    await this.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, body });
  }

  async deleteResource(plural: Plural, namespace: string, name: string): Promise<void> {
    try {
      await this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async pods(component: 'proxy' | 'operator'): Promise<V1Pod[]> {
    const { namespace, release } = this.settings;
    const list = await this.core.listNamespacedPod({
      namespace,
      labelSelector: `app.kubernetes.io/name=jussi,app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`,
    });
    return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
  }

  async readyPods(component: 'proxy' | 'operator'): Promise<V1Pod[]> {
    return (await this.pods(component)).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
  }

  async leaseHolder(): Promise<string | undefined> {
    const { namespace, release } = this.settings;
    const lease = await this.coordination.readNamespacedLease({ name: `${release}-operator-leader`, namespace });
    const holder = lease.spec?.holderIdentity;
    return holder === undefined || holder === '' ? undefined : holder;
  }

  async configMapHash(): Promise<string | undefined> {
    const { namespace, release } = this.settings;
    const cm = await this.core.readNamespacedConfigMap({ name: `${release}-proxy-config`, namespace });
    return cm.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
  }
}

/** "uid restartCount" of each container of each pod, to prove nothing restarted. */
export function restartFingerprint(pods: readonly V1Pod[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pod of pods) {
    for (const c of pod.status?.containerStatuses ?? []) out[`${pod.metadata?.uid ?? '?'} ${c.name}`] = c.restartCount;
  }
  return out;
}
