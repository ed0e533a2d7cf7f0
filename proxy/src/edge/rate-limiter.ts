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

/** One bucket instance (bucket x identity) a request needs tokens of. */
interface Need {
  readonly instance: string;
  readonly ref: BucketRef;
  readonly identity: string;
  count: number;
  lease?: Lease;
  share?: BucketLimits;
  state?: BucketState;
}

interface Needs {
  /** Each instance once. */
  readonly all: readonly Need[];
  /** Per call, the instances counting it. */
  readonly perItem: readonly (readonly Need[])[];
}

const NO_NEEDS: readonly Need[] = [];

/** The bucket instances the calls need, with counts; null when no bucket counts any call. */
function needsOf(items: readonly (readonly BucketRef[])[], caller: Caller): Needs | null {
  // A single call (the common request) counts in distinct buckets: no de-duplication needed.
  if (items.length === 1) {
    const refs = items[0] as readonly BucketRef[];
    if (refs.length === 0) return null;
    const all = refs.map((ref): Need => {
      const identity = identityOf(ref.config.key, caller);
      return { instance: `${ref.config.name}\u0000${identity}`, ref, identity, count: 1 };
    });
    return { all, perItem: [all] };
  }
  let byInstance: Map<string, Need> | null = null;
  const all: Need[] = [];
  const perItem: (readonly Need[])[] = [];
  for (const refs of items) {
    if (refs.length === 0) {
      perItem.push(NO_NEEDS);
      continue;
    }
    const mine: Need[] = [];
    for (const ref of refs) {
      const identity = identityOf(ref.config.key, caller);
      const instance = `${ref.config.name}\u0000${identity}`;
      byInstance ??= new Map();
      let need = byInstance.get(instance);
      if (need === undefined) {
        need = { instance, ref, identity, count: 0 };
        byInstance.set(instance, need);
        all.push(need);
      }
      need.count += 1;
      mine.push(need);
    }
    perItem.push(mine);
  }
  return all.length === 0 ? null : { all, perItem };
}

/**
 * Calls in order: a call passes when `wait` is 0 for every instance counting it, and then
 * `takeOne` runs for each; otherwise it is refused by the instance with the longest wait.
 */
function decideInOrder(needs: Needs, wait: (need: Need) => number, takeOne: (need: Need) => void, limited: (bucket: string) => void): Admission {
  const out: (Denial | null)[] = [];
  for (const mine of needs.perItem) {
    let denial: Denial | null = null;
    for (const need of mine) {
      const ms = wait(need);
      if (ms > 0 && (denial === null || ms > denial.retryAfterMs)) denial = { bucket: need.ref.config, retryAfterMs: ms };
    }
    if (denial === null) for (const need of mine) takeOne(need);
    else limited(denial.bucket.name);
    out.push(denial);
  }
  return out;
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
    const needs = needsOf(items, caller);
    if (needs === null) return new Array<Denial | null>(items.length).fill(null);
    const now = this.now();
    const store = this.options.store;
    if (store === null || !this.sharedUsable(store, now)) return this.decideLocal(needs, now);

    let refills: TakeRequest[] | null = null;
    let refilled: Need[] | null = null;
    for (const need of needs.all) {
      const lease = this.leaseOf(need.instance, now);
      need.lease = lease;
      if (lease.tokens >= need.count || lease.deniedUntil > now) continue;
      refills ??= [];
      refilled ??= [];
      refills.push({ key: bucketKey(need.ref.config.name, need.identity), limits: need.ref.limits, wanted: need.count - lease.tokens + leaseChunk(need.ref.limits) });
      refilled.push(need);
    }
    if (refills === null || refilled === null) return this.decideShared(needs, now);
    const asked = refilled;
    const requests = refills;
    return store.take(requests).then(
      (replies) => {
        const at = this.now();
        replies.forEach((reply, i) => {
          const lease = (asked[i] as Need).lease as Lease;
          lease.tokens += reply.granted;
          lease.expiresAt = at + this.leaseTtlMs;
          if (reply.granted < (requests[i] as TakeRequest).wanted) lease.deniedUntil = at + reply.waitMs;
        });
        return this.decideShared(needs, at);
      },
      (err: unknown) => {
        const at = this.now();
        this.storeFailedUntil = at + STORE_BACKOFF_MS;
        this.options.onStoreError?.(err);
        this.refreshMode(at);
        return this.decideLocal(needs, at);
      },
    );
  }

  // ------------------------------------------------------------------------------------------

  /** The lease of a bucket instance, created (empty) and remembered on first use; lapsed tokens are dropped. */
  private leaseOf(instance: string, now: number): Lease {
    let lease = this.leases.get(instance);
    if (lease === undefined) {
      lease = { tokens: 0, expiresAt: 0, deniedUntil: 0 };
      this.leases.set(instance, lease);
    } else if (lease.expiresAt <= now) {
      lease.tokens = 0;
    }
    return lease;
  }

  private decideShared(needs: Needs, now: number): Admission {
    return decideInOrder(
      needs,
      (need) => {
        const lease = need.lease as Lease;
        if (lease.tokens >= 1) return 0;
        // Known empty until deniedUntil; else (tokens taken by calls in flight) about one token's time.
        return lease.deniedUntil > now ? lease.deniedUntil - now : waitForToken(0, need.ref.limits);
      },
      (need) => {
        (need.lease as Lease).tokens -= 1;
      },
      (bucket) => this.countLimited(bucket),
    );
  }

  private decideLocal(needs: Needs, now: number): Admission {
    for (const need of needs.all) {
      need.share = shareOf(need.ref.limits, this.peerCount);
      need.state = take(this.local.get(need.instance), need.share, now, 0).state;
    }
    const out = decideInOrder(
      needs,
      (need) => {
        const state = need.state as BucketState;
        return state.tokens >= 1 ? 0 : waitForToken(state.tokens, need.share as BucketLimits);
      },
      (need) => {
        const state = need.state as BucketState;
        need.state = { tokens: state.tokens - 1, at: state.at };
      },
      (bucket) => this.countLimited(bucket),
    );
    for (const need of needs.all) this.local.set(need.instance, need.state as BucketState);
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
