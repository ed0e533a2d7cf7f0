// The operator's loop, level-triggered and global (controller-runtime's shape, EG's single
// request): any change to a JsonRpcUpstream, a CacheRule, the published ConfigMap or a proxy
// pod schedules one debounced reconcile of the whole set. A reconcile renders every resource
// (every replica does, so a standby is warm), and the leader publishes the document when it
// changed and writes each resource's status. Status figures come from the proxies' /state,
// pulled on a timer and after each publish.

import { performance } from 'node:perf_hooks';
import type { KubeConfig } from '@kubernetes/client-node';
import { configHash } from '@jussi/proxy/config/load';
import { kubeErrorInfo } from '@jussi/proxy/kube/errors';
import { isConfigMap, isNamedObject, type ConfigMapObject, type NamedObject } from '@jussi/proxy/kube/objects';
import { ResilientInformer, type InformerTuning } from '@jussi/proxy/kube/resilient-informer';
import type { Logger } from '@jussi/proxy/observability/types';
import { ConfigMapPublisher } from '../kube/configmap-publisher.js';
import { ItemBackoff } from '../kube/item-backoff.js';
import { LeaderElector } from '../kube/leader-election.js';
import { ProxyDiscovery, type PortOf } from '../kube/proxy-discovery.js';
import { pullStates } from '../kube/state-pull.js';
import { StatusWriter, targetKey, type StatusTarget } from '../kube/status-writer.js';
import { OperatorMetrics } from '../metrics.js';
import {
  API_GROUP,
  API_VERSION,
  CACHE_RULE_KIND,
  CACHE_RULE_PLURAL,
  CONFIG_HASH_ANNOTATION,
  CONFIG_MAP_KEY,
  RATE_LIMIT_POLICY_KIND,
  RATE_LIMIT_POLICY_PLURAL,
  UPSTREAM_KIND,
  UPSTREAM_PLURAL,
} from '../names.js';
import { render } from '../render/render.js';
import { acceptedContributions, contributionOf, type Verdict } from '../render/verdict.js';
import { asJussiResource } from '../resources/as-resource.js';
import { keyOf } from '../resources/resource-key.js';
import type { JussiResource } from '../resources/types.js';
import type { OperatorSettings } from '../settings.js';
import { cacheRuleStatus, conditionsIn, rateLimitPolicyStatus, upstreamStatus } from '../status/compute-status.js';
import type { ProxyState } from '../status/inputs.js';
import { PublishedHistory } from '../status/published-history.js';
import { registerSidecarMetrics } from '../sidecars/sidecar-metrics.js';
import { SidecarServices, type SidecarView } from '../sidecars/sidecar-services.js';
import { Debouncer } from './debouncer.js';
import { electionLogLine } from './election-log.js';

export interface ControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly settings: OperatorSettings;
  readonly logger: Logger;
  /** Informer timings (tests shorten them). */
  readonly informerTuning?: Partial<InformerTuning>;
  /** Admin port of a proxy pod (tests run proxies on loopback ports). */
  readonly portOf?: PortOf;
  /** Config port of a peer operator pod (tests run replicas on loopback ports). */
  readonly peerPortOf?: PortOf;
  readonly now?: () => Date;
}

interface CrInformer {
  readonly kind: JussiResource['kind'];
  readonly plural: string;
  readonly informer: ResilientInformer<NamedObject>;
}

const PULL_WHEN_IDLE_MS = 50;
/** How long stop() lets queued status writes go out. */
const STOP_FLUSH_MS = 2_000;
/** After a publish, proxies are pulled from this often (doubling) until all run the new document. */
const CONVERGENCE_PULL_MS = 100;
/** The ConfigMap publication and the reconcile itself, as items of the retry backoff. */
const PUBLISH_ITEM = 'configmap';
const RECONCILE_ITEM = 'reconcile';

export class Controller {
  readonly metrics: OperatorMetrics;
  private readonly crInformers: CrInformer[] = [];
  private readonly configMap: ResilientInformer<ConfigMapObject>;
  private readonly discovery: ProxyDiscovery;
  private readonly elector: LeaderElector;
  private readonly publisher: ConfigMapPublisher;
  private readonly writer: StatusWriter;
  private readonly debouncer: Debouncer;
  private readonly now: () => Date;
  private readonly history = new PublishedHistory();
  private readonly retries = new ItemBackoff();
  /** What makes a resource worth a render: its generation and lifecycle, not its status. */
  private readonly renderInputs = new Map<string, string>();
  private resources: JussiResource[] = [];
  private verdicts: ReadonlyMap<string, Verdict> = new Map();
  private proxies: ProxyState[] = [];
  private proxyCounts = { total: 0, ready: 0, programmed: 0 };
  private statusTimer: NodeJS.Timeout | null = null;
  private statusRun: Promise<void> | null = null;
  private statusDueAt = 0;
  private statusAgain = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** The document whose publication failed, retried when its backoff ends (or at once if it changes). */
  private failedPublish: string | null = null;
  private convergencePullMs = CONVERGENCE_PULL_MS;
  private started = false;
  /** Sidecar injection and config distribution (OPERATOR_SIDECARS), else null. */
  readonly sidecars: SidecarServices | null;
  private sidecarView: SidecarView | null = null;

