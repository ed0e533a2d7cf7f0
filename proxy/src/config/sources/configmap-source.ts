// The proxy's config document read from one Kubernetes ConfigMap through the API
// (JUSSI_CONFIG_CONFIGMAP=namespace/name, key JUSSI_CONFIG_CONFIGMAP_KEY). A single-object
// informer (field selector metadata.name=<name>) keeps it current within about a second, so the
// proxy's Role can be limited to get/list/watch on that one object. The informer restarts with
// backoff after dropped watches, 410s and outages; a missing ConfigMap or key is reported as an
// error value and the source keeps watching for it to appear.

import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttpError, kubeErrorInfo } from '../../kube/errors.js';
import { getJson } from '../../kube/get-json.js';
import { isConfigMap, type ConfigMapObject } from '../../kube/objects.js';
import { ResilientInformer, type InformerStats, type InformerTuning } from '../../kube/resilient-informer.js';
import type { ConfigSourceSettings } from '../settings.js';
import type { ConfigDocumentText, ConfigSource, ConfigSourceListener } from './source.js';

export interface ConfigMapSourceOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Key of the document inside the ConfigMap's `data` (default `config.json`). */
  readonly key?: string;
  readonly tuning?: Partial<InformerTuning>;
}

type Reading = { readonly kind: 'document'; readonly text: string } | { readonly kind: 'error'; readonly message: string };

export class ConfigMapSource implements ConfigSource {
  readonly description: string;
  private readonly key: string;
  private readonly informer: ResilientInformer<ConfigMapObject>;
  private listener: ConfigSourceListener | null = null;
  private stopped = false;
  private evaluateQueued = false;
  /** What the listener was told last, to deliver only changes. */
  private last: Reading | null = null;
  private seen = false;
  private haveDocument = false;
  private firstDelivery: (() => void) | null = null;

  constructor(private readonly options: ConfigMapSourceOptions) {
    this.key = options.key ?? 'config.json';
    this.description = `configmap ${options.namespace}/${options.name} key ${this.key}`;
    this.informer = new ResilientInformer({
      kubeConfig: options.kubeConfig,
      resource: { group: '', version: 'v1', plural: 'configmaps', namespace: options.namespace },
      fieldSelector: `metadata.name=${options.name}`,
      accept: isConfigMap,
      tuning: options.tuning,
    });
    // Informer callbacks only note that something changed; the reading happens on its own turn.
    this.informer.onChange(() => this.queueEvaluate());
    // API trouble matters to the listener only while it has no document yet (it explains why
    // the proxy is not ready); afterwards the informer recovers on its own and the last document
    // keeps serving. Repeats of the same message are not delivered again.
    this.informer.onError((e) => {
      if (this.haveDocument || e.phase === 'listener') return;
      this.deliver({ kind: 'error', message: `reading ConfigMap ${this.where()} from the Kubernetes API failed (${e.phase}): ${e.error.message}` });
    });
  }

  async start(listener: ConfigSourceListener): Promise<void> {
    if (this.listener !== null) throw new Error(`${this.description}: already started`);
    this.listener = listener;
    const first = new Promise<void>((resolve) => {
      this.firstDelivery = resolve;
    });
    await this.informer.start();
    if (this.informer.hasSynced()) this.evaluate();
    await first;
  }

  /** Reads the ConfigMap now (a GET, not the cache) and delivers what it holds, even unchanged. */
  async reload(): Promise<void> {
    if (this.stopped) return;
    const path = `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/configmaps/${encodeURIComponent(this.options.name)}`;
    let reading: Reading;
    try {
      const obj = await getJson(this.options.kubeConfig, path, { timeoutMs: 30_000 });
      reading = isConfigMap(obj) ? this.readingOf(obj.data ?? undefined) : { kind: 'error', message: `${this.where()} is not a ConfigMap` };
    } catch (err) {
      reading = err instanceof KubeHttpError && err.statusCode === 404
        ? { kind: 'error', message: `ConfigMap ${this.where()} not found` }
        : { kind: 'error', message: `reading ConfigMap ${this.where()} failed: ${kubeErrorInfo(err).message}` };
    }
    this.deliver(reading, true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
    this.resolveFirst();
  }

  /** The informer's counters (connects, relists, errors, last event), for metrics and /state. */
  stats(): InformerStats {
    return this.informer.stats();
  }

  private where(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  private queueEvaluate(): void {
    if (this.evaluateQueued) return;
    this.evaluateQueued = true;
    setImmediate(() => {
      this.evaluateQueued = false;
      this.evaluate();
    });
  }

  private readingOf(data: Readonly<Record<string, string>> | undefined): Reading {
    const text = data?.[this.key];
    if (text !== undefined) return { kind: 'document', text };
    const keys = Object.keys(data ?? {});
    return {
      kind: 'error',
      message: `ConfigMap ${this.where()} has no key "${this.key}" (keys: ${keys.length === 0 ? 'none' : keys.sort().join(', ')})`,
    };
  }

  private evaluate(): void {
    if (this.stopped || !this.informer.hasSynced()) return;
    const cm = this.informer.get(this.options.name, this.options.namespace);
    if (cm === undefined) {
      this.deliver({ kind: 'error', message: this.seen ? `ConfigMap ${this.where()} was deleted` : `ConfigMap ${this.where()} not found` });
      return;
    }
    this.seen = true;
    this.deliver(this.readingOf(cm.data ?? undefined));
  }

  /**
   * Tells the listener about a reading when it differs from the last one told (or always, for
   * reload). After an error, the next document is delivered even when its text is unchanged, so
   * the listener sees the source recover.
   */
  private deliver(reading: Reading, always = false): void {
    const listener = this.listener;
    if (this.stopped || listener === null) return;
    const last = this.last;
    const same = last !== null && last.kind === reading.kind
      && (reading.kind === 'document' ? last.kind === 'document' && last.text === reading.text : last.kind === 'error' && last.message === reading.message);
    if (same && !always) return;
    this.last = reading;
    try {
      if (reading.kind === 'document') {
        this.haveDocument = true;
        const doc: ConfigDocumentText = { text: reading.text, origin: this.description };
        listener.document(doc);
      } else {
        listener.error({ origin: this.description, message: reading.message });
      }
    } catch {
      // The listener contract says it does not throw; if it does, the source keeps going.
    }
    this.resolveFirst();
  }

  private resolveFirst(): void {
    const resolve = this.firstDelivery;
    this.firstDelivery = null;
    resolve?.();
  }
}

/** The ConfigMap source the settings ask for (JUSSI_CONFIG_CONFIGMAP), or null when unset. */
export function configMapSourceFromSettings(source: ConfigSourceSettings, kubeConfig: KubeConfig, tuning?: Partial<InformerTuning>): ConfigMapSource | null {
  if (source.configMap === null) return null;
  return new ConfigMapSource({ kubeConfig, namespace: source.configMap.namespace, name: source.configMap.name, key: source.configMapKey, tuning });
}
