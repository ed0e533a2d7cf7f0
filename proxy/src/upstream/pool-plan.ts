// Which upstreams a config needs and with which pool settings: a pure function of the
// normalised config and the env settings, so that reloads can compare plans and reuse every
// upstream whose URL and effective settings did not change.
//
// Rules:
// - Only the URL entries that win (the last entry for each prefix) are routed, so only their
//   URLs get an upstream. A URL's `blocks` are the names of the upstream blocks whose winning
//   entries use it, in document order.
// - A block's `pool` overrides apply to the URLs that block defines. When several blocks define
//   the same URL, each setting is taken from the first of them (document order) that sets it;
//   the rest come from the env settings. A WebSocket `min` above `max` is lowered to `max`.
// - http:/https: URLs are HTTP upstreams, ws:/wss: WebSocket ones; anything else (or a string
//   that is not a URL) is reported as invalid and gets no upstream.

import type { NormalisedConfig, PoolSettings } from '../config/document.js';
import type { UpstreamSettings } from '../config/settings.js';
import { redactUrl } from './redact.js';
import type { UpstreamProtocol } from './types.js';

export interface HttpPoolPlan {
  readonly protocol: 'http';
  readonly connections: number;
}

export interface WebSocketPoolPlan {
  readonly protocol: 'websocket';
  readonly min: number;
  readonly max: number;
}

export interface UrlPlan {
  /** As configured (may carry credentials). */
  readonly url: string;
  readonly blocks: readonly string[];
  readonly pool: HttpPoolPlan | WebSocketPoolPlan;
  /** Equal keys mean an existing upstream can be reused as is. */
  readonly key: string;
}

export interface InvalidUrl {
  /** Redacted. */
  readonly url: string;
  readonly reason: string;
}

export interface UpstreamPlan {
  /** By configured URL, in first-use order. */
  readonly urls: ReadonlyMap<string, UrlPlan>;
  /** Each distinct URL list a winning route uses. */
  readonly routes: readonly (readonly string[])[];
  readonly invalid: readonly InvalidUrl[];
}

export function protocolOf(url: string): UpstreamProtocol | { readonly invalid: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { invalid: 'not a URL' };
  }
  switch (parsed.protocol) {
    case 'http:':
    case 'https:':
      return 'http';
    case 'ws:':
    case 'wss:':
      return 'websocket';
    default:
      return { invalid: `scheme ${parsed.protocol} is not http, https, ws or wss` };
  }
}

/** `extraUrls`: URLs routed outside the config document (JUSSI_ACCOUNT_TRANSFER_STEEMD_URL). */
export function planUpstreams(config: NormalisedConfig, settings: UpstreamSettings, extraUrls: readonly string[] = []): UpstreamPlan {
  const winners = new Map<string, { readonly value: readonly string[]; readonly upstream: string }>();
  for (const entry of config.urls) {
    winners.delete(entry.prefix); // re-insert so iteration follows the winning entry's position
    winners.set(entry.prefix, entry);
  }

  const blockOrder = new Map(config.upstreams.map((u, i) => [u.name, i]));
  const poolOf = new Map(config.upstreams.map((u) => [u.name, u.pool]));
  const blocksByUrl = new Map<string, Set<string>>();
  const routeKeys = new Set<string>();
  const routes: (readonly string[])[] = [];
  for (const { value, upstream } of winners.values()) {
    const list = dedupe(value);
    const routeKey = list.join('\n');
    if (!routeKeys.has(routeKey)) {
      routeKeys.add(routeKey);
      routes.push(list);
    }
    for (const url of list) {
      const blocks = blocksByUrl.get(url) ?? new Set<string>();
      blocks.add(upstream);
      blocksByUrl.set(url, blocks);
    }
  }
  for (const url of extraUrls) if (!blocksByUrl.has(url)) blocksByUrl.set(url, new Set());

  const urls = new Map<string, UrlPlan>();
  const invalid: InvalidUrl[] = [];
  for (const [url, blockSet] of blocksByUrl) {
    const protocol = protocolOf(url);
    if (typeof protocol !== 'string') {
      invalid.push({ url: redactUrl(url), reason: protocol.invalid });
      continue;
    }
    const blocks = [...blockSet].sort((a, b) => (blockOrder.get(a) ?? 0) - (blockOrder.get(b) ?? 0));
    const overrides = blocks.map((b) => poolOf.get(b)).filter((p): p is PoolSettings => p !== undefined);
    const pool = effectivePool(protocol, overrides, settings);
    const key = pool.protocol === 'http' ? `${url} http ${pool.connections}` : `${url} websocket ${pool.min} ${pool.max}`;
    urls.set(url, { url, blocks, pool, key });
  }
  return { urls, routes, invalid };
}

function firstSet<K extends keyof PoolSettings>(overrides: readonly PoolSettings[], key: K): number | null {
  for (const o of overrides) {
    const v = o[key];
    if (v !== null) return v;
  }
  return null;
}

export function effectivePool(
  protocol: UpstreamProtocol,
  overrides: readonly PoolSettings[],
  settings: UpstreamSettings,
): HttpPoolPlan | WebSocketPoolPlan {
  if (protocol === 'http') {
    return { protocol, connections: firstSet(overrides, 'httpConnections') ?? settings.httpConnections };
  }
  const max = firstSet(overrides, 'websocketMax') ?? settings.websocketPoolMaxSize;
  const min = Math.min(firstSet(overrides, 'websocketMin') ?? settings.websocketPoolMinSize, max);
  return { protocol, min, max };
}

function dedupe(urls: readonly string[]): readonly string[] {
  return [...new Set(urls)];
}
