// How many proxies run this resource as it is now: the figures behind Programmed and the "2/3"
// printer column.

import type { ProxiesStatus } from '../resources/types.js';
import type { ProxyState, SidecarState } from './inputs.js';

/**
 * total: proxy pods found; ready: those that answered and report ready; programmed: ready ones
 * whose config holds this resource as it is now (`runs`, by their config hash).
 */
export function countProxies(proxies: readonly ProxyState[], runs: (configHash: string | null) => boolean): ProxiesStatus {
  let ready = 0;
  let programmed = 0;
  for (const { report } of proxies) {
    if (report === null || report.ready !== true) continue;
    ready += 1;
    if (runs(report.configHash)) programmed += 1;
  }
  return { total: proxies.length, ready, programmed };
}

/**
 * Sidecars: each live one counts; ready ones run some config; programmed ones run a config that
 * holds this resource as it is now.
 */
export function countSidecars(sidecars: readonly SidecarState[], runs: (configHash: string | null) => boolean): ProxiesStatus {
  let ready = 0;
  let programmed = 0;
  for (const s of sidecars) {
    if (s.runningHash === '') continue;
    ready += 1;
    if (runs(s.runningHash)) programmed += 1;
  }
  return { total: sidecars.length, ready, programmed };
}

/** The printer column: gateway proxies and sidecars together ("12/12"). */
export function programmedProxies(p: ProxiesStatus, sidecars?: ProxiesStatus): string {
  return `${p.programmed + (sidecars?.programmed ?? 0)}/${p.total + (sidecars?.total ?? 0)}`;
}
