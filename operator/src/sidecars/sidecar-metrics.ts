// Metrics of the sidecar half: injections by outcome, sidecars by state, config polls, token
// reviews, and whether a serving certificate is loaded. Read at scrape time.

import { Gauge, type Registry } from 'prom-client';
import type { SidecarServices, SidecarView } from './sidecar-services.js';

export function registerSidecarMetrics(registry: Registry, services: SidecarServices, view: () => SidecarView | null): void {
  const registers = [registry];
  new Gauge({
    name: 'jussi_operator_sidecar_injections',
    help: 'Admission requests since start by outcome: injected, skipped (not for us, opted out, already injected), refused (admitted without the sidecar, with a warning), malformed.',
    labelNames: ['outcome'],
    registers,
    collect() {
      for (const [outcome, n] of Object.entries(services.injections)) this.set({ outcome }, n);
    },
  });
  new Gauge({
    name: 'jussi_operator_sidecars',
    help: 'Injected sidecars the leader counts (total, ready: running a config, programmed: running the published one); 0 on standbys.',
    labelNames: ['state'],
    registers,
    collect() {
      const v = view();
      const all = v?.sidecars ?? [];
      const hash = services.feed.get()?.hash ?? null;
      this.set({ state: 'total' }, all.length);
      this.set({ state: 'ready' }, all.filter((s) => s.runningHash !== '').length);
      this.set({ state: 'programmed' }, all.filter((s) => hash !== null && s.runningHash === hash).length);
    },
  });
  new Gauge({
    name: 'jussi_operator_config_polls',
    help: 'Sidecar config polls on this replica: served (200), not_modified (304), unauthorized (401/403) since start, and waiting now.',
    labelNames: ['outcome'],
    registers,
    collect() {
      const c = services.configServer.counts;
      this.set({ outcome: 'served' }, c.served);
      this.set({ outcome: 'not_modified' }, c.notModified);
      this.set({ outcome: 'unauthorized' }, c.unauthorized);
      this.set({ outcome: 'waiting' }, c.waiting);
    },
  });
  new Gauge({
    name: 'jussi_operator_config_fanout_seconds',
    help: 'The last config change on this replica: seconds until every held sidecar poll was answered (label polls: how many).',
    labelNames: ['polls'],
    registers,
    collect() {
      const f = services.configServer.counts.lastFanout;
      this.reset();
      if (f !== null) this.set({ polls: String(f.polls) }, f.ms / 1000);
    },
  });
  new Gauge({
    name: 'jussi_operator_token_reviews',
    help: 'TokenReviews sent to the API server since start (answers are cached per token).',
    registers,
    collect() {
      this.set(services.reviewer.reviewCount);
    },
  });
  new Gauge({
    name: 'jussi_operator_webhook_certificate_expiry_seconds',
    help: 'Unix time the serving certificate expires (0 before one is loaded).',
    registers,
    collect() {
      const m = services.serving.get();
      this.set(m === null ? 0 : services.serving.expiresAt() / 1000);
    },
  });
}
