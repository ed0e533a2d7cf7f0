// The Programmed condition: True when every ready proxy runs a document holding this resource
// as it is now (Gateway API's Programmed, counted per proxy as Istio does). Reasons: Programmed,
// Pending, NotAccepted, NoProxies. Messages name the generation, never a config hash, so that a
// change to another resource does not change this one's status.

import type { Verdict } from '../render/verdict.js';
import type { ProxiesStatus } from '../resources/types.js';
import type { ConditionFacts } from './conditions.js';
import type { Publication } from './inputs.js';

const TYPE = 'Programmed';

export function programmedFacts(
  verdict: Verdict,
  generation: number,
  publication: Publication,
  proxies: ProxiesStatus,
  /** Appended to a True message, e.g. rules still waiting for an upstream. */
  note = '',
  /** Injected sidecars, counted beside the proxies; undefined when sidecars are not in use. */
  sidecars?: ProxiesStatus,
): ConditionFacts {
  if (!verdict.accepted) {
    return { type: TYPE, status: 'False', reason: 'NotAccepted', message: `not programmed because it is not accepted (${verdict.reason})` };
  }
  if (!publication.published) {
    return { type: TYPE, status: 'False', reason: 'Pending', message: 'no configuration has been published yet' };
  }
  if (!publication.inLatest) {
    return { type: TYPE, status: 'False', reason: 'Pending', message: `generation ${generation} is not in the published configuration yet` };
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
  const config = `generation ${generation}`;
  const counted = sidecars === undefined || sidecars.total === 0
    ? `${proxies.programmed}/${proxies.total} proxies run ${config}`
    : `${proxies.programmed}/${proxies.total} proxies and ${sidecars.programmed}/${sidecars.total} sidecars run ${config}`;
  if (all.programmed < all.ready) {
    const behind = all.ready - all.programmed;
    return { type: TYPE, status: 'False', reason: 'Pending', message: `${counted}; ${behind} ready ${behind === 1 ? 'one does' : 'ones do'} not yet` };
  }
  const unready = all.total - all.ready;
  const tail = unready > 0 ? `; ${unready} not ready or not answering` : '';
  return { type: TYPE, status: 'True', reason: 'Programmed', message: `${counted}${tail}${note}` };
}
