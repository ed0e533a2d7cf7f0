// A WebSocket JSON-RPC upstream: a pool of `ws` connections to one URL, each carrying many
// calls at once (ARCHITECTURE item 12).
//
// - `min` connections are opened at start and kept open; the pool grows up to `max` while every
//   open connection carries `maxInFlight` calls; a call goes to the least-loaded connection.
// - When every connection is full (or being opened), calls wait in a bounded queue; past the
//   bound (see `maxQueue`) they fail at once with 'overloaded'.
// - A lost connection fails its calls at once with 'closed' (an oversized or malformed frame:
//   'protocol') and is reopened after about `reconnectMinMs`. The back-off is per endpoint and
//   counts failed connect attempts, not dropped connections: eight connections dropped by one
//   upstream restart are one event, and the pool is back within about `reconnectMinMs` of the
//   upstream accepting again. Each failed round of attempts doubles the wait (jittered, capped
//   at `reconnectMaxMs`, backoff.ts); while nothing is open, one connection probes at a time
//   and the others follow as soon as it opens. A connection dropped before it ever answered
//   counts as a failed attempt, so an upstream that accepts and closes cannot make a tight loop.
// - While the pool has no open connection after a failure (a drop or a failed connect), calls
//   fail at once with 'connect' naming the cause (failover moves on to the next URL; nothing was
//   sent), and so do calls waiting in the queue when the last connection goes: none waits for
//   its timeout on a pool that cannot carry it.
// - A call whose signal fires is forgotten; its late answer is counted and ignored.
// - `close(grace)` stops taking calls, lets taken ones finish up to `grace`, then closes.

import { abortError } from './abort.js';
import { reconnectDelay } from './backoff.js';
import { InFlightCounter } from './in-flight.js';
import { redactUrl } from './redact.js';
import { UpstreamError } from './types.js';
import type { Upstream, UpstreamCall, UpstreamReply, UpstreamStats } from './types.js';
import { WsConnection } from './ws-connection.js';
import type { PendingCall, UnmatchedKind, WsConnectionHooks } from './ws-connection.js';
import type { Logger } from '../observability/types.js';
import { noopLogger } from '../observability/types.js';

export interface WebSocketPoolOptions {
  readonly min: number;
  readonly max: number;
  /** Calls one connection carries before the pool opens another. */
  readonly maxInFlight: number;
  /**
   * Calls allowed to wait beyond what `max` full connections carry; default `max * maxInFlight`.
   * A call arriving when `max * maxInFlight + maxQueue` calls are already taken (in flight or
   * waiting) fails at once with 'overloaded'.
   */
  readonly maxQueue?: number;
  /** Largest answer accepted, bytes; null = no limit. */
  readonly maxMessageSize: number | null;
  readonly connectTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** Ping period for dead-peer detection; default 15000, 0 = off. */
  readonly pingIntervalMs?: number;
  /** How long `close()` waits for the peer's close frame before cutting the socket; default 1000. */
  readonly closeWaitMs?: number;
  readonly logger?: Logger;
  /** Source of jitter (tests make it deterministic). */
  readonly random?: () => number;
}

export interface WebSocketCounters {
  /** Answers that arrived after their call timed out or was aborted. */
  late: number;
  /** Answers whose id matched no call ever sent on that connection. */
  unknown: number;
  /** Messages that were not JSON or carried no usable id. */
  invalid: number;
  connectFailures: number;
  /** Open connections lost (peer closed, reset, dead peer, bad frame). */
  drops: number;
}

class Job implements PendingCall {
  readonly id: number;
  readonly payload: string;
  connection: WsConnection | null = null;
  private settled = false;
  constructor(
    readonly call: UpstreamCall,
    private readonly done: (job: Job) => void,
    private readonly onResolve: (reply: UpstreamReply) => void,
    private readonly onReject: (error: UpstreamError) => void,
    readonly onAbort: () => void,
  ) {
    this.id = call.upstreamId;
    this.payload = call.payload;
  }
  resolve(reply: UpstreamReply): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this);
    this.onResolve(reply);
  }
  reject(error: UpstreamError): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this);
    this.onReject(error);
  }
}

