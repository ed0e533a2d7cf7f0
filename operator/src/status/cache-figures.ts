// Cache figures per CacheRule rule: hits and misses summed over the proxies by TTL prefix.

import type { CacheRuleFigures } from '../resources/types.js';
import { type ProxyState, count } from './inputs.js';

export function hitRatio(hits: number, misses: number): string {
  const total = hits + misses;
  return total === 0 ? '0' : (hits / total).toFixed(4);
}

/** Figures for each of `prefixes`, sorted by prefix. */
export function cacheFigures(prefixes: readonly string[], proxies: readonly ProxyState[]): CacheRuleFigures[] {
  const sums = new Map<string, { hits: number; misses: number }>();
  for (const p of prefixes) sums.set(p, { hits: 0, misses: 0 });
  for (const { report } of proxies) {
    if (report === null || !Array.isArray(report.cacheRules)) continue;
    for (const r of report.cacheRules) {
      const sum = typeof r.prefix === 'string' ? sums.get(r.prefix) : undefined;
      if (sum === undefined) continue;
      sum.hits += count(r.hits);
      sum.misses += count(r.misses);
    }
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([prefix, s]) => ({ prefix, hits: s.hits, misses: s.misses, hitRatio: hitRatio(s.hits, s.misses) }));
}
