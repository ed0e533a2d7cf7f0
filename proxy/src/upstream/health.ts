// Passive health of one upstream URL, learned from the calls it carries (no probe traffic):
// after `failuresToUnhealthy` consecutive connection failures ('connect' or 'closed') it is
// unhealthy; the next successful call makes it healthy again. Failover sends calls to healthy
// URLs first, so an unhealthy URL would never get the call that heals it: once
// `retryUnhealthyAfterMs` has passed since its last failure it is offered idempotent calls again
// in its normal place (a failed probe just moves on to the next URL and restarts the wait).
// Broadcasts never probe: they go to healthy URLs first.

import type { UpstreamErrorKind } from './types.js';

export interface HealthPolicy {
  readonly failuresToUnhealthy: number;
  readonly retryUnhealthyAfterMs: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { failuresToUnhealthy: 3, retryUnhealthyAfterMs: 5_000 };

/** Failures that say the URL itself is unreachable (not a slow method or a busy pool). */
export function isConnectionFailure(kind: UpstreamErrorKind): boolean {
  return kind === 'connect' || kind === 'closed';
}

export class HealthTracker {
  private consecutiveFailures = 0;
  private lastFailureAt = 0;

  constructor(
    private readonly policy: HealthPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  get healthy(): boolean {
    return this.consecutiveFailures < this.policy.failuresToUnhealthy;
  }

  /** Healthy, or unhealthy for long enough that one idempotent call may try it again. */
  get probeDue(): boolean {
    return this.healthy || this.now() - this.lastFailureAt >= this.policy.retryUnhealthyAfterMs;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
  }

  recordFailure(kind: UpstreamErrorKind): void {
    if (!isConnectionFailure(kind)) return;
    this.consecutiveFailures += 1;
    this.lastFailureAt = this.now();
  }
}
