// The shared buckets in Redis: key names, and the one script that takes tokens from several
// buckets atomically in one round trip. The script is token-bucket.ts's `take` restated in Lua,
// on Redis's clock (TIME), so replicas with skewed clocks share one notion of time. Each bucket
// is a hash {t: tokens, u: updated ms} that expires once it would be full again.

import { createHash } from 'node:crypto';
import type { BucketLimits } from './token-bucket.js';

/**
 * One hash tag for every bucket: a script's keys must live on one Redis Cluster node, and a call
 * touches buckets of several identities (client, subject, global) at once.
 */
export const BUCKET_KEY_PREFIX = 'jussi:rl:{jussi-rl}:';
export const PEERS_KEY = 'jussi:rl:{jussi-rl}:peers';

const PLAIN_IDENTITY = /^[\x21-\x7e]{0,128}$/;

/** `jussi:rl:{jussi-rl}:<bucket>:<identity>`; identities that are long or not plain ASCII are hashed. */
export function bucketKey(bucket: string, identity: string): string {
  const id = PLAIN_IDENTITY.test(identity) ? identity : `sha256:${createHash('sha256').update(identity, 'utf8').digest('hex')}`;
  return `${BUCKET_KEY_PREFIX}${bucket}:${id}`;
}

/**
 * KEYS: the buckets. ARGV[1]: the time in ms, or "" for Redis's own clock. Then per key:
 * tokens per ms, burst, tokens wanted. Reply: per key, tokens granted and ms until the next
 * whole token (0 when everything wanted was granted).
 */
export const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local out = {}
for i = 1, #KEYS do
  local rate = tonumber(ARGV[3 * i - 1])
  local burst = tonumber(ARGV[3 * i])
  local wanted = tonumber(ARGV[3 * i + 1])
  local held = redis.call('HMGET', KEYS[i], 't', 'u')
  local tokens = tonumber(held[1])
  local at = tonumber(held[2])
  if tokens == nil or at == nil then
    tokens = burst
    at = now
  end
  if now > at then
    tokens = math.min(burst, tokens + (now - at) * rate)
    at = now
  elseif tokens > burst then
    tokens = burst
  end
  local granted = math.max(0, math.min(wanted, math.floor(tokens)))
  tokens = tokens - granted
  local wait = 0
  if granted < wanted and tokens < 1 then
    wait = math.max(1, math.ceil((1 - tokens) / rate))
  end
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', tokens), 'u', at)
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - tokens) / rate) + 1000)
  out[2 * i - 1] = granted
  out[2 * i] = wait
end
return out
`;

/** KEYS[1]: the peers set. ARGV: member, ttl ms. Reply: processes seen within the ttl. */
export const PEERS_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZCARD', KEYS[1])
`;

export interface TakeRequest {
  readonly key: string;
  readonly limits: BucketLimits;
  readonly wanted: number;
}

export interface TakeReply {
  readonly granted: number;
  readonly waitMs: number;
}

/** EVAL arguments after the script: numkeys, keys, then ARGV. */
export function takeArguments(requests: readonly TakeRequest[], now: number | null): (string | number)[] {
  const args: (string | number)[] = [requests.length];
  for (const r of requests) args.push(r.key);
  args.push(now === null ? '' : now);
  for (const r of requests) args.push(String(r.limits.ratePerMs), r.limits.burst, r.wanted);
  return args;
}

/** The script's reply, checked: one {granted, waitMs} per request. */
export function parseTakeReply(reply: unknown, count: number): TakeReply[] {
  if (!Array.isArray(reply) || reply.length !== 2 * count) throw new Error(`unexpected rate-limit script reply: ${JSON.stringify(reply)}`);
  const out: TakeReply[] = [];
  for (let i = 0; i < count; i++) {
    const granted = Number(reply[2 * i]);
    const waitMs = Number(reply[2 * i + 1]);
    if (!Number.isFinite(granted) || !Number.isFinite(waitMs)) throw new Error(`unexpected rate-limit script reply: ${JSON.stringify(reply)}`);
    out.push({ granted, waitMs });
  }
  return out;
}
