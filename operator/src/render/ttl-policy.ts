// CacheRule policies as jussi ttl values (the proxy's TTL semantics are in ARCHITECTURE,
// "Deliberate differences" 1 to 3).

import type { CheckedCacheRule } from '../resources/check-cache-rule.js';

export const TTL_NO_EXPIRY = 0;
export const TTL_NO_CACHE = -1;
export const TTL_IRREVERSIBLE = -2;

export function ruleTtl(rule: CheckedCacheRule): number {
  switch (rule.policy) {
    case 'Seconds':
      return rule.seconds ?? TTL_NO_CACHE;
    case 'NoExpiry':
      return TTL_NO_EXPIRY;
    case 'NoCache':
      return TTL_NO_CACHE;
    case 'Irreversible':
      return TTL_IRREVERSIBLE;
  }
}
