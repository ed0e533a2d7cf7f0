// Writes custom resource status by server-side apply on the `/status` subresource (only
// apiVersion, kind, name, namespace and status; Content-Type application/apply-patch+yaml;
// field manager jussi-operator; force), and only when the status differs from the last one
// written or observed. Writes go through a queue that keeps the latest status per object, at a
// bounded rate (token bucket), retrying transient failures (429 honouring Retry-After, 5xx,
// conflicts, network) with backoff, and dropping objects that are gone (404).

import { CustomObjectsApi, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { kubeErrorInfo, type KubeErrorInfo } from '@jussi/proxy/kube/errors';
import { callOptions } from '@jussi/proxy/kube/request-options';
import { reconnectDelay } from '@jussi/proxy/upstream/backoff';
import { API_GROUP, API_VERSION, FIELD_MANAGER, GROUP_VERSION } from '../names.js';
import { canonicalJson } from './canonical-json.js';
import { TokenBucket } from './token-bucket.js';

export interface StatusTarget {
  /** `JsonRpcUpstream` or `CacheRule`. */
  readonly kind: string;
  /** `jsonrpcupstreams` or `cacherules`. */
  readonly plural: string;
  readonly namespace: string;
  readonly name: string;
}

export interface StatusWriterOptions {
  readonly kubeConfig: KubeConfig;
  readonly fieldManager?: string;
  /** Sustained writes per second (default 10). */
  readonly ratePerSecond?: number;
  /** Writes allowed at once (default 20). */
  readonly burst?: number;
  /** Attempts per status before giving up on it (default 6). */
  readonly maxAttempts?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  readonly requestTimeoutMs?: number;
}

export type WriteOutcome = 'written' | 'dropped' | 'failed';

export interface StatusWriterStats {
  readonly written: number;
  /** Statuses not sent because they equal the last written or observed one. */
  readonly skipped: number;
  /** Objects found gone (404) when writing. */
  readonly dropped: number;
  /** Statuses given up on (permanent error, or transient errors past maxAttempts). */
  readonly failed: number;
  readonly retries: number;
  readonly pending: number;
  readonly lastError: string | null;
  /** The delay chosen for the last retry (Retry-After when the server sent one). */
  readonly lastRetryDelayMs: number | null;
}

interface Pending {
  readonly target: StatusTarget;
  status: unknown;
  text: string;
  attempts: number;
  notBefore: number;
}

export function targetKey(t: StatusTarget): string {
  return `${t.plural}/${t.namespace}/${t.name}`;
}

function retryable(info: KubeErrorInfo): boolean {
  return info.status === null || info.status === 409 || info.status === 429 || info.status >= 500;
}

export class StatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly bucket: TokenBucket;
  private readonly known = new Map<string, string>();
  private readonly queue = new Map<string, Pending>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly outcomeListeners = new Set<(target: StatusTarget, outcome: WriteOutcome, error: KubeErrorInfo | null) => void>();
  private working = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private pausedUntil = 0;
  private written = 0;
  private skipped = 0;
  private dropped = 0;
  private failed = 0;
  private retries = 0;
  private lastError: string | null = null;
  private lastRetryDelayMs: number | null = null;

  constructor(private readonly options: StatusWriterOptions) {
    this.api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.bucket = new TokenBucket(options.ratePerSecond ?? 10, options.burst ?? 20, Date.now());
  }

  /** Called after each write attempt sequence ends: written, dropped (404) or failed. */
  onOutcome(listener: (target: StatusTarget, outcome: WriteOutcome, error: KubeErrorInfo | null) => void): () => void {
    this.outcomeListeners.add(listener);
    return () => this.outcomeListeners.delete(listener);
  }

  /**
   * Records the status an object has now (from an informer), so that an equal desired status is
   * not written again, e.g. after an operator restart. `undefined`: the object has no status.
   */
  observe(target: StatusTarget, status: unknown): void {
    this.known.set(targetKey(target), canonicalJson(status ?? null));
  }

  /** Forgets an object (deleted): nothing queued for it is written. */
  forget(target: StatusTarget): void {
    const key = targetKey(target);
    this.known.delete(key);
    this.queue.delete(key);
    this.settleIfIdle();
  }

  /**
   * Queues `status` for the object unless it equals the last status written or observed; a
   * status queued earlier for the same object is replaced. Returns true when queued.
   */
  write(target: StatusTarget, status: unknown): boolean {
    if (this.stopped) return false;
    const key = targetKey(target);
    const text = canonicalJson(status);
    const pending = this.queue.get(key);
    if (this.known.get(key) === text) {
      if (pending !== undefined) this.queue.delete(key);
      this.skipped += 1;
      this.settleIfIdle();
      return false;
    }
    if (pending !== undefined) {
      pending.status = status;
      pending.text = text;
      pending.attempts = 0;
    } else {
      this.queue.set(key, { target, status, text, attempts: 0, notBefore: 0 });
    }
    this.kick();
    return true;
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.working && this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops writing; what is queued is discarded, a write in flight completes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    this.wake?.();
    await this.idle();
  }

  stats(): StatusWriterStats {
    return {
      written: this.written, skipped: this.skipped, dropped: this.dropped, failed: this.failed, retries: this.retries,
      pending: this.queue.size, lastError: this.lastError, lastRetryDelayMs: this.lastRetryDelayMs,
    };
  }

  private kick(): void {
    if (this.working) {
      this.wake?.();
      return;
    }
    this.working = true;
    void this.run().finally(() => {
      this.working = false;
      this.settleIfIdle();
      if (this.queue.size > 0 && !this.stopped) this.kick();
    });
  }

  private settleIfIdle(): void {
    if (this.working || this.queue.size > 0) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** The next entry due, or the time until one is. */
  private next(now: number): Pending | number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const p of this.queue.values()) {
      const due = Math.max(p.notBefore, this.pausedUntil);
      if (due <= now) return p;
      soonest = Math.min(soonest, due - now);
    }
    return soonest;
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.queue.size > 0) {
      const picked = this.next(Date.now());
      if (typeof picked === 'number') {
        await this.sleep(picked);
        continue;
      }
      const wait = this.bucket.take(Date.now());
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      const key = targetKey(picked.target);
      this.queue.delete(key);
      if (this.known.get(key) === picked.text) {
        this.skipped += 1;
        continue;
      }
      const error = await this.send(picked);
      if (error === null) {
        this.known.set(key, picked.text);
        this.written += 1;
        this.notify(picked.target, 'written', null);
        continue;
      }
      this.lastError = `${key}: ${error.message}`;
      if (error.status === 404) {
        this.known.delete(key);
        this.dropped += 1;
        this.notify(picked.target, 'dropped', error);
        continue;
      }
      picked.attempts += 1;
      const maxAttempts = this.options.maxAttempts ?? 6;
      if (!retryable(error) || picked.attempts >= maxAttempts) {
        this.failed += 1;
        this.notify(picked.target, 'failed', error);
        continue;
      }
      const delay = Math.max(
        reconnectDelay(picked.attempts, this.options.backoffMinMs ?? 200, this.options.backoffMaxMs ?? 10_000),
        error.retryAfterMs ?? 0,
      );
      this.retries += 1;
      this.lastRetryDelayMs = delay;
      const now = Date.now();
      // The server asked every client to slow down: hold all writes, not only this one.
      if (error.status === 429) this.pausedUntil = now + delay;
      // A newer status queued while this one was in flight wins; otherwise retry this one.
      if (!this.queue.has(key)) this.queue.set(key, { ...picked, notBefore: now + delay });
    }
  }

  private async send(p: Pending): Promise<KubeErrorInfo | null> {
    const { kind, plural, namespace, name } = p.target;
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        {
          group: API_GROUP, version: API_VERSION, namespace, plural, name,
          body: { apiVersion: GROUP_VERSION, kind, metadata: { name, namespace }, status: p.status },
          fieldManager: this.options.fieldManager ?? FIELD_MANAGER,
          force: true,
        },
        callOptions({ timeoutMs: this.options.requestTimeoutMs ?? 10_000, contentType: PatchStrategy.ServerSideApply }),
      );
      return null;
    } catch (err) {
      return kubeErrorInfo(err);
    }
  }

  private notify(target: StatusTarget, outcome: WriteOutcome, error: KubeErrorInfo | null): void {
    for (const l of [...this.outcomeListeners]) {
      try {
        l(target, outcome, error);
      } catch {
        // Listeners only observe; they cannot stop the writer.
      }
    }
  }
}
