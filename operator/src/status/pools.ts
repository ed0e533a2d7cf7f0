// Connection pool figures per upstream URL, summed over the proxies that report the URL.

import type { UpstreamPoolStatus } from '../resources/types.js';
import { type ProxyState, byPod, count } from './inputs.js';

export const LAST_ERROR_MAX = 1024;

/**
 * The URL without credentials, query or fragment (status is readable by more people than the
 * spec's secrets, and an API key often rides in the query). The proxies report URLs the same
 * way in /state, so this is also the spelling the two are matched by.
 */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '' && u.search === '' && u.hash === '') return url;
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
}

/** One spelling per URL, for matching the spec's URLs with what proxies report. */
function matchKey(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
}

interface Sum {
  size: number;
  active: number;
  idle: number;
  pending: number;
  healthy: number;
  reporting: number;
  unhealthyError: string | null;
  anyError: string | null;
}

/** Figures for each of `urls` (sorted, without credentials), from every proxy that answered. */
export function poolFigures(urls: readonly string[], proxies: readonly ProxyState[]): UpstreamPoolStatus[] {
  const sums = new Map<string, Sum>();
  const shown = new Map<string, string>();
  for (const url of urls) {
    const key = matchKey(url);
    if (sums.has(key)) continue;
    sums.set(key, { size: 0, active: 0, idle: 0, pending: 0, healthy: 0, reporting: 0, unhealthyError: null, anyError: null });
    shown.set(key, withoutCredentials(url));
  }
  for (const { report } of byPod(proxies)) {
    if (report === null || !Array.isArray(report.upstreams)) continue;
    for (const u of report.upstreams) {
      const sum = typeof u.url === 'string' ? sums.get(matchKey(u.url)) : undefined;
      if (sum === undefined) continue;
      sum.size += count(u.size);
      sum.active += count(u.active);
      sum.idle += count(u.idle);
      sum.pending += count(u.pending);
      sum.reporting += 1;
      if (u.healthy === true) sum.healthy += 1;
      const error = typeof u.lastError === 'string' && u.lastError !== '' ? u.lastError : null;
      if (error !== null) {
        sum.anyError ??= error;
        if (u.healthy !== true) sum.unhealthyError ??= error;
      }
    }
  }
  const out: UpstreamPoolStatus[] = [];
  for (const [key, s] of sums) {
    const lastError = s.unhealthyError ?? s.anyError;
    out.push({
      url: shown.get(key) ?? key,
      size: s.size,
      active: s.active,
      idle: s.idle,
      pending: s.pending,
      healthyProxies: s.healthy,
      reportingProxies: s.reporting,
      healthy: s.reporting > 0 && s.healthy === s.reporting,
      ...(lastError === null ? {} : { lastError: lastError.length > LAST_ERROR_MAX ? `${lastError.slice(0, LAST_ERROR_MAX - 1)}…` : lastError }),
    });
  }
  return out.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}
