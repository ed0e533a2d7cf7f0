// Checks a JsonRpcUpstream spec as the CRD does (crds/jussi.io_jsonrpcupstreams.yaml) and
// returns it in a checked form, or every problem found, each naming its field. Takes `unknown`
// because a resource may predate the CRD's current rules; never throws.

import {
  FAILOVER_URLS_MAX,
  POOL_LIMITS,
  ROUTES_MAX,
  TIMEOUTS_MAX,
  TIMEOUT_SECONDS_MAX,
  namespaceProblem,
  prefixInNamespace,
  prefixProblem,
  urlProblem,
} from './spec-rules.js';
import { type FieldProblem, isIntegerIn, isRecord } from './field-problem.js';

export interface CheckedRoute {
  readonly prefix: string;
  /** A single URL, or the ordered failover list. */
  readonly url: string | readonly string[];
}

export interface CheckedTimeout {
  readonly prefix: string;
  readonly seconds: number;
}

export interface CheckedPool {
  readonly httpConnections?: number;
  readonly websocketMin?: number;
  readonly websocketMax?: number;
}

export interface CheckedUpstreamSpec {
  readonly namespace: string;
  readonly translateToAppbase: boolean;
  readonly routes: readonly CheckedRoute[];
  readonly timeouts: readonly CheckedTimeout[];
  readonly pool: CheckedPool | null;
}

export type SpecCheck<T> = { readonly ok: true; readonly spec: T } | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export function checkUpstreamSpec(spec: unknown): SpecCheck<CheckedUpstreamSpec> {
  const problems: FieldProblem[] = [];
  if (!isRecord(spec)) return { ok: false, problems: [{ field: 'spec', message: 'is required and must be an object' }] };

  let namespace = '';
  if (typeof spec['namespace'] !== 'string') {
    problems.push({ field: 'spec.namespace', message: 'is required and must be a string' });
  } else {
    namespace = spec['namespace'];
    const p = namespaceProblem(namespace);
    if (p !== null) problems.push({ field: 'spec.namespace', message: p });
  }

  const translate = spec['translateToAppbase'];
  if (translate !== undefined && typeof translate !== 'boolean') {
    problems.push({ field: 'spec.translateToAppbase', message: 'must be true or false' });
  }

  const routes = checkRoutes(spec['routes'], namespace, problems);
  const timeouts = checkTimeouts(spec['timeouts'], namespace, problems);
  const pool = checkPool(spec['pool'], problems);

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, spec: { namespace, translateToAppbase: translate === true, routes, timeouts, pool } };
}

function checkPrefix(value: unknown, field: string, namespace: string, seen: Set<string>, problems: FieldProblem[]): string | null {
  if (typeof value !== 'string') {
    problems.push({ field, message: 'is required and must be a string' });
    return null;
  }
  const p = prefixProblem(value);
  if (p !== null) {
    problems.push({ field, message: p });
    return null;
  }
  if (namespace !== '' && !prefixInNamespace(value, namespace)) {
    problems.push({ field, message: `must equal spec.namespace or start with "${namespace}." (got ${JSON.stringify(value)})` });
    return null;
  }
  if (seen.has(value)) {
    problems.push({ field, message: `duplicates prefix ${JSON.stringify(value)}; each prefix may appear once` });
    return null;
  }
  seen.add(value);
  return value;
}

function checkRoutes(value: unknown, namespace: string, problems: FieldProblem[]): CheckedRoute[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ field: 'spec.routes', message: 'is required and must list at least one route' });
    return [];
  }
  if (value.length > ROUTES_MAX) {
    problems.push({ field: 'spec.routes', message: `must have at most ${ROUTES_MAX} routes (has ${value.length})` });
    return [];
  }
  const seen = new Set<string>();
  const out: CheckedRoute[] = [];
  value.forEach((route: unknown, i) => {
    const field = `spec.routes[${i}]`;
    if (!isRecord(route)) {
      problems.push({ field, message: 'must be an object with prefix and url or urls' });
      return;
    }
    const prefix = checkPrefix(route['prefix'], `${field}.prefix`, namespace, seen, problems);
    const url = checkRouteUrl(route, field, problems);
    if (prefix !== null && url !== null) out.push({ prefix, url });
  });
  return out;
}

