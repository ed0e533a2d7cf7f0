// Hand-built normalised configs and settings for the upstream-set tests (the config loader is
// tested on its own; here only the shape the upstream set reads matters).
import type { NormalisedConfig, PoolSettings } from '@jussi/proxy/config/document';
import { readSettings } from '@jussi/proxy/config/env';
import type { UpstreamSettings } from '@jussi/proxy/config/settings';

export interface BlockSpec {
  readonly name: string;
  readonly urls: readonly (readonly [string, string | readonly string[]])[];
  readonly pool?: Partial<PoolSettings>;
}

export function config(blocks: readonly BlockSpec[], hash = 'test'): NormalisedConfig {
  return {
    upstreams: blocks.map((b) => ({
      name: b.name,
      translateToAppbase: false,
      pool: { httpConnections: null, websocketMin: null, websocketMax: null, ...b.pool },
    })),
    urls: blocks.flatMap((b) =>
      b.urls.map(([prefix, value]) => ({ prefix, value: typeof value === 'string' ? [value] : value, upstream: b.name })),
    ),
    ttls: [],
    timeouts: [],
    limits: { accountsBlacklist: new Set(), accountHistoryLimit: 100, customJsonOpLength: 8192, batchSizeLimit: null },
    warnings: [],
    hash,
  };
}

export function upstreamSettings(overrides: Partial<UpstreamSettings> = {}): UpstreamSettings {
  const result = readSettings({});
  if (!result.ok) throw new Error('default settings must parse');
  return {
    ...result.settings.upstream,
    websocketPoolMinSize: 1,
    websocketPoolMaxSize: 2,
    websocketReconnectMinMs: 20,
    websocketReconnectMaxMs: 200,
    ...overrides,
  };
}
