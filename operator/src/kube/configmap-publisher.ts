// Publishes the rendered proxy config document into its ConfigMap by server-side apply (field
// manager jussi-operator, force), only when what is there differs: the document under the key,
// the hash annotation, or the labels. The comparison is made against the live object (an
// informer's cache when given, else a GET), so a restarted operator writes nothing when nothing
// changed and a hand-edited ConfigMap is put back.

import { CoreV1Api, PatchStrategy, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { configHash } from '@jussi/proxy/config/load';
import { kubeErrorInfo, type KubeErrorInfo } from '@jussi/proxy/kube/errors';
import type { ConfigMapObject } from '@jussi/proxy/kube/objects';
import { callOptions } from '@jussi/proxy/kube/request-options';
import { CONFIG_HASH_ANNOTATION, CONFIG_MAP_KEY, FIELD_MANAGER } from '../names.js';

export interface ConfigMapPublisherOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Key of the document (default CONFIG_MAP_KEY, the proxy's default JUSSI_CONFIG_CONFIGMAP_KEY). */
  readonly key?: string;
  readonly fieldManager?: string;
  /** Labels the ConfigMap carries (e.g. app.kubernetes.io/managed-by). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Reads the live ConfigMap from a cache; without it each publish does a GET. */
  readonly read?: () => ConfigMapObject | undefined;
  readonly requestTimeoutMs?: number;
}

export type PublishResult =
  | { readonly ok: true; readonly changed: boolean; readonly hash: string }
  | { readonly ok: false; readonly hash: string; readonly error: KubeErrorInfo };

export class ConfigMapPublisher {
  private readonly api: CoreV1Api;
  private readonly key: string;
  private readonly fieldManager: string;
  private readonly labels: Readonly<Record<string, string>>;

  constructor(private readonly options: ConfigMapPublisherOptions) {
    this.api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.key = options.key ?? CONFIG_MAP_KEY;
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.labels = options.labels ?? {};
  }

  /** What the ConfigMap should be for `text`: the server-side apply body. */
  desired(text: string): V1ConfigMap {
    const { namespace, name } = this.options;
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels: { ...this.labels }, annotations: { [CONFIG_HASH_ANNOTATION]: configHash(text) } },
      data: { [this.key]: text },
    };
  }

  /** True when `live` already holds `text`, its hash annotation and the labels. */
  upToDate(live: V1ConfigMap | undefined, text: string): boolean {
    if (live === undefined) return false;
    if (live.data?.[this.key] !== text) return false;
    if (live.metadata?.annotations?.[CONFIG_HASH_ANNOTATION] !== configHash(text)) return false;
    const labels = live.metadata?.labels ?? {};
    return Object.entries(this.labels).every(([k, v]) => labels[k] === v);
  }

  async publish(text: string): Promise<PublishResult> {
    const hash = configHash(text);
    const opts = callOptions({ timeoutMs: this.options.requestTimeoutMs ?? 10_000 });
    let live: V1ConfigMap | undefined;
    if (this.options.read !== undefined) {
      live = this.options.read();
    } else {
      try {
        live = await this.api.readNamespacedConfigMap({ name: this.options.name, namespace: this.options.namespace }, opts);
      } catch (err) {
        const error = kubeErrorInfo(err);
        if (error.status !== 404) return { ok: false, hash, error };
      }
    }
    if (this.upToDate(live, text)) return { ok: true, changed: false, hash };
    try {
      await this.api.patchNamespacedConfigMap(
        { name: this.options.name, namespace: this.options.namespace, body: this.desired(text), fieldManager: this.fieldManager, force: true },
        callOptions({ timeoutMs: this.options.requestTimeoutMs ?? 10_000, contentType: PatchStrategy.ServerSideApply }),
      );
      return { ok: true, changed: true, hash };
    } catch (err) {
      return { ok: false, hash, error: kubeErrorInfo(err) };
    }
  }
}
