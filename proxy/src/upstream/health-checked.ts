// Wraps an upstream with its passive health (health.ts): every call's outcome is recorded, and
// `stats().healthy` is false when the tracker says so or the carrier itself knows it is down
// (a WebSocket pool whose connects fail).

import { HealthTracker } from './health.js';
import type { HealthPolicy } from './health.js';
import { UpstreamError } from './types.js';
import type { Upstream, UpstreamCall, UpstreamReply, UpstreamStats } from './types.js';

export class HealthCheckedUpstream implements Upstream {
  readonly url: string;
  readonly protocol: Upstream['protocol'];
  private readonly tracker: HealthTracker;

  constructor(
    readonly inner: Upstream,
    policy: HealthPolicy,
    now?: () => number,
  ) {
    this.url = inner.url;
    this.protocol = inner.protocol;
    this.tracker = new HealthTracker(policy, now);
  }

  async send(call: UpstreamCall): Promise<UpstreamReply> {
    try {
      const reply = await this.inner.send(call);
      this.tracker.recordSuccess();
      return reply;
    } catch (err) {
      if (err instanceof UpstreamError) this.tracker.recordFailure(err.kind);
      throw err;
    }
  }

  get healthy(): boolean {
    return this.tracker.healthy && this.inner.stats().healthy;
  }

  /** Whether failover should try this URL in its place: healthy, or (reads only) due for a probe. */
  preferred(idempotent: boolean): boolean {
    if (this.healthy) return true;
    return idempotent && this.tracker.probeDue;
  }

  stats(): UpstreamStats {
    const stats = this.inner.stats();
    return { ...stats, healthy: this.tracker.healthy && stats.healthy };
  }

  close(graceMs: number): Promise<void> {
    return this.inner.close(graceMs);
  }
}
