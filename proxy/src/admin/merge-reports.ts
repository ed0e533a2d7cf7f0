// The cluster primary's /state: the workers' reports merged into one, as if one process served.
// Pool and cache figures add up; the config hash is reported only when every worker runs the
// same one (during a reload the workers converge within milliseconds); Redis reports its worst
// state; readiness needs every expected worker ready.

import type { RedisState } from '../cache/types.js';
import type { CacheRuleReport, RateLimitStateReport, ReloadErrorReport, StateReport, UpstreamReport } from './state-report.js';

export interface PrimaryView {
  readonly expectedWorkers: number;
  readonly configSource: string;
  readonly lastReloadError: ReloadErrorReport | null;
}

const REDIS_ORDER: readonly RedisState[] = ['down', 'connecting', 'up', 'disabled'];

export function mergeStateReports(reports: readonly StateReport[], view: PrimaryView): StateReport {
  const hashes = new Set(reports.map((r) => r.configHash));
  const configHash = hashes.size === 1 ? (reports[0]?.configHash ?? null) : null;
  const loadedAt = reports.map((r) => r.configLoadedAt).filter((t): t is string => t !== null).sort();
  const lirbs = reports.map((r) => r.lastIrreversibleBlockNum).filter((n): n is number => n !== null);
  const redis = reports.length === 0 ? 'disabled' : worstRedis(reports.map((r) => r.redis));
  return {
    service: 'jussi',
    configHash,
    configLoadedAt: loadedAt.length === 0 ? null : (loadedAt[loadedAt.length - 1] ?? null),
    configSource: view.configSource,
    lastReloadError: view.lastReloadError ?? latestError(reports),
    ready: reports.length >= view.expectedWorkers && reports.length > 0 && reports.every((r) => r.ready),
    workers: reports.length,
    redis,
    degraded: reports.some((r) => r.degraded),
    lastIrreversibleBlockNum: lirbs.length === 0 ? null : Math.max(...lirbs),
    upstreams: mergeUpstreams(reports.flatMap((r) => r.upstreams)),
    cacheRules: mergeRules(reports.flatMap((r) => r.cacheRules)),
    rateLimits: mergeRateLimits(reports.map((r) => r.rateLimits ?? null).filter((r): r is RateLimitStateReport => r !== null)),
  };
}

/** Local if any worker limits locally (never hide a fallback); peers as the most any worker saw; counts add up. */
function mergeRateLimits(all: readonly RateLimitStateReport[]): RateLimitStateReport | null {
  if (all.length === 0) return null;
  const limited: Record<string, number> = {};
  for (const r of all) for (const [bucket, n] of Object.entries(r.limited)) limited[bucket] = (limited[bucket] ?? 0) + n;
  return {
    mode: all.some((r) => r.mode === 'local') ? 'local' : 'shared',
    peers: Math.max(...all.map((r) => r.peers)),
    limited,
  };
}

function worstRedis(states: readonly RedisState[]): RedisState {
  for (const s of REDIS_ORDER) if (states.includes(s)) return s;
  return 'disabled';
}

function latestError(reports: readonly StateReport[]): ReloadErrorReport | null {
  const errors = reports.map((r) => r.lastReloadError).filter((e): e is ReloadErrorReport => e !== null);
  errors.sort((a, b) => (a.at < b.at ? 1 : -1));
  return errors[0] ?? null;
}

function mergeUpstreams(all: readonly UpstreamReport[]): UpstreamReport[] {
  const byUrl = new Map<string, UpstreamReport>();
  for (const u of all) {
    const prev = byUrl.get(u.url);
    if (prev === undefined) {
      byUrl.set(u.url, u);
      continue;
    }
    byUrl.set(u.url, {
      url: u.url,
      protocol: u.protocol,
      upstreams: [...new Set([...prev.upstreams, ...u.upstreams])].sort(),
      size: prev.size + u.size,
      active: prev.active + u.active,
      idle: prev.idle + u.idle,
      pending: prev.pending + u.pending,
      inFlight: prev.inFlight + u.inFlight,
      healthy: prev.healthy && u.healthy,
      lastError: prev.lastError ?? u.lastError,
    });
  }
  return [...byUrl.values()];
}

function mergeRules(all: readonly CacheRuleReport[]): CacheRuleReport[] {
  const byPrefix = new Map<string, CacheRuleReport>();
  for (const r of all) {
    const prev = byPrefix.get(r.prefix);
    byPrefix.set(r.prefix, prev === undefined ? r : { prefix: r.prefix, hits: prev.hits + r.hits, misses: prev.misses + r.misses });
  }
  return [...byPrefix.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}
