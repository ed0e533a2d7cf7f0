// The set of upstreams one config snapshot routes to.
//
// `UpstreamSet.create(config, settings)` builds one upstream per URL (pool-plan.ts), each
// wrapped with its passive health. `set.update(newConfig)` returns a new set for the next
// snapshot that reuses every upstream whose URL and effective pool settings are unchanged (its
// connections, health and in-flight calls carry over), plus the upstreams the new set no longer
// has: the caller swaps snapshots, then closes those with `close(grace)` so their in-flight
// calls finish. The old set keeps answering `get()` for requests that started on it. HTTP
// URLs on one origin share one undici Pool, also across reloads.
//
// Every URL a set reports (stats, errors, replies, `invalid`) is redacted.

import type { NormalisedConfig } from '../config/document.js';
import type { UpstreamSettings } from '../config/settings.js';
import type { Logger } from '../observability/types.js';
import { noopLogger } from '../observability/types.js';
import { FailoverUpstream } from './failover.js';
import { HealthCheckedUpstream } from './health-checked.js';
import { DEFAULT_HEALTH_POLICY } from './health.js';
import type { HealthPolicy } from './health.js';
import { HttpUpstream } from './http-upstream.js';
import { OriginPools } from './origin-pools.js';
import { planUpstreams } from './pool-plan.js';
import type { InvalidUrl, UrlPlan } from './pool-plan.js';
import type { Upstream, UpstreamStats } from './types.js';
import { WebSocketUpstream } from './ws-upstream.js';

export interface UpstreamSetOptions {
  readonly logger?: Logger;
  readonly health?: Partial<HealthPolicy>;
  /** WebSocket pool knobs that have no env setting (defaults in ws-upstream.ts). */
  readonly websocket?: {
    readonly pingIntervalMs?: number;
    readonly maxQueue?: number;
    readonly closeWaitMs?: number;
  };
  /** URLs routed outside the config document (JUSSI_ACCOUNT_TRANSFER_STEEMD_URL). */
  readonly extraUrls?: readonly string[];
}

/** One URL's figures for /state and metrics (the shape of admin's `UpstreamReport`). */
export interface UpstreamSetStats extends UpstreamStats {
  /** Names of the config upstream blocks whose routes use this URL. */
  readonly upstreams: readonly string[];
}

interface Member {
  readonly plan: UrlPlan;
  readonly upstream: HealthCheckedUpstream;
}

interface Shared {
  readonly settings: UpstreamSettings;
  readonly options: UpstreamSetOptions;
  readonly health: HealthPolicy;
  readonly pools: OriginPools;
}

export interface UpstreamSetUpdate {
  readonly set: UpstreamSet;
  /** Upstreams only the old set had: close them (with grace) once the new set serves. */
  readonly removed: readonly Upstream[];
}

export class UpstreamSet {
  private readonly routes = new Map<string, Upstream>();

  private constructor(
    private readonly shared: Shared,
    private readonly members: ReadonlyMap<string, Member>,
    /** URLs of the config that got no upstream, and why. */
    readonly invalid: readonly InvalidUrl[],
    routes: readonly (readonly string[])[],
  ) {
    for (const list of routes) this.get(list);
  }

  static create(config: NormalisedConfig, settings: UpstreamSettings, options: UpstreamSetOptions = {}): UpstreamSet {
    const shared: Shared = {
      settings,
      options,
      health: { ...DEFAULT_HEALTH_POLICY, ...options.health },
      pools: new OriginPools(),
    };
    return UpstreamSet.build(shared, config, new Map(), options.extraUrls ?? []).set;
  }

  /** A set for `config` that reuses this set's unchanged upstreams. */
  update(config: NormalisedConfig, options: { readonly extraUrls?: readonly string[] } = {}): UpstreamSetUpdate {
    return UpstreamSet.build(this.shared, config, this.members, options.extraUrls ?? this.shared.options.extraUrls ?? []);
  }

  private static build(
    shared: Shared,
    config: NormalisedConfig,
    previous: ReadonlyMap<string, Member>,
    extraUrls: readonly string[],
  ): UpstreamSetUpdate {
    const plan = planUpstreams(config, shared.settings, extraUrls);
    const members = new Map<string, Member>();
    const kept = new Set<Member>();
    for (const [url, urlPlan] of plan.urls) {
      const old = previous.get(url);
      if (old !== undefined && old.plan.key === urlPlan.key) {
        members.set(url, { plan: urlPlan, upstream: old.upstream });
        kept.add(old);
      } else {
        members.set(url, { plan: urlPlan, upstream: createUpstream(urlPlan, shared) });
      }
    }
    const removed = [...previous.values()].filter((m) => !kept.has(m)).map((m) => m.upstream);
    for (const bad of plan.invalid) {
      (shared.options.logger ?? noopLogger).warn({ upstream: bad.url }, `upstream URL ignored: ${bad.reason}`);
    }
    return { set: new UpstreamSet(shared, members, plan.invalid, plan.routes), removed };
  }

  /**
   * The upstream for a route's URL list: the URL's own upstream for one URL, a failover list
   * (memoised) for several. Undefined when no URL of the list has an upstream in this set.
   */
  get(urls: readonly string[]): Upstream | undefined {
    const key = urls.join('\n');
    const known = this.routes.get(key);
    if (known !== undefined) return known;
    const members = [...new Set(urls)]
      .map((u) => this.members.get(u)?.upstream)
      .filter((m): m is HealthCheckedUpstream => m !== undefined);
    const first = members[0];
    if (first === undefined) return undefined;
    const upstream = members.length === 1 ? first : new FailoverUpstream(members);
    this.routes.set(key, upstream);
    return upstream;
  }

  /** One entry per URL, in config order. */
  stats(): UpstreamSetStats[] {
    return [...this.members.values()].map((m) => ({ ...m.upstream.stats(), upstreams: m.plan.blocks }));
  }

  /** Every upstream of this set (for shutdown and diagnostics). */
  upstreams(): Upstream[] {
    return [...this.members.values()].map((m) => m.upstream);
  }

  /** Process shutdown: closes every upstream of this set. Call it on the newest set only: older sets share its upstreams. */
  async close(graceMs: number): Promise<void> {
    await Promise.all(this.upstreams().map((u) => u.close(graceMs)));
  }
}

function createUpstream(plan: UrlPlan, shared: Shared): HealthCheckedUpstream {
  const { settings, options } = shared;
  const inner: Upstream =
    plan.pool.protocol === 'http'
      ? new HttpUpstream(plan.url, shared.pools, {
          connections: plan.pool.connections,
          connectTimeoutMs: settings.httpConnectTimeoutMs,
          keepAliveTimeoutMs: settings.httpKeepAliveTimeoutMs,
          maxResponseSize: settings.maxResponseSize,
        })
      : new WebSocketUpstream(plan.url, {
          min: plan.pool.min,
          max: plan.pool.max,
          maxInFlight: settings.websocketMaxInFlight,
          // JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE when set, else the limit of every upstream answer.
          maxMessageSize: settings.websocketMaxMessageSize ?? settings.maxResponseSize,
          connectTimeoutMs: settings.websocketConnectTimeoutMs,
          reconnectMinMs: settings.websocketReconnectMinMs,
          reconnectMaxMs: settings.websocketReconnectMaxMs,
          ...options.websocket,
          ...(options.logger !== undefined ? { logger: options.logger } : {}),
        });
  return new HealthCheckedUpstream(inner, shared.health);
}
