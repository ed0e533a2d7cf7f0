// The shared bucket store on the cache's Redis primary link (one connection per process, its
// bounds and health tracking reused): the take script and the peers heartbeat, registered with
// ioredis's defineCommand (EVALSHA, falling back to EVAL when Redis does not know the script).

import type { RedisClient, RedisLink } from '../cache/redis-link.js';
import { PEERS_KEY, PEERS_SCRIPT, TAKE_SCRIPT, parseTakeReply, takeArguments, type TakeReply, type TakeRequest } from './bucket-script.js';

/** Where shared buckets live; the limiter falls back to local buckets while it is unusable. */
export interface BucketStore {
  /** True while a call would be sent now. */
  usable(): boolean;
  take(requests: readonly TakeRequest[]): Promise<TakeReply[]>;
  /** Announces this process; resolves with the number of processes seen recently. */
  heartbeat(member: string, ttlMs: number): Promise<number>;
  /** Says this process is gone (shutdown). */
  leave(member: string): Promise<void>;
}

interface ScriptCommands {
  jussiRateLimitTake(...args: (string | number)[]): Promise<unknown>;
  jussiRateLimitPeers(key: string, member: string, ttlMs: number): Promise<unknown>;
}

const defined = new WeakSet<object>();

function commands(client: RedisClient): ScriptCommands {
  if (!defined.has(client)) {
    client.defineCommand('jussiRateLimitTake', { lua: TAKE_SCRIPT });
    client.defineCommand('jussiRateLimitPeers', { lua: PEERS_SCRIPT, numberOfKeys: 1 });
    defined.add(client);
  }
  return client as unknown as ScriptCommands;
}

export class RedisBucketStore implements BucketStore {
  constructor(private readonly link: RedisLink) {
    commands(link.client);
  }

  usable(): boolean {
    return this.link.usable();
  }

  take(requests: readonly TakeRequest[]): Promise<TakeReply[]> {
    return this.link.run(async (c) => parseTakeReply(await commands(c).jussiRateLimitTake(...takeArguments(requests, null)), requests.length));
  }

  heartbeat(member: string, ttlMs: number): Promise<number> {
    return this.link.run(async (c) => Number(await commands(c).jussiRateLimitPeers(PEERS_KEY, member, ttlMs)));
  }

  async leave(member: string): Promise<void> {
    if (!this.link.usable()) return;
    await this.link.run((c) => c.zrem(PEERS_KEY, member)).catch(() => undefined);
  }
}
