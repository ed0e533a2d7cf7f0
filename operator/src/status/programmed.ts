// The Programmed condition: True when every ready proxy reports the published config hash and
// that document holds this resource's current generation (Gateway API's Programmed, counted per
// proxy as Istio does). Reasons: Programmed, Pending, NotAccepted, NoProxies.

import type { Verdict } from '../render/verdict.js';
import type { ProxiesStatus } from '../resources/types.js';
import type { ConditionFacts } from './conditions.js';
import type { PublishedConfig } from './inputs.js';

const TYPE = 'Programmed';

export function shortHash(hash: string): string {
  return hash.slice(0, 8);
}

export function programmedFacts(
  verdict: Verdict,
  generation: number,
  published: PublishedConfig | null,
  proxies: ProxiesStatus,
  /** Appended to a True message, e.g. rules still waiting for an upstream. */
  note = '',
  /** Injected sidecars, counted beside the proxies; undefined when sidecars are not in use. */
  sidecars?: ProxiesStatus,
): ConditionFacts {
  if (!verdict.accepted) {
    return { type: TYPE, status: 'False', reason: 'NotAccepted', message: `not programmed because it is not accepted (${verdict.reason})` };
  }
  if (published === null) {
    return { type: TYPE, status: 'False', reason: 'Pending', message: 'no configuration has been published yet' };
  }
  const config = `config ${shortHash(published.hash)}`;
  if (published.generation !== generation) {
    return { type: TYPE, status: 'False', reason: 'Pending', message: `generation ${generation} is not in the published ${config} yet` };
  }
  const all = sidecars === undefined ? proxies : { total: proxies.total + sidecars.total, ready: proxies.ready + sidecars.ready, programmed: proxies.programmed + sidecars.programmed };
  if (all.ready === 0) {
    const message =
      all.total === 0
        ? sidecars === undefined ? 'no proxy pods found' : 'no proxy pods or sidecars found'
        : sidecars === undefined || sidecars.total === 0
          ? `none of the ${proxies.total} proxy pods is ready and answering its state report`
          : `none of the ${proxies.total} proxy pods and ${sidecars.total} sidecars runs a config yet`;
    return { type: TYPE, status: 'False', reason: 'NoProxies', message };
  }
  const counted = sidecars === undefined || sidecars.total === 0
    ? `${proxies.programmed}/${proxies.total} proxies run ${config}`
    : `${proxies.programmed}/${proxies.total} proxies and ${sidecars.programmed}/${sidecars.total} sidecars run ${config}`;
  if (all.programmed < all.ready) {
    const behind = all.ready - all.programmed;
    return { type: TYPE, status: 'False', reason: 'Pending', message: `${counted}; ${behind} ready ${behind === 1 ? 'one still runs' : 'ones still run'} another` };
  }
  const unready = all.total - all.ready;
  const tail = unready > 0 ? `; ${unready} not ready or not answering` : '';
  return { type: TYPE, status: 'True', reason: 'Programmed', message: `${counted}${tail}${note}` };
}