  constructor(private readonly options: ControllerOptions) {
    const { kubeConfig, settings } = options;
    this.now = options.now ?? (() => new Date());
    const tuning = options.informerTuning;
    const namespaces: (string | undefined)[] = settings.watchNamespaces.length === 0 ? [undefined] : [...settings.watchNamespaces];
    for (const [kind, plural] of [
      [UPSTREAM_KIND, UPSTREAM_PLURAL],
      [CACHE_RULE_KIND, CACHE_RULE_PLURAL],
      [RATE_LIMIT_POLICY_KIND, RATE_LIMIT_POLICY_PLURAL],
    ] as const) {
      for (const namespace of namespaces) {
        const informer = new ResilientInformer<NamedObject>({
          kubeConfig,
          resource: { group: API_GROUP, version: API_VERSION, plural, ...(namespace === undefined ? {} : { namespace }) },
          accept: isNamedObject,
          ...(tuning === undefined ? {} : { tuning }),
        });
        this.crInformers.push({ kind, plural, informer });
      }
    }
    this.configMap = new ResilientInformer<ConfigMapObject>({
      kubeConfig,
      resource: { group: '', version: 'v1', plural: 'configmaps', namespace: settings.configMap.namespace },
      fieldSelector: `metadata.name=${settings.configMap.name}`,
      accept: isConfigMap,
      ...(tuning === undefined ? {} : { tuning }),
    });
    this.discovery = new ProxyDiscovery({
      kubeConfig,
      namespace: settings.proxyNamespace,
      labelSelector: settings.proxySelector,
      adminPort: settings.proxyAdminPort,
      ...(options.portOf === undefined ? {} : { portOf: options.portOf }),
      ...(tuning === undefined ? {} : { tuning }),
    });
    this.elector = new LeaderElector({
      kubeConfig,
      namespace: settings.lease.namespace,
      name: settings.lease.name,
      identity: settings.identity,
      leaseDurationMs: settings.lease.durationMs,
      renewDeadlineMs: settings.lease.renewDeadlineMs,
      retryPeriodMs: settings.lease.retryPeriodMs,
    });
    this.publisher = new ConfigMapPublisher({
      kubeConfig,
      namespace: settings.configMap.namespace,
      name: settings.configMap.name,
      key: CONFIG_MAP_KEY,
      labels: { 'app.kubernetes.io/managed-by': 'jussi-operator', 'app.kubernetes.io/name': 'jussi' },
      read: () => this.configMap.list(settings.configMap.namespace)[0],
    });
    this.writer = new StatusWriter({ kubeConfig, qps: settings.kubeApi.qps, burst: settings.kubeApi.burst, logger: options.logger });
    this.sidecars = settings.sidecar.enabled
      ? new SidecarServices({
        kubeConfig, settings, logger: options.logger, leading: () => this.elector.isLeader(),
        ...(tuning === undefined ? {} : { informerTuning: tuning }),
        ...(options.peerPortOf === undefined ? {} : { peerPortOf: options.peerPortOf }),
      })
      : null;
    this.debouncer = new Debouncer(() => this.reconcile(), settings.debounceMs, settings.debounceMaxMs);
    this.metrics = new OperatorMetrics(
      {
        queueDepth: () => this.debouncer.depth,
        leading: () => this.elector.isLeader(),
        resources: () => this.resources.map((r) => ({ kind: r.kind, accepted: this.verdicts.get(keyOf(r))?.accepted === true })),
        proxies: () => this.proxyCounts,
        informers: () =>
          [...this.crInformers.map((c) => c.informer), this.configMap].map((i) => ({ resource: i.description, ...pickStats(i.stats()) })),
        statusWrites: () => this.writer.stats(),
      },
      settings.lease.name,
    );
    if (this.sidecars !== null) registerSidecarMetrics(this.metrics.registry, this.sidecars, () => this.sidecarView);
  }

