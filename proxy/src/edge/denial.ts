// How a refused call is told: JSON-RPC error 1900 "Rate limit exceeded" with `data.reason`
// naming the bucket and its limit, and the `Retry-After` seconds of the HTTP answer.

import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import type { Denial } from './rate-limiter.js';

/** Whole seconds, at least 1 (Retry-After has no fractions, and 0 would invite a hot loop). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function rateLimitedError(denial: Denial): RpcError {
  const b = denial.bucket;
  const per = b.key === 'global' ? 'for all callers' : b.key === 'client' ? 'per client address' : 'per API key or token subject';
  const rate = b.ratePerSecond >= 1 ? `${round(b.ratePerSecond)} calls per second` : `1 call every ${round(1 / b.ratePerSecond)} seconds`;
  return rpcError('RateLimited', {}, `rate limit "${b.name}" exceeded: ${rate} ${per}, bursts of ${b.burst}; retry after ${retryAfterSeconds(denial.retryAfterMs)} s`);
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}
