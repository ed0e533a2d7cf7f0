// How many proxies run the published configuration: the figures behind Programmed and the
// "2/3" printer column.

import type { ProxiesStatus } from '../resources/types.js';
import type { ProxyState } from './inputs.js';

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

export function programmedProxies(p: ProxiesStatus): string {
  return `${p.programmed}/${p.total}`;
}
