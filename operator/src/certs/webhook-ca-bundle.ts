// Keeps the CA bundle of the MutatingWebhookConfiguration equal to the CA the serving
// certificate comes from (self-managed mode; with cert-manager its CA injector does this). Only
// the leader writes. The configuration is watched, so a `helm upgrade` that resets caBundle to
// empty is repaired within a second.

import { AdmissionregistrationV1Api, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { kubeErrorInfo } from '@jussi/proxy/kube/errors';
import { isNamedObject, isRecord, type NamedObject } from '@jussi/proxy/kube/objects';
import { callOptions } from '@jussi/proxy/kube/request-options';
import { ResilientInformer, type InformerTuning } from '@jussi/proxy/kube/resilient-informer';
import type { Logger } from '@jussi/proxy/observability/types';
import type { ServingCertificate } from './serving-certificate.js';

type WebhookConfigurationObject = NamedObject & { readonly webhooks?: readonly unknown[] };

function isWebhookConfiguration(value: unknown): value is WebhookConfigurationObject {
  return isNamedObject(value) && isRecord(value) && (value['webhooks'] === undefined || value['webhooks'] === null || Array.isArray(value['webhooks']));
}

export interface JsonPatchOp {
  readonly op: 'add' | 'replace' | 'test';
  readonly path: string;
  readonly value: unknown;
}

/** The JSON patch that sets every webhook's clientConfig.caBundle to `bundleB64` (empty when all match). */
export function caBundlePatch(webhooks: readonly unknown[], bundleB64: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  webhooks.forEach((w, i) => {
    const clientConfig = isRecord(w) && isRecord(w['clientConfig']) ? w['clientConfig'] : null;
    if (clientConfig === null) return;
    if (clientConfig['caBundle'] === bundleB64) return;
    // `test` on the name guards against a concurrent edit reordering the list.
    if (isRecord(w) && typeof w['name'] === 'string') ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: w['name'] });
    ops.push({ op: clientConfig['caBundle'] === undefined ? 'add' : 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundleB64 });
  });
  return ops;
}

export interface WebhookCaBundleOptions {
  readonly kubeConfig: KubeConfig;
  /** Name of the MutatingWebhookConfiguration. */
  readonly name: string;
  readonly serving: ServingCertificate;
  readonly leading: () => boolean;
  readonly logger: Logger;
  readonly tuning?: Partial<InformerTuning>;
}

export class WebhookCaBundle {
  private readonly api: AdmissionregistrationV1Api;
  private readonly informer: ResilientInformer<WebhookConfigurationObject>;
  private running: Promise<void> | null = null;
  private again = false;
  private patches = 0;

  constructor(private readonly options: WebhookCaBundleOptions) {
    this.api = options.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    this.informer = new ResilientInformer<WebhookConfigurationObject>({
      kubeConfig: options.kubeConfig,
      resource: { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations' },
      fieldSelector: `metadata.name=${options.name}`,
      accept: isWebhookConfiguration,
      ...(options.tuning === undefined ? {} : { tuning: options.tuning }),
    });
    this.informer.onChange(() => this.check());
    options.serving.onChange(() => this.check());
  }

  get patchCount(): number {
    return this.patches;
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.check();
  }

  async stop(): Promise<void> {
    await this.running;
    await this.informer.stop();
  }

  check(): void {
    if (!this.options.leading() || !this.informer.hasSynced()) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.ensure()
      .catch((err: unknown) => this.options.logger.warn({ webhook_configuration: this.options.name, error: { type: 'KubeError', message: kubeErrorInfo(err).message } }, 'patching the webhook CA bundle failed; retrying on the next change'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }

  private async ensure(): Promise<void> {
    const ca = this.options.serving.get()?.caPem;
    const live = this.informer.get(this.options.name);
    if (ca === undefined || ca === null || live === undefined) return;
    const ops = caBundlePatch(live.webhooks ?? [], Buffer.from(ca, 'utf8').toString('base64'));
    if (ops.length === 0) return;
    await this.api.patchMutatingWebhookConfiguration({ name: this.options.name, body: ops }, callOptions({ timeoutMs: 10_000, contentType: PatchStrategy.JsonPatch }));
    this.patches += 1;
    this.options.logger.info({ webhook_configuration: this.options.name }, 'patched the webhook CA bundle');
  }
}
