// The Redis tier: writes go to the primary, reads to the read replicas (or the primary when
// there are none, or none is usable). A batch read is one round trip: MGET of all keys, with a
// PTTL per key pipelined behind it when the caller wants remaining TTLs (to promote hits into
// memory). On a Cluster, where one MGET cannot span slots, the same commands are sent per key
// and ioredis auto-pipelining groups them per node. Values are in jussi's format.

import type { Cluster, Redis } from 'ioredis';
import { RedisLink, type LinkState, type RedisClient, type RedisLinkOptions } from './redis-link.js';
import { parseRedisUrl, redactRedisUrl } from './redis-url.js';

export interface RawRead {
  /** The stored bytes, or null when the key is absent. */
  readonly value: Buffer | null;
  /** Remaining TTL in ms; -1 no expiry; null when not asked for or unknown. */
  readonly pttlMs: number | null;
}

export interface RawWrite {
  readonly key: string;
  readonly value: Buffer;
  /** Milliseconds; null = no expiry. Whole seconds are written as `EX` (jussi's form). */
  readonly ttlMs: number | null;
}

export interface RedisTierOptions extends Omit<RedisLinkOptions, 'connectionName'> {
  readonly primaryUrl: string;
  readonly replicaUrls: readonly string[];
  readonly connectionName?: string;
}

export type RedisTierResult = { readonly ok: true; readonly tier: RedisTier } | { readonly ok: false; readonly message: string };

function pttlOf(entry: [Error | null, unknown] | undefined): number | null {
  if (entry === undefined || entry[0] !== null || typeof entry[1] !== 'number') return null;
  const n = entry[1];
  return n === -2 ? null : n;
}

function setArgs(w: RawWrite): (string | number)[] {
  if (w.ttlMs === null) return [];
  return w.ttlMs % 1000 === 0 ? ['EX', w.ttlMs / 1000] : ['PX', Math.max(1, Math.ceil(w.ttlMs))];
}

async function readStandalone(client: Redis, keys: readonly string[], withTtl: boolean): Promise<RawRead[]> {
  const pipeline = client.pipeline();
  pipeline.mgetBuffer(...keys);
  if (withTtl) for (const k of keys) pipeline.pttl(k);
  const replies = (await pipeline.exec()) ?? [];
  const mget = replies[0];
  if (mget === undefined) throw new Error('empty pipeline reply');
  if (mget[0] !== null) throw mget[0];
  const values = mget[1] as (Buffer | null)[];
  return keys.map((_k, i) => ({ value: values[i] ?? null, pttlMs: withTtl ? pttlOf(replies[i + 1]) : null }));
}

async function readCluster(client: Cluster, keys: readonly string[], withTtl: boolean): Promise<RawRead[]> {
  return Promise.all(
    keys.map(async (k) => {
      const [value, pttl] = await Promise.all([client.getBuffer(k), withTtl ? client.pttl(k).catch(() => null) : null]);
      return { value, pttlMs: pttl === null || pttl === -2 ? null : pttl };
    }),
  );
}

async function writeStandalone(client: Redis, writes: readonly RawWrite[]): Promise<number> {
  const pipeline = client.pipeline();
  for (const w of writes) pipeline.set(w.key, w.value, ...(setArgs(w) as []));
  const replies = (await pipeline.exec()) ?? [];
  return replies.filter((r) => r[0] !== null).length;
}

async function writeCluster(client: Cluster, writes: readonly RawWrite[]): Promise<number> {
  const results = await Promise.allSettled(writes.map((w) => client.set(w.key, w.value, ...(setArgs(w) as []))));
  return results.filter((r) => r.status === 'rejected').length;
}

export class RedisTier {
  private next = 0;

  private constructor(
    readonly primary: RedisLink,
    readonly replicas: readonly RedisLink[],
  ) {}

  /** Connects (in the background) to the primary and replicas; fails only on a malformed URL. */
  static create(options: RedisTierOptions): RedisTierResult {
    const name = options.connectionName ?? 'jussi';
    const primaryTarget = parseRedisUrl(options.primaryUrl);
    if (!primaryTarget.ok) return { ok: false, message: `JUSSI_REDIS_URL: ${primaryTarget.message}` };
    const replicaTargets = [];
    for (const url of options.replicaUrls) {
      const t = parseRedisUrl(url);
      if (!t.ok) return { ok: false, message: `JUSSI_REDIS_READ_REPLICA_URLS: ${t.message}` };
      replicaTargets.push({ url, target: t.target });
    }
    const primary = new RedisLink(redactRedisUrl(options.primaryUrl), primaryTarget.target, { ...options, connectionName: `${name}-primary` });
    const replicas = replicaTargets.map(({ url, target }) => new RedisLink(redactRedisUrl(url), target, { ...options, connectionName: `${name}-replica` }));
    return { ok: true, tier: new RedisTier(primary, replicas) };
  }

  /** The link reads go to now: a usable replica (round robin), else the primary if usable. */
  private reader(): RedisLink | undefined {
    const n = this.replicas.length;
    for (let i = 0; i < n; i++) {
      const link = this.replicas[(this.next + i) % n];
      if (link !== undefined && link.usable()) {
        this.next = (this.next + i + 1) % n;
        return link;
      }
    }
    return this.primary.usable() ? this.primary : undefined;
  }

  /** Whether a read would be sent now. */
  readable(): boolean {
    return this.reader() !== undefined;
  }

  writable(): boolean {
    return this.primary.usable();
  }

  /** Values (and remaining TTLs when asked) of keys; rejects when no link is usable or Redis fails. */
  readMany(keys: readonly string[], withTtl: boolean): Promise<RawRead[]> {
    const link = this.reader();
    if (link === undefined) return Promise.reject(new Error('no usable Redis for reads'));
    return link.run((c) => (link.isCluster ? readCluster(c as Cluster, keys, withTtl) : readStandalone(c as Redis, keys, withTtl)));
  }

  /** Pipelined SETs on the primary; resolves with the number of failed SETs. */
  writeMany(writes: readonly RawWrite[]): Promise<number> {
    const link = this.primary;
    return link.run((c) => (link.isCluster ? writeCluster(c as Cluster, writes) : writeStandalone(c as Redis, writes)));
  }

  /** GET on the primary (shared values such as the LIRB want the freshest copy). */
  readPrimary(key: string): Promise<Buffer | null> {
    return this.primary.run((c: RedisClient) => c.getBuffer(key));
  }

  /** The state of the primary: the one that takes writes. */
  get state(): LinkState {
    return this.primary.state;
  }

  /**
   * True while the primary is not up: writes are dropped and reads miss unless a replica serves
   * them. Replicas being down alone is not degraded: reads then fall back to the primary.
   */
  get degraded(): boolean {
    return this.primary.state !== 'up';
  }

  links(): readonly RedisLink[] {
    return [this.primary, ...this.replicas];
  }

  async close(): Promise<void> {
    await Promise.all(this.links().map((l) => l.close()));
  }
}