  /** Informers are running and the first lists are in (the readiness probe). */
  ready(): boolean {
    return this.crInformers.every((c) => c.informer.hasSynced()) && this.configMap.hasSynced();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  /** The last rendered verdicts, keyed kind/namespace/name (tests, diagnostics). */
  lastVerdicts(): ReadonlyMap<string, Verdict> {
    return this.verdicts;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { logger } = this.options;
    // Every failed status write is a reconcile error of its resource (it is retried with backoff).
    this.writer.onOutcome((_target, outcome) => {
      if (outcome === 'failed') this.metrics.reconcileError();
    });
    for (const c of this.crInformers) {
      c.informer.onChange((event) => {
        const target = targetOf(c, event.object);
        const key = targetKey(target);
        if (event.type === 'delete') {
          this.writer.forget(target);
          this.renderInputs.delete(key);
          this.debouncer.trigger();
          return;
        }
        this.writer.observe(target, (event.object as { status?: unknown }).status);
        // A status update (most of them are ours) changes nothing render reads: no reconcile.
        const inputs = renderInputsOf(event.object);
        if (inputs === null || this.renderInputs.get(key) !== inputs) this.debouncer.trigger();
        if (inputs !== null) this.renderInputs.set(key, inputs);
      });
      c.informer.onError((e) => logger.warn({ resource: c.informer.description, error: { type: 'KubeError', message: e.error.message, code: e.error.status ?? 'network' }, retry_in_ms: e.retryInMs }, 'watch failed; retrying'));
    }
    this.configMap.onChange(() => {
      this.feedSidecars();
      this.debouncer.trigger();
    });
    this.sidecars?.registry.onChange(() => this.statusSoon());
    this.discovery.onChange(() => this.scheduleStatus(PULL_WHEN_IDLE_MS));
    this.elector.onChange((leading) => {
      if (leading) {
        this.sidecars?.leading();
        this.debouncer.trigger();
      }
    });
    const { lease, identity } = this.options.settings;
    this.elector.onState((state) => {
      const line = electionLogLine(state, `${lease.namespace}/${lease.name}`, lease.retryPeriodMs);
      logger[line.level]({ identity, ...line.fields }, line.message);
    });
    await Promise.all([...this.crInformers.map((c) => c.informer.start()), this.configMap.start(), this.discovery.start()]);
    this.feedSidecars();
    await this.sidecars?.start();
    this.elector.start();
    this.debouncer.trigger();
    this.scheduleStatus(this.options.settings.statusPollIntervalMs);
  }

  /** Stops every loop and releases the lease, so a standby takes over at once. */
  async stop(): Promise<void> {
    if (this.statusTimer !== null) clearTimeout(this.statusTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.statusTimer = null;
    this.retryTimer = null;
    this.started = false;
    await this.debouncer.stop();
    await this.statusRun;
    // Let queued statuses go out, but not for long: a status that keeps failing never does.
    await Promise.race([this.writer.idle(), new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_MS).unref())]);
    await this.writer.stop();
    await this.elector.stop({ release: true });
    await this.sidecars?.stop();
    await Promise.all([...this.crInformers.map((c) => c.informer.stop()), this.configMap.stop(), this.discovery.stop()]);
  }

  /** Every replica serves sidecars what the leader published (the ConfigMap it watches). */
  private feedSidecars(): void {
    const live = this.liveConfig();
    if (this.sidecars !== null && live.text !== null && live.hash !== null) this.sidecars.feed.set(live.text, live.hash);
  }

  // ------------------------------------------------------------------------------------------

  private collect(): JussiResource[] {
    const out: JussiResource[] = [];
    for (const c of this.crInformers) {
      for (const obj of c.informer.list()) {
        const r = asJussiResource(obj);
        if (r !== null) out.push(r);
        else this.options.logger.warn({ resource: `${c.plural}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}` }, 'ignoring an object that is not a valid custom resource envelope');
      }
    }
    return out;
  }

  private liveConfig(): { hash: string | null; text: string | null } {
    const cm = this.configMap.list(this.options.settings.configMap.namespace)[0];
    const text = cm?.data?.[CONFIG_MAP_KEY] ?? null;
    return { hash: text === null ? null : (cm?.metadata.annotations?.[CONFIG_HASH_ANNOTATION] ?? configHash(text)), text };
  }

