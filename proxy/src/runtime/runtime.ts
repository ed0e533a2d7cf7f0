// Holds the current runtime snapshot and swaps it atomically when a config document arrives.
// A valid document becomes a new snapshot (pools of unchanged upstreams reused, removed ones
// drained after the swap); an invalid one is rejected whole, reported, and the last good
// snapshot keeps serving.

import { checkUpstreamHosts } from '../config/dns-check.js';
import { configHash, loadConfigDocument } from '../config/load.js';
import type { Settings } from '../config/settings.js';
import type { ConfigDocumentText } from '../config/sources/source.js';
import type { ReloadErrorReport } from '../admin/state-report.js';
import type { Telemetry } from '../observability/types.js';
import { buildRoutingTable } from '../routing/routing-table.js';
import { UpstreamSet } from '../upstream/registry.js';
import { buildSnapshot, type RuntimeSnapshot } from './snapshot.js';

export type ApplyResult =
  | { readonly ok: true; readonly changed: boolean; readonly snapshot: RuntimeSnapshot }
  | { readonly ok: false; readonly error: ReloadErrorReport };

export type SnapshotListener = (next: RuntimeSnapshot, previous: RuntimeSnapshot | null) => void;

export class Runtime {
  private snapshot: RuntimeSnapshot | null = null;
  private lastError: ReloadErrorReport | null = null;
  private readonly listeners: SnapshotListener[] = [];
  private closing = false;

  constructor(
    private readonly settings: Settings,
    private readonly telemetry: Telemetry,
  ) {}

  current(): RuntimeSnapshot | null {
    return this.snapshot;
  }

  lastReloadError(): ReloadErrorReport | null {
    return this.lastError;
  }

  onSwap(listener: SnapshotListener): void {
    this.listeners.push(listener);
  }

  /** Validates a document and, when valid and different, swaps it in. Never throws. */
  apply(doc: ConfigDocumentText): ApplyResult {
    const { logger, metrics } = this.telemetry;
    if (this.closing) return this.reject(doc, 'the proxy is shutting down', configHash(doc.text));
    const loaded = loadConfigDocument(doc.text);
    if (!loaded.ok) {
      const message = loaded.problems.map((p) => `${p.path === '' ? '(document)' : p.path}: ${p.message}`).join('; ');
      return this.reject(doc, message, configHash(doc.text));
    }
    const config = loaded.config;
    const previous = this.snapshot;
    if (previous !== null && previous.hash === config.hash) {
      this.lastError = null;
      return { ok: true, changed: false, snapshot: previous };
    }
    for (const w of config.warnings) logger.warn({ path: w.path, origin: doc.origin }, `config warning: ${w.message}`);

    const jsonrpc = this.settings.jsonrpc;
    const extraUrls = jsonrpc.accountTransferUrl === null ? [] : [jsonrpc.accountTransferUrl];
    let upstreams: UpstreamSet;
    let removed: readonly { close(graceMs: number): Promise<void> }[] = [];
    try {
      if (previous === null) {
        upstreams = UpstreamSet.create(config, this.settings.upstream, { logger, extraUrls });
      } else {
        const update = previous.upstreams.update(config, { extraUrls });
        upstreams = update.set;
        removed = update.removed;
      }
    } catch (err) {
      return this.reject(doc, `could not create upstream pools: ${err instanceof Error ? err.message : String(err)}`, config.hash);
    }
    const routing = buildRoutingTable(config, { accountTransferUrl: jsonrpc.accountTransferUrl, responseTimeoutMs: jsonrpc.responseTimeoutMs });
    const next = buildSnapshot(config, doc.origin, routing, upstreams, jsonrpc);
    this.snapshot = next;
    this.lastError = null;
    metrics.configReload('success');
    logger.info(
      { config_hash: next.hash, origin: doc.origin, upstreams: config.upstreams.length, removed_pools: removed.length },
      previous === null ? 'config loaded' : 'config reloaded',
    );
    for (const listener of this.listeners) {
      try {
        listener(next, previous);
      } catch (err) {
        logger.error({ error: errorFields(err) }, 'snapshot listener failed');
      }
    }
    // In-flight requests of the old snapshot keep their upstreams until they finish.
    for (const u of removed) {
      u.close(this.settings.server.shutdownGraceMs).catch((err: unknown) => logger.warn({ error: errorFields(err) }, 'closing a removed upstream failed'));
    }
    if (this.settings.upstream.testUpstreamUrls) this.checkDns(next);
    return { ok: true, changed: true, snapshot: next };
  }

  /**
   * A document the cluster primary validated and rejected (this worker never saw it): recorded
   * and counted like one rejected here, without logging it again.
   */
  rejectedElsewhere(error: ReloadErrorReport): void {
    this.lastError = error;
    this.telemetry.metrics.configReload('failure');
  }

  /** Rejects documents from now on and closes the current snapshot's pools (process shutdown). */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    await this.snapshot?.upstreams.close(graceMs);
  }

  private reject(doc: ConfigDocumentText, message: string, hash: string | null): ApplyResult {
    const error: ReloadErrorReport = { at: new Date().toISOString(), message, hash };
    this.lastError = error;
    this.telemetry.metrics.configReload('failure');
    this.telemetry.logger.error(
      { origin: doc.origin, config_hash: hash, error: { type: 'ConfigError', message } },
      this.snapshot === null ? 'config rejected; no config loaded yet' : 'config rejected; the last good config keeps serving',
    );
    return { ok: false, error };
  }

  // JUSSI_TEST_UPSTREAM_URLS: an unresolvable host is reported, never fatal (a DNS hiccup must
  // not stop a proxy or a reload); the upstream's health and /state show the failures.
  private checkDns(snapshot: RuntimeSnapshot): void {
    const urls = [...snapshot.routing.urls];
    checkUpstreamHosts(urls).then(
      (problems) => {
        for (const p of problems) this.telemetry.logger.warn({ upstream: p.url, config_hash: snapshot.hash }, p.message);
      },
      (err: unknown) => this.telemetry.logger.warn({ error: errorFields(err) }, 'upstream DNS check failed'),
    );
  }
}

export function errorFields(err: unknown): { type: string; message: string; stack?: string } {
  if (err instanceof Error) return err.stack === undefined ? { type: err.name, message: err.message } : { type: err.name, message: err.message, stack: err.stack };
  return { type: typeof err, message: String(err) };
}
