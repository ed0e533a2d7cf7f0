// Rate-limit figures per RateLimitPolicy bucket: calls refused, summed over the proxies' /state
// reports; and how many ready proxies limit locally because their Redis is unusable.

import type { RateLimitBucketFigures } from '../resources/types.js';
import { type ProxyState, count } from './inputs.js';

/** Figures for each of `names`, sorted by name. */
export function rateLimitFigures(names: readonly string[], proxies: readonly ProxyState[]): RateLimitBucketFigures[] {
  const sums = new Map<string, number>(names.map((n) => [n, 0]));
  for (const { report } of proxies) {
    const limited = report?.rateLimits?.limited;
    if (typeof limited !== 'object' || limited === null) continue;
    for (const [name, n] of Object.entries(limited)) {
      const sum = sums.get(name);
      if (sum !== undefined) sums.set(name, sum + count(n));
    }
  }
  return [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, limited]) => ({ name, limited }));
}

export function localProxies(proxies: readonly ProxyState[]): number {
  return proxies.filter(({ report }) => report?.ready === true && report.rateLimits?.mode === 'local').length;
}