  private async reconcile(): Promise<void> {
    const { logger, settings } = this.options;
    const started = performance.now();
    let ok = true;
    try {
      const resources = this.collect();
      const renderStarted = performance.now();
      const result = render({ resources, limits: settings.limits, ...(settings.edge === undefined ? {} : { edge: settings.edge }) });
      this.metrics.rendered((performance.now() - renderStarted) / 1000);
      this.resources = resources;
      this.verdicts = result.verdicts;
      if (!result.ok) {
        ok = false;
        logger.error({ problems: result.problems }, 'the rendered config is not valid: nothing published; the last published config stays');
      } else if (this.elector.isLeader()) {
        ok = await this.publish(result.text, result.hash, resources.length, acceptedContributions(result.verdicts));
      } else {
        // A standby learns what the leader published from the ConfigMap it watches.
        const live = this.liveConfig();
        if (live.hash !== null && live.hash === result.hash) this.history.record(live.hash, acceptedContributions(result.verdicts));
      }
      if (this.elector.isLeader()) {
        await this.pullProxies();
        this.writeStatuses();
      }
      if (this.retries.succeeded(RECONCILE_ITEM) > 0) logger.info({}, 'reconcile succeeded again');
    } catch (err) {
      ok = false;
      const info = kubeErrorInfo(err);
      const failure = this.retries.failed(RECONCILE_ITEM, info, Date.now());
      if (failure.stateChanged) {
        logger.error({ error: { type: err instanceof Error ? err.name : 'Error', message: info.message }, retry_in_ms: failure.delayMs }, 'reconcile failed; retrying with backoff');
      }
      this.retryAfter(failure.delayMs);
    } finally {
      this.metrics.reconciled((performance.now() - started) / 1000, ok);
    }
  }

  /**
   * Publishes the document unless it is the one that just failed and its backoff has not ended
   * (an edit makes a new document, tried at once). Returns false when the attempt failed.
   */
  private async publish(text: string, hash: string, resourceCount: number, contributions: ReadonlyMap<string, string>): Promise<boolean> {
    const { logger, settings } = this.options;
    if (this.failedPublish === hash && Date.now() < this.retries.retryAt(PUBLISH_ITEM)) return true;
    const outcome = await this.publisher.publish(text);
    if (!outcome.ok) {
      this.metrics.publishResult('error', null);
      this.failedPublish = hash;
      const failure = this.retries.failed(PUBLISH_ITEM, outcome.error, Date.now());
      if (failure.stateChanged) {
        logger.error(
          { config_hash: outcome.hash, error: { type: 'KubeError', message: outcome.error.message, code: outcome.error.status ?? 'network' }, attempt: failure.failures, retry_in_ms: failure.delayMs },
          'publishing the proxy config failed; retrying with backoff',
        );
      }
      this.retryAfter(failure.delayMs);
      return false;
    }
    this.failedPublish = null;
    const failedBefore = this.retries.succeeded(PUBLISH_ITEM);
    if (failedBefore > 0) logger.info({ config_hash: outcome.hash, failed_attempts: failedBefore }, 'published the proxy config after failed attempts');
    this.history.record(outcome.hash, contributions);
    // Sidecars polling this replica get it now; the others' replicas see the ConfigMap change.
    this.sidecars?.feed.set(text, outcome.hash);
    this.metrics.publishResult(outcome.changed ? 'changed' : 'unchanged', outcome.hash);
    if (outcome.changed) {
      logger.info({ config_hash: outcome.hash, resources: resourceCount, configmap: `${settings.configMap.namespace}/${settings.configMap.name}` }, 'published a new proxy config');
      // Follow the proxies closely until they all run it, so that Programmed comes soon.
      this.convergencePullMs = CONVERGENCE_PULL_MS;
      this.scheduleStatus(this.convergencePullMs);
    }
    return true;
  }

