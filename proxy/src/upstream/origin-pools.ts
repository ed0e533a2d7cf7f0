// One undici `Pool` per HTTP origin (and connection count), shared by every URL on that origin
// and across config reloads: a URL leases the pool, and the pool is destroyed when the last
// lease is released, after the URLs that used it have drained.

import { Pool } from 'undici';

export interface HttpPoolOptions {
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Largest answer body, bytes; past it undici closes the connection and the call fails. null = no limit. */
  readonly maxResponseSize: number | null;
}

export interface PoolLease {
  readonly pool: Pool;
  /** Gives the lease back; the last one destroys the pool (its calls must be finished or aborted). */
  release(): Promise<void>;
}

interface Entry {
  readonly pool: Pool;
  leases: number;
}

export class OriginPools {
  private readonly entries = new Map<string, Entry>();

  /** `origin` as `URL.origin` gives it (scheme, host, port; never userinfo). */
  acquire(origin: string, options: HttpPoolOptions): PoolLease {
    const key = `${origin} ${options.connections} ${options.connectTimeoutMs} ${options.keepAliveTimeoutMs} ${options.maxResponseSize ?? -1}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { pool: createPool(origin, options), leases: 0 };
      this.entries.set(key, entry);
    }
    entry.leases += 1;
    const held = entry;
    let released = false;
    return {
      pool: held.pool,
      release: async () => {
        if (released) return;
        released = true;
        held.leases -= 1;
        if (held.leases > 0) return;
        this.entries.delete(key);
        await held.pool.destroy();
      },
    };
  }

  /** Number of live pools (for tests and stats). */
  get size(): number {
    return this.entries.size;
  }
}

function createPool(origin: string, options: HttpPoolOptions): Pool {
  return new Pool(origin, {
    connections: options.connections,
    pipelining: 1,
    connectTimeout: options.connectTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    // A server's Keep-Alive hint may lower the timeout, never raise it above ours.
    keepAliveMaxTimeout: options.keepAliveTimeoutMs,
    // The call's signal carries the real deadline; these only bound a call whose signal never fires.
    headersTimeout: 300_000,
    bodyTimeout: 300_000,
    // Counted as the body arrives: an oversized answer never sits whole in memory.
    maxResponseSize: options.maxResponseSize ?? -1,
  });
}
