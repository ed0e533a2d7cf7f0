// Per-item retry backoff, as controller-runtime's workqueue rate limiter does it
// (ItemExponentialFailureRateLimiter): each item that keeps failing waits longer, from `baseMs`
// doubling to `capMs`, and an item that succeeds starts again from the bottom. An answer the API
// server gave (403, 422, 409, 5xx) is the item's own problem and backs off; no answer at all (the
// API is unreachable) is everyone's, and is retried at a short fixed period so that the first
// attempt after the API returns is soon. Retry-After is honoured. Pure: the clock is passed in.
//
// It also says when an item's state changed (first failure, a different error, recovery), so
// that callers log a change of state rather than every attempt.

import type { KubeErrorInfo } from '@jussi/proxy/kube/errors';
import { reconnectDelay } from '@jussi/proxy/upstream/backoff';

export interface BackoffPolicy {
  /** First delay after a failure (default 100 ms). */
  readonly baseMs: number;
  /** Longest delay (default 5 minutes). */
  readonly capMs: number;
  /** Retry period while the API server does not answer (default 1 s). */
  readonly unreachableMs: number;
}

export const DEFAULT_BACKOFF_POLICY: BackoffPolicy = { baseMs: 100, capMs: 5 * 60_000, unreachableMs: 1_000 };

export interface Failure {
  /** Failed attempts in a row, this one included. */
  readonly failures: number;
  /** How long to wait before the next attempt. */
  readonly delayMs: number;
  /** Epoch ms of the next attempt. */
  readonly retryAt: number;
  /** True on the first failure and when the error differs from the previous one: worth a log line. */
  readonly stateChanged: boolean;
}

interface ItemState {
  failures: number;
  retryAt: number;
  errorClass: string;
}

/** What makes two errors "the same" for logging: the status (or no answer) and the reason. */
export function errorClass(error: KubeErrorInfo): string {
  return `${error.status ?? 'unreachable'}/${error.reason ?? ''}`;
}

export class ItemBackoff {
  private readonly policy: BackoffPolicy;
  private readonly items = new Map<string, ItemState>();

  constructor(policy: Partial<BackoffPolicy> = {}, private readonly random: () => number = Math.random) {
    this.policy = { ...DEFAULT_BACKOFF_POLICY, ...policy };
  }

  /** Records a failed attempt at `now` and returns when to try again. */
  failed(key: string, error: KubeErrorInfo, now: number): Failure {
    const before = this.items.get(key);
    const failures = (before?.failures ?? 0) + 1;
    const cls = errorClass(error);
    const delayMs = error.status === null
      ? this.policy.unreachableMs
      : Math.max(reconnectDelay(failures, this.policy.baseMs, this.policy.capMs, this.random), error.retryAfterMs ?? 0);
    const retryAt = now + delayMs;
    this.items.set(key, { failures, retryAt, errorClass: cls });
    return { failures, delayMs, retryAt, stateChanged: before === undefined || before.errorClass !== cls };
  }

  /** Records a success; returns how many attempts had failed before it (0: it was not failing). */
  succeeded(key: string): number {
    const before = this.items.get(key);
    this.items.delete(key);
    return before?.failures ?? 0;
  }

  /** Epoch ms before which the item should not be tried again (0 when it is not failing). */
  retryAt(key: string): number {
    return this.items.get(key)?.retryAt ?? 0;
  }

  failures(key: string): number {
    return this.items.get(key)?.failures ?? 0;
  }

  /** Items currently failing. */
  get failing(): number {
    return this.items.size;
  }

  forget(key: string): void {
    this.items.delete(key);
  }
}
