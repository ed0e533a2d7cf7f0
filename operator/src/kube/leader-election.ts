// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does
// it (client-node has no helper): read the Lease; create it when absent; take it over when it is
// free or its holder stopped renewing; renew it while leading, with the resourceVersion read
// (a 409 means another candidate won the race); step down when renewal has not succeeded within
// the renew deadline or another holder is seen; release it on shutdown so a standby takes over
// at once. Expiry is judged by when *we* last saw the record change, not by the holder's clock.

import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';
import { kubeErrorInfo, type KubeErrorInfo } from '@jussi/proxy/kube/errors';
import { callOptions } from '@jussi/proxy/kube/request-options';

export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** This candidate's identity, unique per replica (e.g. the pod name). */
  readonly identity: string;
  /** How long a lease is valid without renewal (default 15 s). */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down (default 10 s). */
  readonly renewDeadlineMs?: number;
  /** Period between attempts to acquire or renew (default 2 s). */
  readonly retryPeriodMs?: number;
  /** Deadline of each API call (default half the renew deadline). */
  readonly requestTimeoutMs?: number;
}

export interface LeaderElectionStats {
  readonly leading: boolean;
  /** The holder last seen in the Lease ('' when released), null before the first read. */
  readonly holder: string | null;
  readonly renewals: number;
  readonly failures: number;
  readonly lastError: string | null;
}

/**
 * What this candidate knows about the election, reported when it changes (not on every retry),
 * so that logs say what is true: leading; leading but unable to renew (and why); stopped leading
 * (and why); standing by while another replica holds the Lease; or unable to acquire the Lease
 * at all (and why: the API server unreachable, RBAC, ...).
 */
export type ElectionState =
  | { readonly kind: 'leading' }
  | { readonly kind: 'renew-failing'; readonly error: string }
  | { readonly kind: 'stopped-leading'; readonly reason: string }
  | { readonly kind: 'standing-by'; readonly holder: string }
  | { readonly kind: 'cannot-acquire'; readonly error: string };

/** The outcome of one attempt to acquire or renew. */
type Attempt = { readonly kind: 'held' } | { readonly kind: 'taken'; readonly holder: string } | { readonly kind: 'failed'; readonly error: KubeErrorInfo };

interface ObservedRecord {
  readonly holder: string;
  readonly renewTime: string;
  readonly transitions: number;
}

/** What makes two failures "the same" for reporting: the status (or no answer) and the reason. */
function errorKey(error: KubeErrorInfo): string {
  return `${error.status ?? 'unreachable'}/${error.reason ?? ''}`;
}

