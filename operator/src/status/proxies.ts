// How many proxies run the published configuration: the figures behind Programmed and the
// "2/3" printer column.

import type { ProxiesStatus } from '../resources/types.js';
import type { ProxyState, SidecarState } from './inputs.js';

/**
 * total: proxy pods found; ready: those that answered and report ready; programmed: ready ones
 * whose config hash is the published one.
 */
export function countProxies(proxies: readonly ProxyState[], publishedHash: string | null): ProxiesStatus {
  let ready = 0;
  let programmed = 0;
  for (const { report } of proxies) {
    if (report === null || report.ready !== true) continue;
    ready += 1;
    if (publishedHash !== null && report.configHash === publishedHash) programmed += 1;
  }
  return { total: proxies.length, ready, programmed, configHash: publishedHash ?? '' };
}

/**
 * Sidecars: each live one counts; ready ones run some config; programmed ones run the
 * published hash.
 */
export function countSidecars(sidecars: readonly SidecarState[], publishedHash: string | null): ProxiesStatus {
  let ready = 0;
  let programmed = 0;
  for (const s of sidecars) {
    if (s.runningHash === '') continue;
    ready += 1;
    if (publishedHash !== null && s.runningHash === publishedHash) programmed += 1;
  }
  return { total: sidecars.length, ready, programmed, configHash: publishedHash ?? '' };
}

/** The printer column: gateway proxies and sidecars together ("12/12"). */
export function programmedProxies(p: ProxiesStatus, sidecars?: ProxiesStatus): string {
  return `${p.programmed + (sidecars?.programmed ?? 0)}/${p.total + (sidecars?.total ?? 0)}`;
}