export class WebSocketUpstream implements Upstream {
  readonly url: string;
  readonly protocol = 'websocket' as const;
  readonly counters: WebSocketCounters = { late: 0, unknown: 0, invalid: 0, connectFailures: 0, drops: 0 };
  private readonly open = new Set<WsConnection>();
  private readonly connecting = new Set<WsConnection>();
  private readonly queue = new Set<Job>();
  /** Calls taken and not finished (queued or in flight): what `close(grace)` waits for. */
  private readonly taken = new InFlightCounter();
  /** Calls taken (in flight + waiting) beyond which new calls are refused. */
  private readonly maxTaken: number;
  private readonly pingIntervalMs: number;
  private readonly closeWaitMs: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly hooks: WsConnectionHooks;
  /**
   * Consecutive failed rounds of connect attempts (one per back-off step, however many
   * connections failed), including connections dropped before they answered anything.
   */
  private failures = 0;
  private nextAttemptAt = 0;
  /** Why the pool lost its connections (a drop or a failed connect); null while one is open or before the first attempt ended. */
  private lastFailure: string | null = null;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly rawUrl: string,
    private readonly options: WebSocketPoolOptions,
  ) {
    this.url = redactUrl(rawUrl);
    this.maxTaken = options.max * options.maxInFlight + (options.maxQueue ?? options.max * options.maxInFlight);
    this.pingIntervalMs = options.pingIntervalMs ?? 15_000;
    this.closeWaitMs = options.closeWaitMs ?? 1_000;
    this.logger = (options.logger ?? noopLogger).child({ upstream: this.url });
    this.random = options.random ?? Math.random;
    this.hooks = {
      opened: (c) => this.onOpened(c),
      ended: (c, wasOpen, error) => this.onEnded(c, wasOpen, error),
      freed: () => this.pump(),
      // The endpoint answers: whatever failed before is over.
      alive: () => {
        this.failures = 0;
      },
      unmatched: (_c, kind, detail) => this.onUnmatched(kind, detail),
    };
    this.maintain();
  }

  send(call: UpstreamCall): Promise<UpstreamReply> {
    if (this.closing) return Promise.reject(new UpstreamError('shutdown', this.url, `upstream ${this.url} is closing`));
    if (call.signal.aborted) return Promise.reject(abortError(call.signal, this.url));
    return new Promise<UpstreamReply>((resolve, reject) => {
      const direct = this.queue.size === 0 ? this.pick(call.upstreamId) : undefined;
      if (direct === undefined) {
        if (this.isDown()) {
          reject(this.downError());
          return;
        }
        if (this.taken.value >= this.maxTaken) {
          reject(new UpstreamError('overloaded', this.url, `${this.url}: ${this.queue.size} calls already waiting for a connection`));
          return;
        }
      }
      const job: Job = new Job(
        call,
        (j) => this.finished(j),
        (reply) => {
          this.lastError = null;
          resolve(reply);
        },
        (error) => {
          if (error.kind !== 'timeout' && error.kind !== 'aborted') this.lastError = error.message;
          reject(error);
        },
        () => this.abortJob(job),
      );
      this.taken.increment();
      call.signal.addEventListener('abort', job.onAbort, { once: true });
      if (direct !== undefined) {
        this.assign(job, direct);
      } else {
        this.queue.add(job);
        this.grow();
      }
    });
  }

  stats(): UpstreamStats {
    let active = 0;
    let inFlight = 0;
    for (const c of this.open) {
      if (c.load > 0) active += 1;
      inFlight += c.load;
    }
    return {
      url: this.url,
      protocol: 'websocket',
      size: this.open.size,
      active,
      idle: this.open.size - active,
      pending: this.queue.size,
      inFlight,
      healthy: !this.closing && !this.isDown(),
      lastError: this.lastError,
    };
  }

  /** Connections being opened (for tests and diagnostics). */
  get connectingCount(): number {
    return this.connecting.size;
  }

  /** Milliseconds until the next connect attempt may start (0: now); for tests and diagnostics. */
  get reconnectInMs(): number {
    return Math.max(0, this.nextAttemptAt - Date.now());
  }

  /** Failed rounds of connect attempts since a connection last opened; for tests and diagnostics. */
  get connectFailureStreak(): number {
    return this.failures;
  }

  close(graceMs: number): Promise<void> {
    if (this.closed === null) this.closed = this.shutdown(graceMs);
    return this.closed;
  }

  // ---------------------------------------------------------------------------------------
  // Placing calls.

  /** The least-loaded open connection with room that does not already carry this id. */
  private pick(id: number): WsConnection | undefined {
    let best: WsConnection | undefined;
    for (const c of this.open) {
      if (c.load >= this.options.maxInFlight || c.has(id)) continue;
      if (best === undefined || c.load < best.load) best = c;
    }
    return best;
  }

  private hasRoom(): boolean {
    for (const c of this.open) if (c.load < this.options.maxInFlight) return true;
    return false;
  }

  private assign(job: Job, connection: WsConnection): void {
    job.connection = connection;
    connection.send(job);
  }

  /** Moves queued calls onto connections with room, in arrival order. */
  private pump(): void {
    for (const job of this.queue) {
      const connection = this.pick(job.id);
      if (connection === undefined) {
        if (!this.hasRoom()) break;
        continue; // only this id is already in flight everywhere: let later calls pass
      }
      this.queue.delete(job);
      this.assign(job, connection);
    }
    if (this.queue.size > 0) this.grow();
  }

  private finished(job: Job): void {
    job.call.signal.removeEventListener('abort', job.onAbort);
    this.queue.delete(job);
    job.connection = null;
    this.taken.decrement();
  }

  private abortJob(job: Job): void {
    const connection = job.connection;
    job.reject(abortError(job.call.signal, this.url));
    // Forgetting frees a slot, which pumps the queue.
    if (connection !== null) connection.forget(job.id);
  }

  private failQueued(error: UpstreamError): void {
    for (const job of this.queue) job.reject(error);
  }

  // ---------------------------------------------------------------------------------------
  // Opening, losing and reopening connections.

  /** No open connection since a drop or a failed connect: calls fail at once rather than wait. */
  private isDown(): boolean {
    return this.open.size === 0 && this.lastFailure !== null;
  }

  private downError(): UpstreamError {
    const when = this.reconnectInMs > 0 ? `next attempt in ${this.reconnectInMs} ms` : 'reconnecting';
    return new UpstreamError('connect', this.url, `${this.url}: no open connection (${when}; last error: ${this.lastFailure ?? 'unknown'})`);
  }

  /**
   * Connections wanted now: `min`, and at least one while calls wait; one alone (a probe)
   * while nothing is open and connect attempts are failing.
   */
  private target(): number {
    if (this.open.size === 0 && this.failures > 0) return 1;
    return Math.max(this.options.min, this.queue.size > 0 ? 1 : 0);
  }

  private canAttempt(): boolean {
    return !this.closing && this.open.size + this.connecting.size < this.options.max && Date.now() >= this.nextAttemptAt;
  }

  /** Opens connections up to the target, then as queued calls need. */
  private maintain(): void {
    while (this.open.size + this.connecting.size < this.target() && this.canAttempt()) this.openOne();
    this.grow();
  }

  /** Opens one more connection while the queue holds more than the ones being opened will take. */
  private grow(): void {
    while (this.queue.size > this.connecting.size * this.options.maxInFlight && this.canAttempt()) this.openOne();
    if (this.open.size + this.connecting.size < this.target()) this.scheduleMaintain();
  }

  private scheduleMaintain(): void {
    if (this.closing || this.timer !== null) return;
    const delay = Math.max(0, this.nextAttemptAt - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.maintain();
    }, delay);
    this.timer.unref();
  }

  private openOne(): void {
    const connection = new WsConnection(
      {
        rawUrl: this.rawUrl,
        url: this.url,
        maxPayload: this.options.maxMessageSize ?? 0,
        handshakeTimeoutMs: this.options.connectTimeoutMs,
        pingIntervalMs: this.pingIntervalMs,
      },
      this.hooks,
    );
    this.connecting.add(connection);
  }

  private onOpened(connection: WsConnection): void {
    this.connecting.delete(connection);
    if (this.closing) {
      void connection.shutdown(new UpstreamError('shutdown', this.url, `upstream ${this.url} is closing`), this.closeWaitMs);
      return;
    }
    this.open.add(connection);
    // The endpoint accepts again: the rest of the pool follows at once. The back-off itself
    // is forgotten when the peer answers (`alive`): one that accepts and closes keeps growing it.
    this.nextAttemptAt = 0;
    this.lastFailure = null;
    this.pump();
    this.maintain();
  }

  private onEnded(connection: WsConnection, wasOpen: boolean, error: UpstreamError): void {
    this.open.delete(connection);
    this.connecting.delete(connection);
    if (this.closing) {
      if (this.open.size === 0) this.failQueued(new UpstreamError('shutdown', this.url, `upstream ${this.url} is closing`));
      return;
    }
    this.lastError = error.message;
    const detail = withoutPrefix(error.message, this.url);
    if (wasOpen) {
      this.counters.drops += 1;
      this.logger.warn({ error: { type: error.kind, message: error.message } }, 'upstream websocket connection lost');
      // A connection that never answered anything counts as a failed attempt (an upstream that
      // accepts and closes at once); one that worked is reopened after about reconnectMinMs.
      if (connection.showedLife) this.waitBeforeReconnect();
      else this.noteConnectFailure();
    } else {
      this.counters.connectFailures += 1;
      this.logger.warn({ error: { type: error.kind, message: error.message } }, 'upstream websocket connect failed');
      this.noteConnectFailure();
    }
    if (this.open.size === 0) {
      this.lastFailure = detail;
      // Calls still waiting were never sent: they fail now, so failover can move them on.
      if (this.queue.size > 0) this.failQueued(this.downError());
    }
    this.maintain();
  }

  /** A failed round of connect attempts: doubles the wait. Failures of one round (attempts started together) count once. */
  private noteConnectFailure(): void {
    const now = Date.now();
    if (now < this.nextAttemptAt) return;
    this.failures += 1;
    this.nextAttemptAt = now + reconnectDelay(this.failures, this.options.reconnectMinMs, this.options.reconnectMaxMs, this.random);
  }

  /** A dropped connection: reconnect after about reconnectMinMs (jittered), without growing the back-off. */
  private waitBeforeReconnect(): void {
    const now = Date.now();
    if (now < this.nextAttemptAt) return;
    this.nextAttemptAt = now + reconnectDelay(1, this.options.reconnectMinMs, this.options.reconnectMaxMs, this.random);
  }

  private onUnmatched(kind: UnmatchedKind, detail: string): void {
    this.counters[kind] += 1;
    if (kind === 'late') this.logger.debug({}, `ignored ${detail}`);
    else this.logger.warn({ unmatched: this.counters[kind] }, `ignored upstream websocket message: ${detail}`);
  }

  // ---------------------------------------------------------------------------------------

  private async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const stopping = new UpstreamError('shutdown', this.url, `upstream ${this.url} is closing`);
    for (const c of this.connecting) c.terminate(stopping);
    if (this.open.size === 0) this.failQueued(stopping);
    await this.taken.drained(graceMs);
    this.failQueued(stopping);
    await Promise.all([...this.open, ...this.connecting].map((c) => c.shutdown(stopping, this.closeWaitMs)));
    await this.taken.drained();
  }
}

/** A message without the URL it starts with (`ws://host/: connection closed by peer` -> `connection closed by peer`). */
function withoutPrefix(message: string, url: string): string {
  return message.startsWith(`${url}: `) ? message.slice(url.length + 2) : message;
}