function timeText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : '';
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly requestTimeoutMs: number;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private readonly stateListeners = new Set<(state: ElectionState) => void>();
  /** The last state reported, as a comparable string (kind and error class). */
  private reportedState = '';
  private running = false;
  private leading = false;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> = Promise.resolve();
  private lastRenewAt = 0;
  private observed: ObservedRecord | null = null;
  private observedAt = 0;
  private holder: string | null = null;
  private renewals = 0;
  private failures = 0;
  private lastError: string | null = null;

  constructor(private readonly options: LeaderElectionOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? Math.max(500, Math.floor(this.renewDeadlineMs / 2));
    if (!(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs)) {
      throw new Error('leader election needs leaseDuration > renewDeadline > retryPeriod');
    }
  }

  /** Called with true when this candidate starts leading, false when it stops. */
  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when the state of the election changes (see ElectionState). */
  onState(listener: (state: ElectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** True while leading and the last renewal is recent enough that no one else can hold the lease. */
  isLeader(): boolean {
    return this.leading && Date.now() - this.lastRenewAt < this.leaseDurationMs;
  }

  stats(): LeaderElectionStats {
    return { leading: this.isLeader(), holder: this.holder, renewals: this.renewals, failures: this.failures, lastError: this.lastError };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /**
   * Stops campaigning. A leader releases the lease (clears the holder) unless `release` is
   * false, and stops leading either way. Idempotent.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.loop;
    // A tick in flight may have taken the lease just before we stopped: release that too.
    const holding = this.leading || this.holder === this.options.identity;
    if (holding && options.release !== false) await this.release();
    this.setLeading(false);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.loop = this.tick();
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const attempt = await this.tryAcquireOrRenew().catch((err: unknown): Attempt => ({ kind: 'failed', error: kubeErrorInfo(err) }));
    if (attempt.kind === 'failed') {
      this.failures += 1;
      this.lastError = attempt.error.message;
    }
    if (!this.running) return;
    if (attempt.kind === 'held') {
      this.lastRenewAt = Date.now();
      this.renewals += 1;
      this.setLeading(true);
      this.report({ kind: 'leading' });
    } else if (this.leading) {
      const deadlinePassed = Date.now() - this.lastRenewAt >= this.renewDeadlineMs;
      if (attempt.kind === 'taken') {
        this.setLeading(false);
        this.report({ kind: 'stopped-leading', reason: `${attempt.holder} holds the Lease now` });
      } else if (deadlinePassed) {
        this.setLeading(false);
        this.report({ kind: 'stopped-leading', reason: `could not renew the Lease within the renew deadline (${this.renewDeadlineMs / 1000} s): ${attempt.error.message}` });
      } else {
        this.report({ kind: 'renew-failing', error: attempt.error.message }, errorKey(attempt.error));
      }
    } else if (attempt.kind === 'taken') {
      this.report({ kind: 'standing-by', holder: attempt.holder });
    } else {
      this.report({ kind: 'cannot-acquire', error: attempt.error.message }, errorKey(attempt.error));
    }
    // Candidates add jitter so that standbys do not hit the API in lock-step (client-go: 1.2).
    const jitter = this.leading ? 0 : Math.floor(Math.random() * this.retryPeriodMs * 0.2);
    this.schedule(this.retryPeriodMs + jitter);
  }

  /** Reports `state` unless it is the one reported last (same kind, same holder or error class). */
  private report(state: ElectionState, detail = ''): void {
    const key = `${state.kind}|${state.kind === 'standing-by' ? state.holder : detail}`;
    if (key === this.reportedState) return;
    this.reportedState = key;
    for (const listener of [...this.stateListeners]) {
      try {
        listener(state);
      } catch {
        // A listener must not stop the election loop.
      }
    }
  }

  private fail(err: unknown): Attempt {
    return { kind: 'failed', error: kubeErrorInfo(err) };
  }

  private observe(spec: V1LeaseSpec | undefined): void {
    const record: ObservedRecord = {
      holder: spec?.holderIdentity ?? '',
      renewTime: timeText(spec?.renewTime),
      transitions: spec?.leaseTransitions ?? 0,
    };
    const o = this.observed;
    if (o === null || o.holder !== record.holder || o.renewTime !== record.renewTime || o.transitions !== record.transitions) {
      this.observed = record;
      this.observedAt = Date.now();
    }
    this.holder = record.holder;
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { namespace, name, identity } = this.options;
    const opts = callOptions({ timeoutMs: this.requestTimeoutMs });
    const now = new V1MicroTime(Date.now());
    const leaseDurationSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace }, opts);
    } catch (err) {
      if (kubeErrorInfo(err).status !== 404) return this.fail(err);
      try {
        const created = await this.api.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
          },
        }, opts);
        this.observe(created.spec);
        return { kind: 'held' };
      } catch (createErr) {
        // 409: another candidate created it first.
        return this.lostRace(createErr);
      }
    }
    this.observe(lease.spec);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const taking = holder !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (taking && holder !== '' && this.observedAt + durationMs > Date.now()) return { kind: 'taken', holder };
    try {
      const updated = await this.api.replaceNamespacedLease({
        name, namespace,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds,
            renewTime: now,
            acquireTime: taking ? now : (spec.acquireTime ?? now),
            leaseTransitions: (spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
          },
        },
      }, opts);
      this.observe(updated.spec);
      return { kind: 'held' };
    } catch (err) {
      // 409: the lease changed since we read it (another candidate renewed or took it).
      return this.lostRace(err);
    }
  }

  /**
   * A 409 means another candidate wrote the Lease first. When we last saw another holder, it
   * holds it; otherwise it is a conflict to retry (the next read says who holds it).
   */
  private lostRace(err: unknown): Attempt {
    const attempt = this.fail(err);
    const other = this.holder !== null && this.holder !== '' && this.holder !== this.options.identity;
    if (attempt.kind !== 'failed' || attempt.error.status !== 409 || !other || this.holder === null) return attempt;
    this.failures += 1;
    this.lastError = attempt.error.message;
    return { kind: 'taken', holder: this.holder };
  }

  /** Clears the holder, as client-go does on release, so a standby need not wait for expiry. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    const opts = callOptions({ timeoutMs: this.requestTimeoutMs });
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace }, opts);
      if ((lease.spec?.holderIdentity ?? '') !== identity) return;
      const now = new V1MicroTime(Date.now());
      await this.api.replaceNamespacedLease({
        name, namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } },
      }, opts);
    } catch (err) {
      this.failures += 1;
      this.lastError = kubeErrorInfo(err).message;
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    for (const listener of [...this.listeners]) {
      try {
        listener(leading);
      } catch {
        // A listener must not stop the election loop.
      }
    }
  }
}