function checkRouteUrl(route: Readonly<Record<string, unknown>>, field: string, problems: FieldProblem[]): string | readonly string[] | null {
  const single = route['url'];
  const list = route['urls'];
  if ((single === undefined) === (list === undefined)) {
    problems.push({ field, message: 'set exactly one of url (one upstream) or urls (an ordered failover list)' });
    return null;
  }
  if (single !== undefined) {
    if (typeof single !== 'string') {
      problems.push({ field: `${field}.url`, message: 'must be a string' });
      return null;
    }
    const p = urlProblem(single);
    if (p !== null) problems.push({ field: `${field}.url`, message: p });
    return p === null ? single : null;
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > FAILOVER_URLS_MAX) {
    problems.push({ field: `${field}.urls`, message: `must list 1 to ${FAILOVER_URLS_MAX} URLs` });
    return null;
  }
  const before = problems.length;
  const seen = new Set<string>();
  list.forEach((u: unknown, j) => {
    const f = `${field}.urls[${j}]`;
    if (typeof u !== 'string') {
      problems.push({ field: f, message: 'must be a string' });
      return;
    }
    const p = urlProblem(u);
    if (p !== null) problems.push({ field: f, message: p });
    else if (seen.has(u)) problems.push({ field: f, message: `duplicates ${JSON.stringify(u)}; list each URL once` });
    seen.add(u);
  });
  return problems.length === before ? (list as string[]) : null;
}

function checkTimeouts(value: unknown, namespace: string, problems: FieldProblem[]): CheckedTimeout[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > TIMEOUTS_MAX) {
    problems.push({ field: 'spec.timeouts', message: `must be a list of at most ${TIMEOUTS_MAX} timeouts` });
    return [];
  }
  const seen = new Set<string>();
  const out: CheckedTimeout[] = [];
  value.forEach((t: unknown, i) => {
    const field = `spec.timeouts[${i}]`;
    if (!isRecord(t)) {
      problems.push({ field, message: 'must be an object with prefix and seconds' });
      return;
    }
    const prefix = checkPrefix(t['prefix'], `${field}.prefix`, namespace, seen, problems);
    const seconds = t['seconds'];
    if (!isIntegerIn(seconds, 0, TIMEOUT_SECONDS_MAX)) {
      problems.push({ field: `${field}.seconds`, message: `is required and must be a whole number from 0 (no per-prefix timeout) to ${TIMEOUT_SECONDS_MAX}` });
      return;
    }
    if (prefix !== null) out.push({ prefix, seconds });
  });
  return out;
}

function checkPool(value: unknown, problems: FieldProblem[]): CheckedPool | null {
  if (value === undefined) return null;
  if (!isRecord(value)) {
    problems.push({ field: 'spec.pool', message: 'must be an object' });
    return null;
  }
  const pool: { httpConnections?: number; websocketMin?: number; websocketMax?: number } = {};
  for (const key of ['httpConnections', 'websocketMin', 'websocketMax'] as const) {
    const v = value[key];
    if (v === undefined) continue;
    const { min, max } = POOL_LIMITS[key];
    if (!isIntegerIn(v, min, max)) problems.push({ field: `spec.pool.${key}`, message: `must be a whole number from ${min} to ${max}` });
    else pool[key] = v;
  }
  if (pool.websocketMin !== undefined && pool.websocketMax !== undefined && pool.websocketMin > pool.websocketMax) {
    problems.push({ field: 'spec.pool', message: 'pool.websocketMin must not be greater than pool.websocketMax' });
  }
  return pool;
}
