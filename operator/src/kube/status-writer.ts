// Writes custom resource status by server-side apply on the `/status` subresource (only
// apiVersion, kind, name, namespace and status; Content-Type application/apply-patch+yaml;
// field manager jussi-operator; force), and only when the status differs from the last one
// written or observed: a write that would change nothing is never sent.
//
// Writes go through a queue that keeps the latest status per object (status-queue.ts: new
// generations and condition changes before figures that merely moved, one reconcile pass's bulk
// never ahead of a later pass's edit), at a bounded rate (a token bucket of `qps` and `burst`,
// as client-go's QPS/Burst). A failed write is retried with per-item exponential backoff
// (item-backoff.ts: 100 ms doubling to 5 minutes, reset by a success; an edit of the object
// retries it at once); while the API server does not answer at all, or answers 429, every write
// waits. Objects that are gone (404) are dropped. A failing object and an unreachable API
// server are logged when their state changes, not on every attempt.

import { CustomObjectsApi, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { kubeErrorInfo, type KubeErrorInfo } from '@jussi/proxy/kube/errors';
import { callOptions } from '@jussi/proxy/kube/request-options';
import type { Logger } from '@jussi/proxy/observability/types';
import { API_GROUP, API_VERSION, FIELD_MANAGER, GROUP_VERSION } from '../names.js';
import { DEFAULT_API_BURST, DEFAULT_API_QPS } from './api-rate.js';
import { canonicalJson } from './canonical-json.js';
import { type BackoffPolicy, DEFAULT_BACKOFF_POLICY, ItemBackoff } from './item-backoff.js';
import { type QueueEntry, StatusQueue } from './status-queue.js';
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
  /** Sustained writes per second (default 50). */
  readonly qps?: number;
  /** Writes allowed at once (default 100). */
  readonly burst?: number;
  /** Retry backoff (default 100 ms doubling to 5 minutes; 1 s while the API is unreachable). */
  readonly backoff?: Partial<BackoffPolicy>;
  readonly requestTimeoutMs?: number;
  /** Where changes of state (an object failing or recovering, the API unreachable) are logged. */
  readonly logger?: Logger;
  /** Jitter source in [0, 1) (tests pass a constant). */
  readonly random?: () => number;
}

/** written; dropped (404, the object is gone); failed (this attempt failed, a retry is scheduled). */
export type WriteOutcome = 'written' | 'dropped' | 'failed';

export interface StatusWriterStats {
  readonly written: number;
  /** Statuses not sent because they equal the last written or observed one. */
  readonly skipped: number;
  /** Objects found gone (404) when writing. */
  readonly dropped: number;
  /** Failed attempts (each is retried). */
  readonly failed: number;
  /** Objects whose last attempt failed and that wait for a retry. */
  readonly failing: number;
  readonly pending: number;
  /** The API server did not answer the last attempt. */
  readonly unreachable: boolean;
  readonly lastError: string | null;
  /** The delay chosen for the last retry (Retry-After when the server sent one). */
  readonly lastRetryDelayMs: number | null;
}

interface Desired {
  readonly target: StatusTarget;
  readonly status: unknown;
  readonly text: string;
}

/** What decides whether a status change is urgent: its generation and its conditions' states. */
interface Summary {
  readonly status: unknown;
  readonly text: string;
  readonly generation: number | null;
  readonly conditions: string;
}

function generationOf(status: unknown): number | null {
  const g = typeof status === 'object' && status !== null ? (status as Record<string, unknown>)['observedGeneration'] : undefined;
  return typeof g === 'number' ? g : null;
}

function summarize(status: unknown, text: string): Summary {
  const s = typeof status === 'object' && status !== null ? (status as Record<string, unknown>) : {};
  const generation = generationOf(status);
  const list = Array.isArray(s['conditions']) ? (s['conditions'] as unknown[]) : [];
  const conditions = list
    .map((c) => (typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : {}))
    .map((c) => `${String(c['type'])}=${String(c['status'])}/${String(c['reason'])}`)
    .sort()
    .join(',');
  return { status, text, generation, conditions };
}

