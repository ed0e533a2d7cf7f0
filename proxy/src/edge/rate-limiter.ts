// The per-process rate limiter. Buckets are shared by every proxy process through Redis: a
// process takes tokens from the shared bucket with the one atomic script (bucket-script.ts) and
// holds what it took as a short lease, asking for a little more than it needs (5% of the burst)
// so that a busy client costs one Redis round trip per many calls, not one per call. Leased
// tokens expire after a second, so no process sits on tokens the others could use; a process
// never serves more than Redis granted, so the shared limit holds across replicas.
//
// While Redis is unusable (down, not answering, or not configured) every process limits on its
// own at its share of each bucket (rate and burst divided by the number of processes last seen
// in Redis, or JUSSI_RATE_LIMIT_PEERS), and says so: the mode is a metric and part of /state.
// When Redis answers again, the shared buckets take over.
//
// Calls are decided in order: a call passes when every bucket counting it has a token, and then
// takes one from each; a call that does not pass takes none.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LRUCache } from 'lru-cache';
import type { BucketConfig, BucketKey } from '../config/edge-config.js';
import { bucketKey, type TakeRequest } from './bucket-script.js';
import type { BucketRef } from './bucket-table.js';
import type { BucketStore } from './redis-bucket-store.js';
import { shareOf, take, waitForToken, type BucketLimits, type BucketState } from './token-bucket.js';

export type LimitMode = 'shared' | 'local';

/** Who is calling: the client address, and the API key name or token subject when known. */
export interface Caller {
  readonly address: string;
  readonly subject: string | null;
}

export interface Denial {
  readonly bucket: BucketConfig;
  /** Ms until the bucket that refused has a token again. */
  readonly retryAfterMs: number;
}

/** One entry per call, in order: null when the call may go ahead. */
export type Admission = readonly (Denial | null)[];

export interface RateLimiterOptions {
  /** Shared buckets; null limits locally only (no Redis configured). */
  readonly store: BucketStore | null;
  /** Processes sharing each bucket until Redis tells (JUSSI_RATE_LIMIT_PEERS). */
  readonly peers: number;
  readonly now?: () => number;
  readonly leaseTtlMs?: number;
  readonly heartbeatMs?: number;
  /** Bucket instances (bucket x identity) remembered per process. */
  readonly maxEntries?: number;
  readonly onModeChange?: (mode: LimitMode, reason: string) => void;
  readonly onLimited?: (bucket: string) => void;
  readonly onStoreError?: (error: unknown) => void;
}

export interface RateLimitReport {
  readonly mode: LimitMode;
  /** Processes sharing each bucket (each process limits at 1/peers of it while local). */
  readonly peers: number;
  /** Calls refused per bucket since the process started. */
  readonly limited: Readonly<Record<string, number>>;
}

export const LEASE_TTL_MS = 1000;
export const HEARTBEAT_MS = 2000;
/** After a failed script call, decide locally for this long before trying Redis again. */
export const STORE_BACKOFF_MS = 1000;
const MAX_ENTRIES = 100_000;

interface Lease {
  tokens: number;
  expiresAt: number;
  deniedUntil: number;
}

interface Need {
  readonly instance: string;
  readonly ref: BucketRef;
  readonly identity: string;
  count: number;
}

/** Lease top-up: 5% of the burst on top of what a call needs (0 for small buckets: exact). */
export function leaseChunk(limits: BucketLimits): number {
  return Math.floor(limits.burst / 20);
}

export function identityOf(key: BucketKey, caller: Caller): string {
  switch (key) {
    case 'client':
      return caller.address;
    case 'subject':
      return caller.subject === null ? `addr:${caller.address}` : `sub:${caller.subject}`;
    case 'global':
      return '*';
  }
}

