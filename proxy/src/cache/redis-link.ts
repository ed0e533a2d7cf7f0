// One Redis endpoint (a server, a Sentinel-managed master or replica, or a Cluster) as the cache
// uses it: an ioredis client plus what we know of its health. The cache never waits for Redis:
// commands are only sent while the link is up, at most `maxPending` at a time, each bounded by
// the command timeout; a timed-out command marks the link down until a probe answers, and the
// client reconnects by itself. One TCP connection per endpoint (per Cluster node), never more,
// whatever happens to the reads that gave up waiting.

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-url.js';

export type RedisClient = Redis | Cluster;

export type LinkState = 'connecting' | 'up' | 'down';

export interface RedisLinkOptions {
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  /** PING period while up (0: none); a link that timed out is probed more often. */
  readonly healthCheckIntervalMs: number;
  /** Commands (or pipelines) in flight at once; beyond it operations are refused, not queued. */
  readonly maxPending: number;
  readonly connectionName: string;
  readonly onStateChange?: (link: RedisLink, state: LinkState, reason: string) => void;
}

/** Longest pause between reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 1000;
/** Period of the PING that brings back a link which stopped answering. */
export const PROBE_INTERVAL_MS = 500;

export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS);
}

export class LinkUnavailableError extends Error {
  constructor(readonly state: LinkState, readonly pending: number) {
    super(state === 'up' ? `Redis busy: ${pending} operations pending` : `Redis ${state}`);
    this.name = 'LinkUnavailableError';
  }
}

function createClient(target: RedisTarget, o: RedisLinkOptions): RedisClient {
  const common: RedisOptions = {
    connectTimeout: o.connectTimeoutMs,
    commandTimeout: o.commandTimeoutMs,
    connectionName: o.connectionName,
    // A cache command is worth nothing after a reconnect: fail it instead of replaying it.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    lazyConnect: false,
    retryStrategy: reconnectDelayMs,
  };
  const credentials = {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
  };
  switch (target.kind) {
    case 'standalone':
      return new Redis({ ...common, ...credentials, host: target.host, port: target.port, db: target.db, ...(target.tls ? { tls: {} } : {}) });
    case 'sentinel':
      return new Redis({
        ...common,
        ...credentials,
        sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: target.name,
        db: target.db,
        role: target.role,
        ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
        sentinelRetryStrategy: reconnectDelayMs,
      });
    case 'cluster': {
      const { retryStrategy: _r, enableOfflineQueue: _e, ...nodeOptions } = common;
      const options: ClusterOptions = {
        redisOptions: { ...nodeOptions, ...credentials, ...(target.tls ? { tls: {} } : {}) },
        enableOfflineQueue: false,
        // Commands of one batch go to several nodes; auto-pipelining groups them per node.
        enableAutoPipelining: true,
        clusterRetryStrategy: reconnectDelayMs,
        scaleReads: 'master',
      };
      return new Cluster(target.nodes.map((n) => ({ host: n.host, port: n.port })), options);
    }
  }
}

export class RedisLink {
  readonly client: RedisClient;
  readonly isCluster: boolean;
  private currentState: LinkState = 'connecting';
  private pendingCount = 0;
  private lastErrorText: string | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private closed = false;

  constructor(readonly label: string, target: RedisTarget, private readonly options: RedisLinkOptions) {
    this.client = createClient(target, options);
    this.isCluster = target.kind === 'cluster';
    const client = this.client as unknown as NodeJS.EventEmitter;
    client.on('ready', () => this.setState('up', 'connected'));
    client.on('close', () => this.setState('down', 'connection closed'));
    client.on('reconnecting', () => this.setState('down', 'reconnecting'));
    client.on('end', () => this.setState('down', 'connection ended'));
    client.on('error', (err: unknown) => {
      this.lastErrorText = err instanceof Error ? err.message : String(err);
    });
    client.on('node error', (err: unknown) => {
      this.lastErrorText = err instanceof Error ? err.message : String(err);
    });
    if (options.healthCheckIntervalMs > 0) {
      this.healthTimer = setInterval(() => this.healthCheck(), options.healthCheckIntervalMs);
      this.healthTimer.unref();
    }
  }

  get state(): LinkState {
    return this.currentState;
  }

  get pending(): number {
    return this.pendingCount;
  }

  get lastError(): string | null {
    return this.lastErrorText;
  }

  /** Whether an operation would be sent now (up, and under the pending bound). */
  usable(): boolean {
    return this.currentState === 'up' && this.pendingCount < this.options.maxPending;
  }

  /**
   * Runs one operation (a command or a pipeline) if the link is usable, else rejects at once
   * with LinkUnavailableError. Tracks it in the pending count until it settles.
   */
  run<T>(operation: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.usable()) return Promise.reject(new LinkUnavailableError(this.currentState, this.pendingCount));
    return this.track(operation);
  }

  private track<T>(operation: (client: RedisClient) => Promise<T>): Promise<T> {
    this.pendingCount += 1;
    let promise: Promise<T>;
    try {
      promise = operation(this.client);
    } catch (err) {
      promise = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return promise.then(
      (value) => {
        this.pendingCount -= 1;
        this.answered();
        return value;
      },
      (err: unknown) => {
        this.pendingCount -= 1;
        this.failed(err);
        throw err;
      },
    );
  }

  /** Something answered: a link that was down only because Redis stopped answering is up again. */
  private answered(): void {
    if (this.currentState === 'down' && this.client.status === 'ready') this.setState('up', 'answering again');
  }

  private failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.lastErrorText = message;
    if (message === 'Command timed out' && this.currentState === 'up') this.setState('down', 'command timed out');
  }

  private setState(state: LinkState, reason: string): void {
    if (this.closed || state === this.currentState) return;
    this.currentState = state;
    if (state === 'down') this.startProbing();
    else this.stopProbing();
    this.options.onStateChange?.(this, state, reason);
  }

  private healthCheck(): void {
    if (this.currentState !== 'up' || this.pendingCount >= this.options.maxPending) return;
    this.track((c) => c.ping()).catch(() => undefined);
  }

  // While the socket stays open but Redis does not answer (paused, overloaded), only a command
  // can tell when it is back; a closed socket is reported by ioredis's own reconnect instead.
  private startProbing(): void {
    if (this.probeTimer !== null || this.closed) return;
    this.probeTimer = setInterval(() => this.probe(), Math.min(PROBE_INTERVAL_MS, this.options.commandTimeoutMs));
    this.probeTimer.unref();
  }

  private stopProbing(): void {
    if (this.probeTimer !== null) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }

  private probe(): void {
    if (this.probing || this.client.status !== 'ready' || this.pendingCount >= this.options.maxPending) return;
    this.probing = true;
    this.track((c) => c.ping())
      .catch(() => undefined)
      .finally(() => {
        this.probing = false;
      });
  }

  /** Sends what is queued (QUIT), or drops the connection after a short wait. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthTimer !== null) clearInterval(this.healthTimer);
    this.stopProbing();
    const client = this.client;
    if (client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.quit().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1000);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
    client.disconnect();
  }
}
