// The last irreversible block number (LIRB), which the -2 TTL rule compares block numbers
// with. Learned from every get_dynamic_global_properties answer the pipeline sees (`observe`),
// from polling the upstream while some -2 rule exists, and from the other proxies through
// Redis key `last_irreversible_block_num` (jussi's key and format: a zlib-deflated JSON number
// written with EX 180), read at start, whenever the Redis link becomes ready (a proxy that
// started before Redis answered, or outlived an outage, must not wait for a poll that may be
// off), and at every poll so a fleet converges. It never moves
// backwards, and nothing here throws: failures are counted.
//
// The shared key can briefly go down when a proxy that lags writes after one that is ahead
// (a plain SET cannot be "set if greater" on a deflated value); no tracker ever goes back, and
// the next advance repairs the key.

import { type Logger, noopLogger } from '../observability/types.js';
import { isJsonObject } from './answer-validation.js';

export const LIRB_KEY = 'last_irreversible_block_num';
export const LIRB_TTL_SECONDS = 180;

/** The part of the cache group the tracker shares its value through (TieredCacheGroup fits). */
export interface SharedValueStore {
  readShared(key: string): Promise<unknown>;
  writeShared(key: string, value: unknown, ttlSeconds: number | null): Promise<boolean>;
  /** Calls `listener` whenever the store becomes usable (again); the tracker then reads again. */
  onPrimaryUp?(listener: () => void): void;
}

/** Asks the steemd/appbase upstream for get_dynamic_global_properties; resolves with its `result`. */
export type LirbPoll = (signal: AbortSignal) => Promise<unknown>;

export interface LirbTrackerOptions {
  readonly store?: SharedValueStore | null;
  /** JUSSI_LIRB_POLL_INTERVAL; 0 disables polling (answers and the start-up read still count). */
  readonly pollIntervalSeconds: number;
  readonly poll?: LirbPoll | null;
  /** Whether polling is wanted now: true while the config has a -2 rule. Asked at every tick. */
  readonly pollWanted?: () => boolean;
  /** Bound on one poll; defaults to the interval, at least 1 s. */
  readonly pollTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface LirbCounters {
  /** Answers passed to `observe`. */
  observed: number;
  /** Times the value moved forward (from any source). */
  advanced: number;
  /** Values that were not ahead of the current one (ignored: never backwards). */
  notAhead: number;
  /** Answers or shared values without a usable block number. */
  invalid: number;
  polls: number;
  pollErrors: number;
  sharedReads: number;
  sharedWrites: number;
  sharedWriteErrors: number;
}

/** The LIRB of a get_dynamic_global_properties `result` (or a shared value): a non-negative integer. */
export function lirbFromResult(result: unknown): number | null {
  const value = isJsonObject(result) ? result['last_irreversible_block_num'] : undefined;
  return asBlockNum(value);
}

function asBlockNum(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

export class LirbTracker {
  private value: number | null = null;
  private readonly counts: LirbCounters = {
    observed: 0, advanced: 0, notAhead: 0, invalid: 0, polls: 0, pollErrors: 0, sharedReads: 0, sharedWrites: 0, sharedWriteErrors: 0,
  };
  private timer: NodeJS.Timeout | null = null;
  private abort = new AbortController();
  private running: Promise<void> | null = null;
  private started = false;
  private sharing = false;
  private shareAgain = false;
  private readonly logger: Logger;

  constructor(private readonly options: LirbTrackerOptions) {
    this.logger = options.logger ?? noopLogger;
    options.store?.onPrimaryUp?.(() => this.resync());
  }

  /** The last irreversible block number, or null while unknown (then -2 answers are not cached). */
  current(): number | null {
    return this.value;
  }

  /** Learns from a get_dynamic_global_properties `result`; true when the value moved forward. */
  observe(result: unknown): boolean {
    this.counts.observed += 1;
    const n = lirbFromResult(result);
    if (n === null) {
      this.counts.invalid += 1;
      return false;
    }
    return this.advance(n, true);
  }

  private advance(n: number, share: boolean): boolean {
    if (this.value !== null && n <= this.value) {
      this.counts.notAhead += 1;
      return false;
    }
    this.value = n;
    this.counts.advanced += 1;
    if (share) this.share();
    return true;
  }

  // One write in flight at a time; a value that advanced meanwhile is written when it finishes.
  private share(): void {
    const store = this.options.store;
    if (store == null) return;
    if (this.sharing) {
      this.shareAgain = true;
      return;
    }
    this.sharing = true;
    const value = this.value;
    store
      .writeShared(LIRB_KEY, value, LIRB_TTL_SECONDS)
      .then(
        (ok) => {
          if (ok) this.counts.sharedWrites += 1;
          else this.counts.sharedWriteErrors += 1;
        },
        () => {
          this.counts.sharedWriteErrors += 1;
        },
      )
      .finally(() => {
        this.sharing = false;
        if (this.shareAgain) {
          this.shareAgain = false;
          if (this.value !== value) this.share();
        }
      })
      .catch(() => undefined);
  }

  /** Reads the shared value; writes ours when the shared one is missing or behind. */
  private async syncShared(): Promise<void> {
    const store = this.options.store;
    if (store == null) return;
    let shared: unknown;
    try {
      shared = await store.readShared(LIRB_KEY);
    } catch {
      shared = undefined;
    }
    this.counts.sharedReads += 1;
    const n = asBlockNum(shared);
    if (n !== null) this.advance(n, false);
    else if (shared !== undefined) this.counts.invalid += 1;
    if (this.value !== null && (n === null || n < this.value)) this.share();
  }

  private async pollUpstream(): Promise<void> {
    const poll = this.options.poll;
    if (poll == null) return;
    this.counts.polls += 1;
    const timeoutMs = this.options.pollTimeoutMs ?? Math.max(1000, this.options.pollIntervalSeconds * 1000);
    try {
      const result = await poll(AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]));
      this.observe(result);
    } catch (err) {
      this.counts.pollErrors += 1;
      if (this.logger.isDebugEnabled()) {
        this.logger.debug({ error: { type: 'LirbPollError', message: err instanceof Error ? err.message : String(err) } }, 'lirb poll failed');
      }
    }
  }

  private wanted(): boolean {
    try {
      return this.options.pollWanted?.() ?? true;
    } catch {
      return false;
    }
  }

  /** One cycle: the shared value, then the upstream (when a -2 rule wants it). */
  async refresh(): Promise<void> {
    if (!this.wanted()) return;
    await this.syncShared();
    await this.pollUpstream();
  }

  /** Reads the shared value once, then polls now and every interval (unless the interval is 0). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.abort = new AbortController();
    const polling = this.options.pollIntervalSeconds > 0;
    this.running = this.syncShared()
      .then(() => (polling && this.wanted() ? this.pollUpstream() : undefined))
      .catch(() => undefined)
      .finally(() => {
        this.running = null;
        this.schedule();
      });
  }

  /**
   * Reads the shared value again now (the Redis link became ready). Does nothing before
   * `start()` or after `stop()`; never throws.
   */
  resync(): void {
    if (!this.started) return;
    this.syncShared().catch(() => undefined);
  }

  private schedule(): void {
    if (!this.started || this.options.pollIntervalSeconds <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.refresh()
        .catch(() => undefined)
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.options.pollIntervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops polling; an in-flight poll is aborted and awaited. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  counters(): LirbCounters {
    return { ...this.counts };
  }
}
