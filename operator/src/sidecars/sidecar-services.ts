// Everything that makes sidecars first-class, on every replica: the serving certificate
// (self-managed in a Secret, or from a directory), the CA bundle of the webhook configuration
// (leader only), the injection webhook, and the config server that sidecars long-poll. The
// controller feeds it the published document and asks it, when writing status, which sidecars
// run which hash and for a sample of their state reports.

import type { KubeConfig } from '@kubernetes/client-node';
import type { InformerTuning } from '@jussi/proxy/kube/resilient-informer';
import type { Logger } from '@jussi/proxy/observability/types';
import { DirectoryCertificates } from '../certs/directory-certificates.js';
import { HttpsServer } from '../certs/https-server.js';
import { SecretCertificates } from '../certs/secret-certificates.js';
import { ServingCertificate } from '../certs/serving-certificate.js';
import { WebhookCaBundle } from '../certs/webhook-ca-bundle.js';
import { ConfigFeed } from '../distribution/config-feed.js';
import { ConfigServer } from '../distribution/config-server.js';
import { PeerSidecars } from '../distribution/peer-sidecars.js';
import { SidecarSampler, type SampledReport } from '../distribution/sidecar-sampler.js';
import { mergeSidecars, SidecarRegistry, type SidecarEntry } from '../distribution/sidecar-registry.js';
import { TokenReviewer } from '../distribution/token-reviewer.js';
import type { PortOf } from '../kube/proxy-discovery.js';
import type { OperatorSettings } from '../settings.js';
import { EventRecorder } from '../webhook/events.js';
import { webhookHandler, type InjectionCounts } from '../webhook/webhook-handler.js';

export interface SidecarServicesOptions {
  readonly kubeConfig: KubeConfig;
  readonly settings: OperatorSettings;
  readonly logger: Logger;
  readonly leading: () => boolean;
  readonly informerTuning?: Partial<InformerTuning>;
  /** Config port of a peer pod (tests run replicas on loopback ports). */
  readonly peerPortOf?: PortOf;
}

export interface SidecarView {
  /** Live sidecars of every replica, one entry per pod. */
  readonly sidecars: readonly SidecarEntry[];
  /** Recent /state reports of a sample of them. */
  readonly samples: readonly SampledReport[];
}

export class SidecarServices {
  readonly serving = new ServingCertificate();
  readonly feed = new ConfigFeed();
  readonly registry = new SidecarRegistry();
  readonly injections: InjectionCounts = { injected: 0, skipped: 0, refused: 0, malformed: 0 };
  readonly reviewer: TokenReviewer;
  readonly configServer: ConfigServer;
  private readonly certificates: SecretCertificates | DirectoryCertificates;
  private readonly caBundle: WebhookCaBundle | null;
  private readonly events: EventRecorder;
  private readonly webhookHttps: HttpsServer;
  private readonly configHttps: HttpsServer;
  private readonly peers: PeerSidecars | null;
  private readonly sampler: SidecarSampler;

  constructor(private readonly options: SidecarServicesOptions) {
    const { kubeConfig, settings, logger, leading } = options;
    const s = settings.sidecar;
    const tuning = options.informerTuning;
    this.certificates = s.webhook.certDir !== null
      ? new DirectoryCertificates({ dir: s.webhook.certDir, serving: this.serving, logger })
      : new SecretCertificates({
        kubeConfig, namespace: s.webhook.secret.namespace, name: s.webhook.secret.name, hosts: s.webhook.hosts, policy: s.webhook.rotation,
        serving: this.serving, leading, logger, labels: { 'app.kubernetes.io/managed-by': 'jussi-operator', 'app.kubernetes.io/name': 'jussi' },
        ...(tuning === undefined ? {} : { tuning }),
      });
    this.caBundle = s.webhook.configurationName === null ? null
      : new WebhookCaBundle({ kubeConfig, name: s.webhook.configurationName, serving: this.serving, leading, logger, ...(tuning === undefined ? {} : { tuning }) });
    this.events = new EventRecorder({ kubeConfig, instance: settings.identity, logger });
    const excluded = new Set(s.webhook.excludedNamespaces);
    this.webhookHttps = new HttpsServer({
      host: s.webhook.host, port: s.webhook.port, serving: this.serving,
      handler: webhookHandler({ context: () => ({ template: s.template, excludedNamespaces: excluded, caPem: this.serving.get()?.caPem ?? null }), events: this.events, logger, counts: this.injections }),
    });
    this.reviewer = new TokenReviewer({ kubeConfig, audience: s.config.audience });
    this.configServer = new ConfigServer({
      feed: this.feed, registry: this.registry, review: (t) => this.reviewer.review(t), allowedNamespaces: s.config.allowedNamespaces,
      maxWaitSeconds: s.config.maxWaitSeconds, peerToken: () => this.serving.peerToken(), logger,
    });
    this.configHttps = new HttpsServer({
      host: s.config.host, port: s.config.port, serving: this.serving, handler: this.configServer.handler,
      requestTimeoutMs: (s.config.maxWaitSeconds + 30) * 1000,
    });
    this.peers = s.peerSelector === null ? null : new PeerSidecars({
      kubeConfig, namespace: settings.podNamespace, labelSelector: s.peerSelector, port: s.config.port, self: settings.identity, serving: this.serving,
      ...(options.peerPortOf === undefined ? {} : { portOf: options.peerPortOf }),
      ...(tuning === undefined ? {} : { tuning }),
    });
    this.sampler = new SidecarSampler(s.sampleSize, settings.stateTimeoutMs);
  }

  async start(): Promise<void> {
    await Promise.all([this.certificates.start(), this.caBundle?.start(), this.peers?.start()]);
    // They listen once a certificate exists (the leader may still be issuing it).
    const { logger } = this.options;
    void this.webhookHttps.start().then((port) => logger.info({ port }, 'sidecar injection webhook listening'));
    void this.configHttps.start().then((port) => logger.info({ port }, 'sidecar config server listening'));
  }

  async stop(): Promise<void> {
    await Promise.all([this.webhookHttps.close(), this.configHttps.close()]);
    await Promise.all([this.certificates.stop(), this.caBundle?.stop(), this.peers?.stop(), this.events.flush()]);
  }

  /** This replica became leader: certificates and the CA bundle are its job now. */
  leading(): void {
    if (this.certificates instanceof SecretCertificates) this.certificates.check();
    this.caBundle?.check();
  }

  /** Ports listened on (0 before the first certificate). */
  ports(): { webhook: number; config: number } {
    return { webhook: this.webhookHttps.port, config: this.configHttps.port };
  }

  /** The leader's view for status: every replica's sidecars, and sampled reports. */
  async view(): Promise<SidecarView> {
    const lists = [this.registry.live(), ...(this.peers === null ? [] : await this.peers.pull())];
    const sidecars = mergeSidecars(lists);
    const samples = await this.sampler.sample(sidecars);
    return { sidecars, samples };
  }
}
