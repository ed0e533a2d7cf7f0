// What happens once an upstream answer is in, off the reply's path: the cache write (with the
// item's own TTL: jussi's mixed-batch TTL bug cannot happen) and learning the last irreversible
// block from get_dynamic_global_properties answers.

import { isGetDynamicGlobalPropertiesRequest } from '../cache/answer-validation.js';
import type { TieredCacheGroup } from '../cache/cache-group.js';
import type { LirbTracker } from '../cache/lirb.js';
import { writeDecision } from '../cache/ttl-policy.js';
import type { CacheEntry } from '../cache/types.js';
import type { CacheSettings } from '../config/settings.js';
import { memberText } from '../jsonrpc/wire.js';
import { SpanName } from '../observability/span-names.js';
import type { SpanHandle, Telemetry } from '../observability/types.js';
import type { PlannedItem } from './plan.js';
import type { UpstreamOutcome } from './upstream-call.js';

export interface AfterReplyDeps {
  readonly cache: TieredCacheGroup;
  readonly lirb: LirbTracker;
  readonly settings: CacheSettings;
  readonly telemetry: Telemetry;
}

/** The cache entry for an answer, or null when its rule or content says not to store it. */
export function cacheEntryFor(plan: PlannedItem, outcome: UpstreamOutcome, lirb: number | null, irreversibleTtlSeconds: number): CacheEntry | null {
  if (!plan.cacheable || !outcome.ok) return null;
  const { urn, route } = plan.resolved;
  const decision = writeDecision({ ttl: route.ttl, urn, answer: outcome.answer, lastIrreversibleBlockNum: lirb, irreversibleTtlSeconds });
  if (!decision.store) return null;
  const resultText = memberText(outcome.text, 'result');
  if (resultText === undefined) return null;
  return { key: urn.key, resultText, ttlSeconds: decision.ttlSeconds };
}

/**
 * Runs after the current macrotask (the reply goes out first): learns the LIRB, then writes
 * the answer. Never throws; resolves (never rejects) once the write has landed in every tier,
 * or at once when there is nothing to write: until then a shared call stays joinable.
 */
export function afterReply(plan: PlannedItem, outcome: UpstreamOutcome, deps: AfterReplyDeps, parent: SpanHandle): Promise<void> | undefined {
  if (!outcome.ok) return undefined;
  const learns = isGetDynamicGlobalPropertiesRequest(plan.resolved.urn) && outcome.answer['error'] === undefined;
  if (!learns && !plan.cacheable) return undefined;
  return new Promise<void>((landed) => {
    setImmediate(() => {
      try {
        if (learns) deps.lirb.observe(outcome.answer['result']);
        const entry = cacheEntryFor(plan, outcome, deps.lirb.current(), deps.settings.irreversibleTtlSeconds);
        if (entry === null) {
          landed();
          return;
        }
        const span = deps.telemetry.tracer.enabled ? deps.telemetry.tracer.startChild(parent, SpanName.cacheStore) : null;
        deps.cache.store([entry]).then(landed, landed);
        span?.end();
      } catch (err) {
        landed();
        deps.telemetry.logger.error({ error: { type: err instanceof Error ? err.name : 'Error', message: String(err) } }, 'cache write failed');
      }
    });
  });
}
