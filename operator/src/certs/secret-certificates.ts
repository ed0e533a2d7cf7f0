// Self-managed webhook certificates: a CA and a serving certificate in one Secret of the
// operator's namespace (keys tls.crt, tls.key, ca.crt, ca.key; created as kubernetes.io/tls
// when absent, or filled in when the chart rendered it empty). Every
// replica watches the Secret and serves what it holds; the leader creates it, and replaces it
// well before anything in it expires (rotation.ts decides). A write race between two leaders
// (one stepping down) ends in a 409 for one of them; the next check reads the winner's Secret.

import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { kubeErrorInfo } from '@jussi/proxy/kube/errors';
import { isNamedObject, isRecord, type NamedObject } from '@jussi/proxy/kube/objects';
import { callOptions } from '@jussi/proxy/kube/request-options';
import { ResilientInformer, type InformerTuning } from '@jussi/proxy/kube/resilient-informer';
import type { Logger } from '@jussi/proxy/observability/types';
import { issue, planRotation, type RotationPolicy, type StoredCertificates } from './rotation.js';
import type { ServingCertificate } from './serving-certificate.js';

type SecretObject = NamedObject & { readonly type?: string; readonly data?: Readonly<Record<string, string>> | null };

function isSecret(value: unknown): value is SecretObject {
  if (!isNamedObject(value) || !isRecord(value)) return false;
  const data = value['data'];
  return data === undefined || data === null || (isRecord(data) && Object.values(data).every((v) => typeof v === 'string'));
}

const KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt', caKey: 'ca.key' } as const;

function decode(data: Readonly<Record<string, string>> | null | undefined, key: string): string | null {
  const b64 = data?.[key];
  return b64 === undefined ? null : Buffer.from(b64, 'base64').toString('utf8');
}

/** The certificates a Secret holds, or null when any part is missing. */
export function storedFromSecret(secret: { readonly data?: Readonly<Record<string, string>> | null } | undefined): StoredCertificates | null {
  if (secret === undefined) return null;
  const certPem = decode(secret.data, KEYS.cert);
  const keyPem = decode(secret.data, KEYS.key);
  const caBundlePem = decode(secret.data, KEYS.ca);
  const caKeyPem = decode(secret.data, KEYS.caKey);
  if (certPem === null || keyPem === null || caBundlePem === null || caKeyPem === null) return null;
  return { certPem, keyPem, caBundlePem, caKeyPem };
}

export function secretData(stored: StoredCertificates): Record<string, string> {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return { [KEYS.cert]: b64(stored.certPem), [KEYS.key]: b64(stored.keyPem), [KEYS.ca]: b64(stored.caBundlePem), [KEYS.caKey]: b64(stored.caKeyPem) };
}

export interface SecretCertificatesOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Host names and IPs the serving certificate must cover. */
  readonly hosts: readonly string[];
  readonly policy: RotationPolicy;
  readonly serving: ServingCertificate;
  readonly leading: () => boolean;
  readonly logger: Logger;
  readonly labels?: Readonly<Record<string, string>>;
  /** How often the leader re-checks the certificates without any event (default 1 h). */
  readonly checkIntervalMs?: number;
  readonly now?: () => Date;
  readonly tuning?: Partial<InformerTuning>;
}

export class SecretCertificates {
  private readonly api: CoreV1Api;
  private readonly informer: ResilientInformer<SecretObject>;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private issued = 0;

  constructor(private readonly options: SecretCertificatesOptions) {
    this.api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.now = options.now ?? (() => new Date());
    this.informer = new ResilientInformer<SecretObject>({
      kubeConfig: options.kubeConfig,
      resource: { group: '', version: 'v1', plural: 'secrets', namespace: options.namespace },
      fieldSelector: `metadata.name=${options.name}`,
      accept: isSecret,
      ...(options.tuning === undefined ? {} : { tuning: options.tuning }),
    });
    this.informer.onChange(() => {
      this.load();
      this.check();
    });
  }

  get description(): string {
    return `Secret ${this.options.namespace}/${this.options.name}`;
  }

  /** Certificates issued by this replica since start (tests, metrics). */
  get issuedCount(): number {
    return this.issued;
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.load();
    this.check();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
    await this.informer.stop();
  }

  /** Re-checks now (the controller calls it when this replica starts leading). */
  check(): void {
    if (this.stopped || !this.options.leading() || !this.informer.hasSynced()) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.ensure()
      .catch((err: unknown) => this.options.logger.error({ secret: this.description, error: { type: 'CertificateError', message: kubeErrorInfo(err).message } }, 'issuing the webhook certificate failed; retrying'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }

  private live(): SecretObject | undefined {
    return this.informer.get(this.options.name, this.options.namespace);
  }

  /** Every replica: serve what the Secret holds. */
  private load(): void {
    const stored = storedFromSecret(this.live());
    if (stored === null) return;
    const problem = this.options.serving.update({ certPem: stored.certPem, keyPem: stored.keyPem, caPem: stored.caBundlePem });
    if (problem !== null) this.options.logger.warn({ secret: this.description, error: { type: 'CertificateError', message: problem } }, 'ignoring an unusable webhook certificate');
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.check();
      this.schedule();
    }, this.options.checkIntervalMs ?? 3600_000);
    this.timer.unref();
  }

  private async ensure(): Promise<void> {
    const { policy, hosts, namespace, name, logger } = this.options;
    const live = this.live();
    const stored = storedFromSecret(live);
    const now = this.now();
    const plan = planRotation(stored, hosts, now, policy);
    if (plan.action === 'keep') return;
    const next = await issue(stored, plan, hosts, now, policy);
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      // A Secret's type cannot change: keep what is there (the chart renders an empty Opaque one).
      type: live?.type ?? 'kubernetes.io/tls',
      metadata: { name, namespace, labels: { ...(this.options.labels ?? {}) }, ...(live?.metadata.resourceVersion === undefined ? {} : { resourceVersion: live.metadata.resourceVersion }) },
      data: secretData(next),
    };
    const opts = callOptions({ timeoutMs: 10_000 });
    try {
      if (live === undefined) await this.api.createNamespacedSecret({ namespace, body }, opts);
      else await this.api.replaceNamespacedSecret({ namespace, name, body }, opts);
    } catch (err) {
      const info = kubeErrorInfo(err);
      // Another replica wrote first: its Secret arrives through the watch and is checked again.
      if (info.status === 409) return;
      throw err;
    }
    this.issued += 1;
    logger.info({ secret: this.description, new_ca: plan.newCa, reason: plan.reason, hosts }, 'issued a webhook serving certificate');
    // Serve it at once; the watch event that follows is then a no-op.
    this.options.serving.update({ certPem: next.certPem, keyPem: next.keyPem, caPem: next.caBundlePem });
  }
}
