// Builds jussi upstream blocks from checked resources, recording where every entry came from.
// Entries are sorted by prefix: prefixes are unique by then, so order carries no meaning for the
// tries, and sorting makes the text independent of the order resources were written in.

import type { RawEntry, RawLimits, RawConfigDocument, RawPoolSettings, RawUpstreamBlock, RawUrlValue } from '@jussi/proxy/config/document';
import type { CheckedCacheRule } from '../resources/check-cache-rule.js';
import type { CheckedPool, CheckedUpstreamSpec } from '../resources/check-upstream.js';
import { compareText } from './age-order.js';
import type { Provenance } from './provenance.js';
import { ruleTtl } from './ttl-policy.js';

export interface UpstreamPart {
  readonly key: string;
  readonly spec: CheckedUpstreamSpec;
}

export interface RulePart {
  readonly key: string;
  /** Index in the CacheRule's spec.rules. */
  readonly index: number;
  readonly rule: CheckedCacheRule;
}

interface Sourced<V> {
  readonly prefix: string;
  readonly value: V;
  readonly key: string;
  readonly field: string;
}

function entries<V>(items: readonly Sourced<V>[], pointer: string, prov: Provenance): RawEntry<V>[] {
  const sorted = [...items].sort((a, b) => compareText(a.prefix, b.prefix));
  return sorted.map((item, i) => {
    prov.record(`${pointer}/${i}`, { key: item.key, field: item.field });
    return [item.prefix, item.value] as const;
  });
}

function rawPool(pool: CheckedPool | null): RawPoolSettings | undefined {
  if (pool === null) return undefined;
  const raw: { http_connections?: number; websocket_min?: number; websocket_max?: number } = {};
  if (pool.httpConnections !== undefined) raw.http_connections = pool.httpConnections;
  if (pool.websocketMin !== undefined) raw.websocket_min = pool.websocketMin;
  if (pool.websocketMax !== undefined) raw.websocket_max = pool.websocketMax;
  return Object.keys(raw).length === 0 ? undefined : raw;
}

/**
 * One upstream block named `namespace`: the routes, timeouts and pool of `upstream` (null when
 * checking CacheRule entries on their own) and the ttls of `rules`.
 */
export function buildBlock(
  namespace: string,
  upstream: UpstreamPart | null,
  rules: readonly RulePart[],
  pointer: string,
  prov: Provenance,
): RawUpstreamBlock {
  const spec = upstream?.spec;
  if (upstream !== null) {
    prov.record(pointer, { key: upstream.key, field: 'spec' });
    prov.record(`${pointer}/name`, { key: upstream.key, field: 'spec.namespace' });
    prov.record(`${pointer}/translate_to_appbase`, { key: upstream.key, field: 'spec.translateToAppbase' });
    prov.record(`${pointer}/pool`, { key: upstream.key, field: 'spec.pool' });
  }
  const urls: Sourced<RawUrlValue>[] = (spec?.routes ?? []).map((r, i) => ({
    prefix: r.prefix,
    value: r.url,
    key: upstream?.key ?? '',
    field: `spec.routes[${i}]`,
  }));
  const timeouts: Sourced<number>[] = (spec?.timeouts ?? []).map((t, i) => ({
    prefix: t.prefix,
    value: t.seconds,
    key: upstream?.key ?? '',
    field: `spec.timeouts[${i}]`,
  }));
  const ttls: Sourced<number>[] = rules.map((r) => ({
    prefix: r.rule.prefix,
    value: ruleTtl(r.rule),
    key: r.key,
    field: `spec.rules[${r.index}]`,
  }));
  const block: {
    name: string;
    translate_to_appbase?: boolean;
    urls: readonly RawEntry<RawUrlValue>[];
    ttls: readonly RawEntry<number>[];
    timeouts: readonly RawEntry<number>[];
    pool?: RawPoolSettings;
  } = {
    name: namespace,
    urls: entries(urls, `${pointer}/urls`, prov),
    ttls: entries(ttls, `${pointer}/ttls`, prov),
    timeouts: entries(timeouts, `${pointer}/timeouts`, prov),
  };
  // jussi only honours a literal true; leaving false out keeps documents close to jussi's own.
  if (spec?.translateToAppbase === true) block.translate_to_appbase = true;
  const pool = rawPool(spec?.pool ?? null);
  if (pool !== undefined) block.pool = pool;
  return block;
}

export interface PlannedBlock {
  readonly upstream: UpstreamPart;
  readonly rules: readonly RulePart[];
}

/** The whole document: one block per served namespace, ordered by namespace. */
export function buildDocument(planned: readonly PlannedBlock[], limits: RawLimits, prov: Provenance): RawConfigDocument {
  const sorted = [...planned].sort((a, b) => compareText(a.upstream.spec.namespace, b.upstream.spec.namespace));
  return {
    limits,
    upstreams: sorted.map((b, i) => buildBlock(b.upstream.spec.namespace, b.upstream, b.rules, `/upstreams/${i}`, prov)),
  };
}
