// Cache hits and misses per TTL rule (the matched ttl prefix): what /state reports per rule, so
// the operator can show each CacheRule's hit ratio. Keyed by prefix, so the counts survive a
// reload that keeps the rule.

import type { CacheRuleReport } from '../admin/state-report.js';

export class RuleCounters {
  private readonly counts = new Map<string, { hits: number; misses: number }>();

  record(prefix: string, hit: boolean): void {
    let c = this.counts.get(prefix);
    if (c === undefined) {
      c = { hits: 0, misses: 0 };
      this.counts.set(prefix, c);
    }
    if (hit) c.hits += 1;
    else c.misses += 1;
  }

  /** Figures for the prefixes of the current config (removed rules are not reported). */
  report(prefixes: Iterable<string>): CacheRuleReport[] {
    const out: CacheRuleReport[] = [];
    for (const prefix of prefixes) {
      const c = this.counts.get(prefix);
      out.push({ prefix, hits: c?.hits ?? 0, misses: c?.misses ?? 0 });
    }
    return out.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  }
}
