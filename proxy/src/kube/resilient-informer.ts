// A list+watch cache of one collection that keeps working: client-node 1.4.0's ListWatch, plus
// what it lacks (TS_OPERATORS.md, "Recommendation"):
//   - restart after an error the API server answered (5xx, 429, ...) with jittered exponential
//     backoff, honouring Retry-After (1.4.0 stops for good on any error);
//   - while the API server does not answer at all (refused, reset, timed out: an outage or a
//     restart), probe it cheaply (GET /version) at a short fixed period instead of backing off,
//     and relist as soon as it answers: a backoff grown during a 10 s outage would otherwise keep
//     the cache stale for many seconds after the server is back;
//   - a silence watchdog: a watch that delivered no event or bookmark for `silenceTimeoutMs` is
//     replaced (1.4.0 has no watch timeout, a half-open connection hangs for ever);
//   - a periodic full relist, which also removes objects whose deletion was missed;
//   - bookmarks and a server-side timeout on each watch;
//   - the list applies the same label and field selectors as the watch (ListWatch appends them
//     to the watch only);
//   - `hasSynced()` / `waitForSync()`, counters, typed objects.
// Listeners are called synchronously from the watch stream: they must only note the change
// (mark dirty, enqueue a key) and never do the work inline.

import { ListWatch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { reconnectDelay } from '../upstream/backoff.js';
import { kubeErrorInfo, type KubeErrorInfo } from './errors.js';
import { getJson } from './get-json.js';
import { InformerWatch, relistSignal, type ActiveWatch, type WatchDecision, type WatchOwner } from './informer-watch.js';
import { isNamedObject, isRecord, type NamedObject } from './objects.js';
import { apiVersionOf, collectionPath, describeResource, type ResourceRef } from './resource.js';

export interface InformerTuning {
  /** Replace the watch when no event or bookmark arrived for this long; 0 disables (default 5 min). */
  readonly silenceTimeoutMs: number;
  /** Full relist period; 0 disables (default 10 min). */
  readonly relistIntervalMs: number;
  /** Restart backoff after errors: from `backoffMinMs`, doubling, capped at `backoffMaxMs` (1 s .. 30 s). */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** Deadline of one LIST request (default 60 s). */
  readonly listTimeoutMs: number;
  /**
   * While the API server does not answer: how often it is probed (GET /version, jittered down by
   * up to a fifth so that many clients spread out), and the relist follows the first answer
   * (default 1 s). Each probe also gives up after this long.
   */
  readonly probeIntervalMs: number;
  /**
   * `timeoutSeconds` sent with each watch, so the server ends it cleanly and it is renewed from
   * the last version; null sends a random value between 5 and 10 minutes (as client-go does);
   * 0 sends none.
   */
  readonly watchTimeoutSeconds: number | null;
}

export const DEFAULT_INFORMER_TUNING: InformerTuning = {
  silenceTimeoutMs: 5 * 60_000,
  relistIntervalMs: 10 * 60_000,
  backoffMinMs: 1_000,
  backoffMaxMs: 30_000,
  listTimeoutMs: 60_000,
  probeIntervalMs: 1_000,
  watchTimeoutSeconds: null,
};

export interface InformerOptions<T extends NamedObject> {
  readonly kubeConfig: KubeConfig;
  readonly resource: ResourceRef;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Narrows what the API returned; objects it rejects are not handed out. */
  readonly accept: (obj: unknown) => obj is T;
  readonly tuning?: Partial<InformerTuning>;
  /** For tests: jitter source in [0, 1). */
  readonly random?: () => number;
}

export type InformerEventType = 'add' | 'update' | 'delete';

export interface InformerEvent<T> {
  readonly type: InformerEventType;
  readonly object: T;
}

export type InformerPhase = 'list' | 'watch' | 'listener';

export interface InformerError {
  readonly phase: InformerPhase;
  readonly error: KubeErrorInfo;
  /** When the informer tries again, or null when nothing is scheduled (listener errors). */
  readonly retryInMs: number | null;
}

export interface InformerStats {
  readonly synced: boolean;
  readonly running: boolean;
  /** Watch requests opened. */
  readonly connects: number;
  /** Successful LISTs after the first (410, periodic relist, restart without a version). */
  readonly relists: number;
  readonly errors: number;
  readonly watchdogRestarts: number;
  /** The API server did not answer the last request; it is being probed. */
  readonly unreachable: boolean;
  /** Probes sent while the API server did not answer. */
  readonly probes: number;
  /** Epoch ms of the last event or bookmark, null before the first. */
  readonly lastEventAt: number | null;
  readonly lastError: string | null;
  readonly objects: number;
}

const HEALTHY_WATCH_MS = 5_000;

export class ResilientInformer<T extends NamedObject> implements WatchOwner {
  readonly description: string;
  private readonly tuning: InformerTuning;
  private readonly path: string;
  private readonly watcher: InformerWatch;
  private readonly lw: ListWatch<KubernetesObject>;
  private readonly random: () => number;
  private readonly listeners = new Set<(event: InformerEvent<T>) => void>();
  private readonly errorListeners = new Set<(error: InformerError) => void>();
  private syncWaiters: ((synced: boolean) => void)[] = [];

  private running = false;
  private synced = false;
  private failures = 0;
  private relistPending = false;
  private listCompleted = false;
  private failingPhase: InformerPhase = 'watch';
  private lastActivity = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private relistTimer: NodeJS.Timeout | null = null;

  private connects = 0;
  private lists = 0;
  private errors = 0;
  private watchdogRestarts = 0;
  private unreachable = false;
  private probes = 0;
  private lastEventAt: number | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: InformerOptions<T>) {
    this.tuning = { ...DEFAULT_INFORMER_TUNING, ...options.tuning };
    this.random = options.random ?? Math.random;
    this.path = collectionPath(options.resource);
    this.description = describeResource(options.resource)
      + (options.fieldSelector === undefined ? '' : ` (${options.fieldSelector})`)
      + (options.labelSelector === undefined ? '' : ` [${options.labelSelector}]`);
    this.watcher = new InformerWatch(options.kubeConfig, this);
    this.lw = new ListWatch<KubernetesObject>(this.path, this.watcher, () => this.listFromApi(), false, options.labelSelector, options.fieldSelector);
    this.lw.on('add', (o) => this.emit('add', o));
    this.lw.on('update', (o) => this.emit('update', o));
    this.lw.on('delete', (o) => this.emit('delete', o));
    this.lw.on('error', (err: unknown) => this.failed(err));
  }

  // --- public surface -------------------------------------------------------------------------

  /** Registers a change listener; returns a function that removes it. */
  onChange(listener: (event: InformerEvent<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers an error listener (each failed list or watch, with the retry delay). */
  onError(listener: (error: InformerError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Starts listing and watching. Resolves after the first attempt (synced, or failed with a
   * retry scheduled); never rejects.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.lastActivity = Date.now();
    this.startTimers();
    await this.lw.start().catch((err: unknown) => this.failed(err));
  }

  /** Stops watching and every timer; the cache is kept. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimers();
    this.watcher.abandon();
    await this.lw.stop();
    this.resolveWaiters(this.synced);
  }

  /** True once the first LIST has filled the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false on timeout or stop. */
  waitForSync(timeoutMs = 60_000): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      const waiter = (synced: boolean): void => {
        clearTimeout(timer);
        resolve(synced);
      };
      this.syncWaiters.push(waiter);
    });
  }

  list(namespace?: string): T[] {
    return this.lw.list(namespace).filter((o): o is T => this.options.accept(o));
  }

  get(name: string, namespace?: string): T | undefined {
    const o = this.lw.get(name, namespace);
    return o !== undefined && this.options.accept(o) ? o : undefined;
  }

  /** Ends the current watch and relists now (also done periodically). */
  relist(): void {
    if (!this.running) return;
    this.relistPending = true;
    this.watcher.interrupt(relistSignal());
  }

  stats(): InformerStats {
    return {
      synced: this.synced,
      running: this.running,
      connects: this.connects,
      relists: Math.max(0, this.lists - 1),
      errors: this.errors,
      watchdogRestarts: this.watchdogRestarts,
      unreachable: this.unreachable,
      probes: this.probes,
      lastEventAt: this.lastEventAt,
      lastError: this.lastError,
      objects: this.lw.list().length,
    };
  }

  // --- WatchOwner: called by InformerWatch ------------------------------------------------------

  beforeWatch(): WatchDecision {
    if (this.listCompleted) {
      this.listCompleted = false;
      if (!this.synced) {
        this.synced = true;
        this.resolveWaiters(true);
      }
    }
    if (!this.running) return 'skip';
    return this.relistPending ? 'relist' : 'watch';
  }

  watchQuery(): Record<string, string> {
    const q: Record<string, string> = { allowWatchBookmarks: 'true' };
    const t = this.tuning.watchTimeoutSeconds;
    const seconds = t === null ? Math.floor(300 + this.random() * 300) : t;
    if (seconds > 0) q['timeoutSeconds'] = String(seconds);
    return q;
  }

  opened(): void {
    this.connects += 1;
    this.lastActivity = Date.now();
  }

  event(phase: string): void {
    if (phase === 'ERROR') return;
    const now = Date.now();
    this.lastActivity = now;
    this.lastEventAt = now;
    this.failures = 0;
    this.unreachable = false;
  }

  ended(err: unknown, watch: ActiveWatch, deliver: (err: unknown) => void): void {
    if (!this.running) return;
    if (err === null || err === undefined) {
      // A clean close (server timeout) is renewed at once, unless watches keep closing right
      // away without delivering anything: then back off instead of hammering the server.
      const healthy = watch.expired || watch.events > 0 || Date.now() - watch.openedAt >= HEALTHY_WATCH_MS;
      if (healthy) {
        deliver(null);
        return;
      }
      this.failures += 1;
      this.schedule(this.delay(null), () => deliver(null));
      return;
    }
    this.failingPhase = 'watch';
    // 410 makes ListWatch relist; anything else makes it report `error` and stop (see failed()).
    deliver(err);
  }

  later(fn: () => void): void {
    setImmediate(fn);
  }

  // --- internals ------------------------------------------------------------------------------

  private async listFromApi(): Promise<KubernetesListObject<KubernetesObject>> {
    this.relistPending = false;
    const { labelSelector, fieldSelector } = this.options;
    let body: unknown;
    try {
      body = await getJson(this.options.kubeConfig, this.path, { query: { labelSelector, fieldSelector }, timeoutMs: this.tuning.listTimeoutMs });
      if (!isRecord(body) || !Array.isArray(body['items'])) throw new Error(`malformed list response from ${this.path}`);
    } catch (err) {
      this.failingPhase = 'list';
      throw err;
    }
    const listKind = typeof body['kind'] === 'string' ? body['kind'] : '';
    const kind = listKind.endsWith('List') ? listKind.slice(0, -4) : undefined;
    const apiVersion = typeof body['apiVersion'] === 'string' ? body['apiVersion'] : apiVersionOf(this.options.resource);
    const meta = isRecord(body['metadata']) ? body['metadata'] : {};
    const resourceVersion = typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '';
    // The apiserver leaves kind and apiVersion off the items of built-in lists; watch events have
    // them, so fill them in for one consistent shape in the cache.
    const items = (body['items'] as unknown[]).filter(isNamedObject).map((o) => ({
      ...o,
      apiVersion: o.apiVersion ?? apiVersion,
      kind: o.kind ?? kind,
    }));
    this.lists += 1;
    this.failures = 0;
    this.unreachable = false;
    this.lastActivity = Date.now();
    this.listCompleted = true;
    return { apiVersion, kind: listKind, metadata: { resourceVersion }, items };
  }

  private emit(type: InformerEventType, obj: KubernetesObject): void {
    if (!this.running || !this.options.accept(obj)) return;
    const event: InformerEvent<T> = { type, object: obj };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.report({ phase: 'listener', error: kubeErrorInfo(err), retryInMs: null });
      }
    }
  }

  /**
   * ListWatch reported an error and stopped: restart it after a backoff, or, when the API server
   * did not answer at all, probe it until it does.
   */
  private failed(err: unknown): void {
    if (!this.running) return;
    const info = kubeErrorInfo(err);
    this.errors += 1;
    this.lastError = info.message;
    const phase = this.failingPhase;
    this.failingPhase = 'watch';
    if (info.status === null) {
      const delay = this.probeDelay();
      // Reported once per outage: the probes that follow are not news.
      if (!this.unreachable) this.report({ phase, error: info, retryInMs: delay });
      this.unreachable = true;
      this.schedule(delay, () => void this.probe());
      return;
    }
    this.unreachable = false;
    this.failures += 1;
    const delay = this.delay(info);
    this.report({ phase, error: info, retryInMs: delay });
    this.schedule(delay, () => this.restart());
  }

  private restart(): void {
    this.lw.start().catch((e: unknown) => this.failed(e));
  }

  private probeDelay(): number {
    return Math.round(this.tuning.probeIntervalMs * (0.8 + 0.2 * this.random()));
  }

  /** One cheap request: any answer at all (even an error status) means the server is back. */
  private async probe(): Promise<void> {
    if (!this.running) return;
    this.probes += 1;
    let answered: boolean;
    try {
      await getJson(this.options.kubeConfig, '/version', { timeoutMs: this.tuning.probeIntervalMs, maxBytes: 64 * 1024 });
      answered = true;
    } catch (err) {
      answered = kubeErrorInfo(err).status !== null;
    }
    if (!this.running) return;
    if (answered) this.restart();
    else this.schedule(this.probeDelay(), () => void this.probe());
  }

  private delay(info: KubeErrorInfo | null): number {
    const backoff = reconnectDelay(Math.max(1, this.failures), this.tuning.backoffMinMs, this.tuning.backoffMaxMs, this.random);
    return Math.max(backoff, info?.retryAfterMs ?? 0);
  }

  private schedule(delayMs: number, fn: () => void): void {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.running) fn();
    }, delayMs);
    this.restartTimer.unref();
  }

  private report(error: InformerError): void {
    for (const listener of [...this.errorListeners]) {
      try {
        listener(error);
      } catch {
        // An error listener that throws has nowhere to report to.
      }
    }
  }

  private startTimers(): void {
    const silence = this.tuning.silenceTimeoutMs;
    if (silence > 0) {
      this.watchdogTimer = setInterval(() => this.checkSilence(), Math.max(50, Math.floor(silence / 4)));
      this.watchdogTimer.unref();
    }
    if (this.tuning.relistIntervalMs > 0) {
      this.relistTimer = setInterval(() => this.relist(), this.tuning.relistIntervalMs);
      this.relistTimer.unref();
    }
  }

  private clearTimers(): void {
    for (const t of [this.restartTimer, this.watchdogTimer, this.relistTimer]) if (t !== null) clearTimeout(t);
    this.restartTimer = null;
    this.watchdogTimer = null;
    this.relistTimer = null;
  }

  private checkSilence(): void {
    if (!this.running || !this.watcher.watching) return;
    if (Date.now() - this.lastActivity < this.tuning.silenceTimeoutMs) return;
    this.watchdogRestarts += 1;
    this.lastActivity = Date.now();
    this.watcher.interrupt(null);
  }

  private resolveWaiters(synced: boolean): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w(synced);
  }
}
