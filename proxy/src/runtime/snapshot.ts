// One immutable runtime snapshot: everything a request needs that comes from the config
// document. A request takes the current snapshot once at its start and uses it to the end, so a
// reload never changes the rules under a request in flight (ARCHITECTURE "Reload is an atomic swap").

import type { Limits, NormalisedConfig } from '../config/document.js';
import type { JsonRpcSettings } from '../config/settings.js';
import { TTL_IRREVERSIBLE } from '../cache/ttl-policy.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { UpstreamSet } from '../upstream/registry.js';

export interface EffectiveLimits extends Limits {
  /** The document's `jsonrpc_batch_size_limit`, else JUSSI_JSONRPC_BATCH_SIZE_LIMIT. */
  readonly batchSize: number;
}

export interface RuntimeSnapshot {
  readonly hash: string;
  readonly origin: string;
  readonly loadedAt: Date;
  readonly config: NormalisedConfig;
  readonly routing: RoutingTable;
  readonly upstreams: UpstreamSet;
  readonly limits: EffectiveLimits;
  /** True when some ttl rule is -2: the LIRB poll runs only then. */
  readonly hasIrreversibleRules: boolean;
}

export function buildSnapshot(
  config: NormalisedConfig,
  origin: string,
  routing: RoutingTable,
  upstreams: UpstreamSet,
  jsonrpc: JsonRpcSettings,
): RuntimeSnapshot {
  return {
    hash: config.hash,
    origin,
    loadedAt: new Date(),
    config,
    routing,
    upstreams,
    limits: { ...config.limits, batchSize: config.limits.batchSizeLimit ?? jsonrpc.batchSizeLimit },
    hasIrreversibleRules: config.ttls.some((t) => t.value === TTL_IRREVERSIBLE),
  };
}