export class RateLimiter {
  private readonly now: () => number;
  private readonly leases: LRUCache<string, Lease>;
  private readonly local: LRUCache<string, BucketState>;
  private readonly limitedCounts = new Map<string, number>();
  private readonly member = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly leaseTtlMs: number;
  private peerCount: number;
  private modeNow: LimitMode;
  private storeFailedUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private heartbeatRunning = false;

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS;
    const max = options.maxEntries ?? MAX_ENTRIES;
    this.leases = new LRUCache({ max });
    this.local = new LRUCache({ max });
    this.peerCount = Math.max(1, Math.floor(options.peers));
    this.modeNow = options.store?.usable() === true ? 'shared' : 'local';
  }

  get mode(): LimitMode {
    return this.modeNow;
  }

  get peers(): number {
    return this.peerCount;
  }

  /** Starts the peers heartbeat (and mode refresh while idle). */
  start(): void {
    if (this.timer !== null) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.heartbeatMs ?? HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.options.store?.leave(this.member);
  }

  report(): RateLimitReport {
    return { mode: this.modeNow, peers: this.peerCount, limited: Object.fromEntries(this.limitedCounts) };
  }

  /**
   * Decides each call (`items[i]` lists the buckets counting call i). Synchronous when the
   * answer is known here (local mode, leased tokens, a bucket known to be empty); otherwise one
   * Redis round trip.
   */
  admit(items: readonly (readonly BucketRef[])[], caller: Caller): Admission | Promise<Admission> {
    const needs = this.needsOf(items, caller);
    if (needs === null) return new Array<Denial | null>(items.length).fill(null);
    const now = this.now();
    const store = this.options.store;
    if (store === null || !this.sharedUsable(store, now)) return this.decideLocal(items, caller, needs, now);

    let refills: TakeRequest[] | null = null;
    let refilled: Need[] | null = null;
    for (const need of needs.values()) {
      const lease = this.leaseOf(need.instance, now);
      if (lease.tokens >= need.count || lease.deniedUntil > now) continue;
      refills ??= [];
      refilled ??= [];
      refills.push({ key: bucketKey(need.ref.config.name, need.identity), limits: need.ref.limits, wanted: need.count - lease.tokens + leaseChunk(need.ref.limits) });
      refilled.push(need);
    }
    if (refills === null || refilled === null) return this.decideShared(items, caller, now);
    const asked = refilled;
    const requests = refills;
    return store.take(requests).then(
      (replies) => {
        const at = this.now();
        replies.forEach((reply, i) => {
          const need = asked[i] as Need;
          const lease = this.leaseOf(need.instance, at);
          lease.tokens += reply.granted;
          lease.expiresAt = at + this.leaseTtlMs;
          if (reply.granted < (requests[i] as TakeRequest).wanted) lease.deniedUntil = at + reply.waitMs;
          this.leases.set(need.instance, lease);
        });
        return this.decideShared(items, caller, at);
      },
      (err: unknown) => {
        const at = this.now();
        this.storeFailedUntil = at + STORE_BACKOFF_MS;
        this.options.onStoreError?.(err);
        this.refreshMode(at);
        return this.decideLocal(items, caller, needs, at);
      },
    );
  }

  // ------------------------------------------------------------------------------------------

  /** Bucket instances the calls need, with counts; null when no bucket counts any call. */
  private needsOf(items: readonly (readonly BucketRef[])[], caller: Caller): Map<string, Need> | null {
    let needs: Map<string, Need> | null = null;
    for (const refs of items) {
      for (const ref of refs) {
        const identity = identityOf(ref.config.key, caller);
        const instance = `${ref.config.name}\u0000${identity}`;
        needs ??= new Map();
        const need = needs.get(instance);
        if (need === undefined) needs.set(instance, { instance, ref, identity, count: 1 });
        else need.count += 1;
      }
    }
    return needs;
  }

  private instanceOf(ref: BucketRef, caller: Caller): string {
    return `${ref.config.name}\u0000${identityOf(ref.config.key, caller)}`;
  }

  private leaseOf(instance: string, now: number): Lease {
    const lease = this.leases.get(instance);
    if (lease === undefined) return { tokens: 0, expiresAt: 0, deniedUntil: 0 };
    if (lease.expiresAt <= now) lease.tokens = 0;
    return lease;
  }

  private decideShared(items: readonly (readonly BucketRef[])[], caller: Caller, now: number): Admission {
    const out: (Denial | null)[] = [];
    for (const refs of items) {
      let denial: Denial | null = null;
      for (const ref of refs) {
        const lease = this.leaseOf(this.instanceOf(ref, caller), now);
        if (lease.tokens >= 1) continue;
        // Known empty until deniedUntil; else (tokens taken by calls in flight) about one token's time.
        const retryAfterMs = lease.deniedUntil > now ? lease.deniedUntil - now : waitForToken(0, ref.limits);
        if (denial === null || retryAfterMs > denial.retryAfterMs) denial = { bucket: ref.config, retryAfterMs };
      }
      if (denial === null) {
        for (const ref of refs) {
          const instance = this.instanceOf(ref, caller);
          const lease = this.leaseOf(instance, now);
          lease.tokens -= 1;
          this.leases.set(instance, lease);
        }
      } else {
        this.countLimited(denial.bucket.name);
      }
      out.push(denial);
    }
    return out;
  }

  private decideLocal(items: readonly (readonly BucketRef[])[], caller: Caller, needs: ReadonlyMap<string, Need>, now: number): Admission {
    const states = new Map<string, BucketState>();
    for (const need of needs.values()) {
      const limits = shareOf(need.ref.limits, this.peerCount);
      states.set(need.instance, take(this.local.get(need.instance), limits, now, 0).state);
    }
    const out: (Denial | null)[] = [];
    for (const refs of items) {
      let denial: Denial | null = null;
      for (const ref of refs) {
        const state = states.get(this.instanceOf(ref, caller)) as BucketState;
        if (state.tokens >= 1) continue;
        const retryAfterMs = waitForToken(state.tokens, shareOf(ref.limits, this.peerCount));
        if (denial === null || retryAfterMs > denial.retryAfterMs) denial = { bucket: ref.config, retryAfterMs };
      }
      if (denial === null) {
        for (const ref of refs) {
          const instance = this.instanceOf(ref, caller);
          const state = states.get(instance) as BucketState;
          states.set(instance, { tokens: state.tokens - 1, at: state.at });
        }
      } else {
        this.countLimited(denial.bucket.name);
      }
      out.push(denial);
    }
    for (const [instance, state] of states) this.local.set(instance, state);
    return out;
  }

  private countLimited(bucket: string): void {
    this.limitedCounts.set(bucket, (this.limitedCounts.get(bucket) ?? 0) + 1);
    this.options.onLimited?.(bucket);
  }

  private sharedUsable(store: BucketStore, now: number): boolean {
    const usable = store.usable() && now >= this.storeFailedUntil;
    if ((usable ? 'shared' : 'local') !== this.modeNow) this.refreshMode(now);
    return usable;
  }

  private refreshMode(now: number): void {
    const store = this.options.store;
    let mode: LimitMode = 'local';
    let reason = 'no Redis is configured (JUSSI_REDIS_URL)';
    if (store !== null) {
      if (!store.usable()) reason = 'Redis is unavailable';
      else if (now < this.storeFailedUntil) reason = 'the Redis rate-limit script failed';
      else mode = 'shared';
    }
    if (mode === this.modeNow) return;
    this.modeNow = mode;
    // Tokens of one mode mean nothing in the other.
    this.leases.clear();
    this.local.clear();
    this.options.onModeChange?.(mode, mode === 'shared' ? 'Redis is answering: buckets are shared again' : `${reason}: limiting locally at 1/${this.peerCount} of each bucket`);
  }

  private tick(): void {
    this.refreshMode(this.now());
    const store = this.options.store;
    if (store === null || !store.usable() || this.heartbeatRunning) return;
    this.heartbeatRunning = true;
    const ttl = 3 * (this.options.heartbeatMs ?? HEARTBEAT_MS);
    store
      .heartbeat(this.member, ttl)
      .then(
        (n) => {
          if (Number.isInteger(n) && n >= 1) this.peerCount = n;
        },
        (err: unknown) => this.options.onStoreError?.(err),
      )
      .finally(() => {
        this.heartbeatRunning = false;
      });
  }
}
