// Reads a proxy's GET /state answer (proxy/src/admin/state-report.ts) from untrusted JSON: a
// proxy of another version, or something else listening on the port, must give an error value
// naming what is wrong, never a half-typed object.

import type { CacheRuleReport, RateLimitStateReport, ReloadErrorReport, StateReport, UpstreamReport } from '@jussi/proxy/admin/state-report';
import type { RedisState } from '@jussi/proxy/cache/types';

export type ParsedState = { readonly ok: true; readonly report: StateReport } | { readonly ok: false; readonly error: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Problem extends Error {}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Problem(`${where}.${key} must be a string`);
  return v;
}

function strOrNull(o: Obj, key: string, where: string): string | null {
  const v = o[key];
  if (v !== null && typeof v !== 'string') throw new Problem(`${where}.${key} must be a string or null`);
  return v;
}

function num(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Problem(`${where}.${key} must be a number`);
  return v;
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new Problem(`${where}.${key} must be a boolean`);
  return v;
}

function array(o: Obj, key: string, where: string): Obj[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every(isObj)) throw new Problem(`${where}.${key} must be an array of objects`);
  return v;
}

const REDIS_STATES: readonly RedisState[] = ['disabled', 'connecting', 'up', 'down'];

function upstream(u: Obj, i: number): UpstreamReport {
  const where = `upstreams[${i}]`;
  const protocol = u['protocol'];
  if (protocol !== 'http' && protocol !== 'websocket') throw new Problem(`${where}.protocol must be http or websocket`);
  const names = u['upstreams'];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Problem(`${where}.upstreams must be an array of strings`);
  return {
    url: str(u, 'url', where), protocol, upstreams: names,
    size: num(u, 'size', where), active: num(u, 'active', where), idle: num(u, 'idle', where),
    pending: num(u, 'pending', where), inFlight: num(u, 'inFlight', where),
    healthy: bool(u, 'healthy', where), lastError: strOrNull(u, 'lastError', where),
  };
}

function cacheRule(r: Obj, i: number): CacheRuleReport {
  const where = `cacheRules[${i}]`;
  return { prefix: str(r, 'prefix', where), hits: num(r, 'hits', where), misses: num(r, 'misses', where) };
}

/** Optional (proxies before edge protection send none); a malformed one is dropped, not fatal. */
function rateLimits(v: unknown): RateLimitStateReport | null {
  if (!isObj(v) || (v['mode'] !== 'shared' && v['mode'] !== 'local') || typeof v['peers'] !== 'number' || !isObj(v['limited'])) return null;
  const limited: Record<string, number> = {};
  for (const [name, n] of Object.entries(v['limited'])) if (typeof n === 'number' && Number.isFinite(n)) limited[name] = n;
  return { mode: v['mode'], peers: v['peers'], limited };
}

function reloadError(v: unknown): ReloadErrorReport | null {
  if (v === null) return null;
  if (!isObj(v)) throw new Problem('state.lastReloadError must be an object or null');
  return { at: str(v, 'at', 'lastReloadError'), message: str(v, 'message', 'lastReloadError'), hash: strOrNull(v, 'hash', 'lastReloadError') };
}

export function parseStateReport(value: unknown): ParsedState {
  try {
    if (!isObj(value)) throw new Problem('the state report must be a JSON object');
    if (value['service'] !== 'jussi') throw new Problem('state.service must be "jussi"');
    const redis = value['redis'];
    if (typeof redis !== 'string' || !(REDIS_STATES as readonly string[]).includes(redis)) throw new Problem(`state.redis must be one of ${REDIS_STATES.join(', ')}`);
    const lirb = value['lastIrreversibleBlockNum'];
    if (lirb !== null && (typeof lirb !== 'number' || !Number.isFinite(lirb))) throw new Problem('state.lastIrreversibleBlockNum must be a number or null');
    const report: StateReport = {
      service: 'jussi',
      configHash: strOrNull(value, 'configHash', 'state'),
      configLoadedAt: strOrNull(value, 'configLoadedAt', 'state'),
      configSource: str(value, 'configSource', 'state'),
      lastReloadError: reloadError(value['lastReloadError']),
      ready: bool(value, 'ready', 'state'),
      workers: num(value, 'workers', 'state'),
      redis: redis as RedisState,
      degraded: bool(value, 'degraded', 'state'),
      lastIrreversibleBlockNum: lirb,
      upstreams: array(value, 'upstreams', 'state').map(upstream),
      cacheRules: array(value, 'cacheRules', 'state').map(cacheRule),
      // Absent from proxies older than edge protection: kept absent.
      ...('rateLimits' in value ? { rateLimits: rateLimits(value['rateLimits']) } : {}),
    };
    return { ok: true, report };
  } catch (err) {
    if (err instanceof Problem) return { ok: false, error: err.message };
    throw err;
  }
}