export function targetKey(t: StatusTarget): string {
  return `${t.plural}/${t.namespace}/${t.name}`;
}

export class StatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly bucket: TokenBucket;
  private readonly backoff: ItemBackoff;
  private readonly unreachableMs: number;
  private readonly known = new Map<string, Summary>();
  /** The pass in which each object's current generation was first seen (its wave). */
  private readonly generations = new Map<string, { generation: number | null; wave: number }>();
  private readonly queue = new StatusQueue<Desired>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly outcomeListeners = new Set<(target: StatusTarget, outcome: WriteOutcome, error: KubeErrorInfo | null) => void>();
  private pass = 0;
  /** The entry being sent (taken out of the queue, not yet known). */
  private inFlight: QueueEntry<Desired> | null = null;
  private working = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private pausedUntil = 0;
  private unreachable = false;
  private written = 0;
  private skipped = 0;
  private dropped = 0;
  private failed = 0;
  private lastError: string | null = null;
  private lastRetryDelayMs: number | null = null;

  constructor(private readonly options: StatusWriterOptions) {
    this.api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.bucket = new TokenBucket(options.qps ?? DEFAULT_API_QPS, options.burst ?? DEFAULT_API_BURST, Date.now());
    this.backoff = new ItemBackoff(options.backoff, options.random);
    this.unreachableMs = options.backoff?.unreachableMs ?? DEFAULT_BACKOFF_POLICY.unreachableMs;
  }

  /** Called after each write attempt: written, dropped (404) or failed (a retry is scheduled). */
  onOutcome(listener: (target: StatusTarget, outcome: WriteOutcome, error: KubeErrorInfo | null) => void): () => void {
    this.outcomeListeners.add(listener);
    return () => this.outcomeListeners.delete(listener);
  }

  /**
   * Records the status an object has now (from an informer), so that an equal desired status is
   * not written again, e.g. after an operator restart. `undefined`: the object has no status.
   */
  observe(target: StatusTarget, status: unknown): void {
    const text = canonicalJson(status ?? null);
    this.known.set(targetKey(target), summarize(status, text));
  }

  /**
   * The newest status this writer knows for the object: the one queued for it, else the last one
   * written or observed (undefined when none). Computing the next status from it keeps
   * lastTransitionTime stable while a write is queued or its watch event is still on the way.
   */
  current(target: StatusTarget): unknown {
    const key = targetKey(target);
    const inFlight = this.inFlight?.key === key ? this.inFlight.value.status : undefined;
    return this.queue.get(key)?.value.status ?? inFlight ?? this.known.get(key)?.status;
  }

  /** Forgets an object (deleted): nothing queued for it is written. */
  forget(target: StatusTarget): void {
    const key = targetKey(target);
    this.known.delete(key);
    this.generations.delete(key);
    this.backoff.forget(key);
    this.queue.delete(key);
    this.settleIfIdle();
  }

  /**
   * Starts a reconcile pass: objects whose generation is first seen from now on form a new wave,
   * served alongside (not behind) the waves queued before.
   */
  beginPass(): void {
    this.pass += 1;
  }

  /**
   * Queues `status` for the object unless it equals the last status written or observed; a
   * status queued earlier for the same object is replaced. Returns true when queued.
   */
  write(target: StatusTarget, status: unknown): boolean {
    if (this.stopped) return false;
    const key = targetKey(target);
    const text = canonicalJson(status);
    const known = this.known.get(key);
    if (known?.text === text) {
      this.queue.delete(key);
      this.skipped += 1;
      this.settleIfIdle();
      return false;
    }
    const desired = summarize(status, text);
    const seen = this.generations.get(key);
    const newGeneration = seen === undefined || seen.generation !== desired.generation;
    const wave = newGeneration ? this.pass : seen.wave;
    if (newGeneration) this.generations.set(key, { generation: desired.generation, wave });
    const urgent = known === undefined || known.generation !== desired.generation || known.conditions !== desired.conditions;
    // A failing object waits out its backoff, unless it was edited: then it is tried at once.
    const notBefore = newGeneration ? 0 : this.backoff.retryAt(key);
    this.queue.put(key, { target, status, text }, { urgent, wave, notBefore });
    this.kick();
    return true;
  }

  /** Resolves when nothing is queued or in flight (never while an object keeps failing). */
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
      written: this.written, skipped: this.skipped, dropped: this.dropped, failed: this.failed, failing: this.backoff.failing,
      pending: this.queue.size, unreachable: this.unreachable, lastError: this.lastError, lastRetryDelayMs: this.lastRetryDelayMs,
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
    if (this.working || (this.queue.size > 0 && !this.stopped)) return;
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

  private async run(): Promise<void> {
    while (!this.stopped && this.queue.size > 0) {
      // Wait for a token first, then pick: what goes out is decided when it can go out.
      const wait = this.bucket.wait(Date.now());
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      const picked = this.queue.next(Date.now(), this.pausedUntil);
      if (typeof picked === 'number') {
        await this.sleep(picked);
        continue;
      }
      this.bucket.take(Date.now());
      const key = picked.key;
      if (this.known.get(key)?.text === picked.value.text) {
        this.skipped += 1;
        continue;
      }
      this.inFlight = picked;
      const error = await this.send(picked.value);
      this.inFlight = null;
      // Stopped while the write was in flight: nothing is queued again.
      if (this.stopped) break;
      if (error === null) this.succeeded(picked);
      else this.failedAttempt(picked, error);
    }
  }

  private succeeded(entry: QueueEntry<Desired>): void {
    const { key, value } = entry;
    this.known.set(key, summarize(value.status, value.text));
    this.written += 1;
    if (this.unreachable) {
      this.unreachable = false;
      this.options.logger?.info({}, 'the API server answers again: status writes resume');
    }
    const failures = this.backoff.succeeded(key);
    if (failures > 0) this.options.logger?.info({ resource: key, failed_attempts: failures }, 'status written after failed attempts');
    this.notify(value.target, 'written', null);
  }

  private failedAttempt(entry: QueueEntry<Desired>, error: KubeErrorInfo): void {
    const { key, value } = entry;
    this.lastError = `${key}: ${error.message}`;
    if (error.status === 404) {
      this.known.delete(key);
      this.backoff.forget(key);
      this.dropped += 1;
      this.notify(value.target, 'dropped', error);
      return;
    }
    this.failed += 1;
    const now = Date.now();
    const logError = { type: 'KubeError', message: error.message, code: error.status ?? 'network' };
    if (error.status === null) {
      // No answer: not this object's fault. Everything waits, and one write probes the API at a
      // short fixed period, so the first one after it returns is soon.
      this.pausedUntil = now + this.unreachableMs;
      this.lastRetryDelayMs = this.unreachableMs;
      if (!this.unreachable) {
        this.unreachable = true;
        this.options.logger?.warn({ error: logError, retry_in_ms: this.unreachableMs }, 'the API server does not answer: status writes wait and are retried');
      }
      this.queue.restore(entry, 0);
    } else {
      const failure = this.backoff.failed(key, error, now);
      this.lastRetryDelayMs = failure.delayMs;
      // 429: the server asked every client to slow down, so hold all writes, not only this one.
      if (error.status === 429) this.pausedUntil = failure.retryAt;
      if (failure.stateChanged) {
        this.options.logger?.warn({ resource: key, error: logError, attempt: failure.failures, retry_in_ms: failure.delayMs }, 'writing status failed; retrying with backoff');
      }
      // A newer status queued while this one was in flight wins, and waits out the same backoff
      // (unless it is for another generation: an edit is tried at once).
      const newer = this.queue.get(key);
      if (newer === undefined) this.queue.restore(entry, failure.retryAt);
      else if (generationOf(newer.value.status) === generationOf(value.status)) newer.notBefore = Math.max(newer.notBefore, failure.retryAt);
    }
    this.notify(value.target, 'failed', error);
  }

  private async send(d: Desired): Promise<KubeErrorInfo | null> {
    const { kind, plural, namespace, name } = d.target;
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        {
          group: API_GROUP, version: API_VERSION, namespace, plural, name,
          body: { apiVersion: GROUP_VERSION, kind, metadata: { name, namespace }, status: d.status },
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