  /** One more reconcile after `delayMs` (a retry); an event before then reconciles sooner. */
  private retryAfter(delayMs: number): void {
    if (!this.started) return;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.debouncer.trigger();
    }, delayMs);
    this.retryTimer.unref();
  }

  private async pullProxies(): Promise<void> {
    const { settings } = this.options;
    const set = this.discovery.proxies();
    const pulled = await pullStates(set.ready, { concurrency: settings.stateConcurrency, timeoutMs: settings.stateTimeoutMs });
    const states: ProxyState[] = pulled.map((p) => ({ pod: p.endpoint.pod, report: p.result.ok ? p.result.report : null }));
    // Pods that exist but are not ready count in the total ("2/3 proxies").
    for (let i = states.length; i < set.total; i++) states.push({ pod: `~not-ready-${i}`, report: null });
    this.proxies = states;
    if (this.sidecars !== null) this.sidecarView = await this.sidecars.view();
    const hash = this.history.latest();
    this.proxyCounts = {
      total: set.total,
      ready: states.filter((s) => s.report?.ready === true).length,
      programmed: hash === null ? 0 : states.filter((s) => s.report?.ready === true && s.report.configHash === hash).length,
    };
  }

  /** Every ready proxy runs the latest published document. */
  private converged(): boolean {
    return this.proxyCounts.programmed === this.proxyCounts.ready;
  }

  private writeStatuses(): void {
    const now = this.now();
    this.writer.beginPass();
    for (const resource of this.resources) {
      const key = keyOf(resource);
      const verdict = this.verdicts.get(key);
      if (verdict === undefined) continue;
      const publication = this.history.publicationOf(key, contributionOf(verdict));
      const target: StatusTarget = {
        kind: resource.kind,
        plural: resource.kind === UPSTREAM_KIND ? UPSTREAM_PLURAL : resource.kind === RATE_LIMIT_POLICY_KIND ? RATE_LIMIT_POLICY_PLURAL : CACHE_RULE_PLURAL,
        namespace: resource.metadata.namespace,
        name: resource.metadata.name,
      };
      const view = this.sidecarView;
      const sidecars = view === null ? {} : {
        sidecars: view.sidecars.map((e) => ({ pod: `${e.namespace}/${e.pod}`, runningHash: e.runningHash })),
        sampledReports: view.samples.map((r) => ({ pod: r.pod, report: r.report })),
      };
      // The resource was collected at the last render; its status may have moved on since (or be
      // queued, or written and not yet seen): conditions keep their lastTransitionTime from the newest.
      const previous = conditionsIn(this.writer.current(target) ?? resource.status);
      const input = { verdict, publication, proxies: this.proxies, now, ...sidecars, ...(previous === undefined ? {} : { previous }) };
      const status =
        resource.kind === 'JsonRpcUpstream'
          ? upstreamStatus({ resource, ...input })
          : resource.kind === 'RateLimitPolicy'
            ? rateLimitPolicyStatus({ resource, ...input })
            : cacheRuleStatus({ resource, ...input });
      this.writer.write(target, status);
    }
  }

  /**
   * A status refresh soon (a sidecar appeared or runs another hash), without postponing one
   * already due sooner: a thousand sidecars reloading at once cost one refresh, not a thousand.
   */
  private statusSoon(): void {
    if (this.statusRun !== null) {
      this.statusAgain = true;
      return;
    }
    if (this.statusTimer !== null && this.statusDueAt <= Date.now() + PULL_WHEN_IDLE_MS) return;
    this.scheduleStatus(PULL_WHEN_IDLE_MS);
  }

  /** Status refresh on a timer (figures change without any Kubernetes event). */
  private scheduleStatus(delayMs: number): void {
    if (!this.started) return;
    if (this.statusTimer !== null) clearTimeout(this.statusTimer);
    this.statusDueAt = Date.now() + delayMs;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      let next = this.options.settings.statusPollIntervalMs;
      this.statusRun = (async () => {
        if (this.elector.isLeader() && this.verdicts.size > 0) {
          await this.pullProxies();
          this.writeStatuses();
          if (!this.converged()) {
            this.convergencePullMs = Math.min(this.convergencePullMs * 2, next);
            next = this.convergencePullMs;
          }
        }
      })()
        .catch((err: unknown) => this.options.logger.warn({ error: { type: 'StatusError', message: String(err) } }, 'status refresh failed'))
        .finally(() => {
          this.statusRun = null;
          const again = this.statusAgain;
          this.statusAgain = false;
          this.scheduleStatus(again ? Math.min(PULL_WHEN_IDLE_MS, next) : next);
        });
    }, delayMs);
    this.statusTimer.unref();
  }
}

/** The metadata render reads besides the spec (whose changes bump the generation); null: unknown, always render. */
function renderInputsOf(obj: NamedObject): string | null {
  const m = obj.metadata as { generation?: unknown; creationTimestamp?: unknown; deletionTimestamp?: unknown; uid?: unknown };
  if (typeof m.generation !== 'number') return null;
  return JSON.stringify([m.generation, m.creationTimestamp ?? null, m.deletionTimestamp ?? null, m.uid ?? null]);
}

function targetOf(c: CrInformer, obj: NamedObject): StatusTarget {
  return { kind: c.kind, plural: c.plural, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

function pickStats(s: { connects: number; errors: number; relists: number; synced: boolean }): { connects: number; errors: number; relists: number; synced: boolean } {
  return { connects: s.connects, errors: s.errors, relists: s.relists, synced: s.synced };
}
