// The operator's own metrics, with controller-runtime's names where one exists (so existing
// dashboards and alerts work) and jussi_operator_* for the rest. Gauges that mirror component
// state read it at scrape time.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const CONTROLLER = 'jussi';

export interface OperatorGaugeSources {
  readonly queueDepth: () => number;
  readonly leading: () => boolean;
  readonly resources: () => readonly { readonly kind: string; readonly accepted: boolean }[];
  readonly proxies: () => { readonly total: number; readonly ready: number; readonly programmed: number };
  readonly informers: () => readonly { readonly resource: string; readonly connects: number; readonly errors: number; readonly relists: number; readonly synced: boolean }[];
  readonly statusWrites: () => { readonly written: number; readonly skipped: number; readonly dropped: number; readonly failed: number; readonly failing: number; readonly pending: number };
}

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly renderTime: Histogram;
  private readonly publishTotal: Counter<'result'>;
  private readonly publishedInfo: Gauge<'hash'>;
  private published: string | null = null;

  constructor(sources: OperatorGaugeSources, leaseName: string) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'jussi_operator_' });
    this.reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Reconciles (renders of the whole set) by result.', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Failed reconcile attempts: renders or publications that failed, and failed status writes (each is retried with backoff).', labelNames: ['controller'], registers });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Time per reconcile: render, publish and status.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.renderTime = new Histogram({ name: 'jussi_operator_render_duration_seconds', help: 'Time to render all custom resources into a config document.', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers });
    this.publishTotal = new Counter({ name: 'jussi_operator_publish_total', help: 'ConfigMap publications by result (changed, unchanged, error).', labelNames: ['result'], registers });
    this.publishedInfo = new Gauge({ name: 'jussi_operator_published_config_info', help: 'The config hash last published (value 1).', labelNames: ['hash'], registers });
    new Gauge({ name: 'workqueue_depth', help: 'Renders waiting to run.', labelNames: ['name'], registers, collect() { this.set({ name: CONTROLLER }, sources.queueDepth()); } });
    new Gauge({ name: 'leader_election_master_status', help: '1 while this replica leads.', labelNames: ['name'], registers, collect() { this.set({ name: leaseName }, sources.leading() ? 1 : 0); } });
    new Gauge({
      name: 'jussi_operator_resources',
      help: 'Custom resources seen, by kind and whether they are accepted.',
      labelNames: ['kind', 'accepted'],
      registers,
      collect() {
        this.reset();
        for (const r of sources.resources()) this.inc({ kind: r.kind, accepted: String(r.accepted) });
      },
    });
    new Gauge({
      name: 'jussi_operator_proxies',
      help: 'Proxy pods: total, ready, and running the published config (programmed).',
      labelNames: ['state'],
      registers,
      collect() {
        const p = sources.proxies();
        this.set({ state: 'total' }, p.total);
        this.set({ state: 'ready' }, p.ready);
        this.set({ state: 'programmed' }, p.programmed);
      },
    });
    new Gauge({
      name: 'jussi_operator_informer_synced',
      help: '1 once an informer has listed its collection.',
      labelNames: ['resource'],
      registers,
      collect() {
        for (const i of sources.informers()) this.set({ resource: i.resource }, i.synced ? 1 : 0);
      },
    });
    for (const [field, help] of [['connects', 'Watch requests opened.'], ['errors', 'List or watch failures (each is retried with backoff).'], ['relists', 'Full relists.']] as const) {
      new Gauge({
        name: `jussi_operator_informer_${field}`,
        help,
        labelNames: ['resource'],
        registers,
        collect() {
          for (const i of sources.informers()) this.set({ resource: i.resource }, i[field]);
        },
      });
    }
    new Gauge({
      name: 'jussi_operator_status_writes',
      help: 'Status writes by outcome since start (written, skipped as unchanged, dropped, failed attempts), and now: pending, failing (waiting out a backoff).',
      labelNames: ['outcome'],
      registers,
      collect() {
        const s = sources.statusWrites();
        for (const outcome of ['written', 'skipped', 'dropped', 'failed', 'failing', 'pending'] as const) this.set({ outcome }, s[outcome]);
      },
    });
  }

  /** A failed attempt on one item (a resource's status write) outside a whole reconcile. */
  reconcileError(): void {
    this.reconcileErrors.inc({ controller: CONTROLLER });
  }

  reconciled(seconds: number, ok: boolean): void {
    this.reconcileTotal.inc({ controller: CONTROLLER, result: ok ? 'success' : 'error' });
    if (!ok) this.reconcileErrors.inc({ controller: CONTROLLER });
    this.reconcileTime.observe({ controller: CONTROLLER }, seconds);
  }

  rendered(seconds: number): void {
    this.renderTime.observe(seconds);
  }

  publishResult(result: 'changed' | 'unchanged' | 'error', hash: string | null): void {
    this.publishTotal.inc({ result });
    if (hash !== null && hash !== this.published) {
      this.publishedInfo.reset();
      this.publishedInfo.set({ hash }, 1);
      this.published = hash;
    }
  }
}
