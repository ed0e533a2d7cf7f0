// One request item from URN to destination, as jussi's `from_http_request` does it: the
// original URN must be routable; a namespace configured with `translate_to_appbase` is then
// translated and routed again as `appbase.condenser_api.*`. Limits and the cache key apply to
// the final URN.

import type { RpcError } from '../jsonrpc/errors.js';
import { rpcError } from '../jsonrpc/errors.js';
import type { JsonRpcRequest, Urn } from '../jsonrpc/types.js';
import type { JsonSlice } from '../jsonrpc/ujson.js';
import type { Route, RoutingTable } from './routing-table.js';
import { translateToAppbase } from './translate.js';

export interface ResolvedItem {
  /** The request to send (the translated one when translated). */
  readonly request: JsonRpcRequest;
  /** Its params with exact text: the translated params, or the `params` given in. */
  readonly params: JsonSlice | undefined;
  /** The final URN: routing key, cache key, limits and x-jussi-* headers. */
  readonly urn: Urn;
  readonly route: Route;
  /** The client's URN when the request was translated; null otherwise. */
  readonly translatedFrom: Urn | null;
}

export type ResolveResult = { readonly ok: true; readonly item: ResolvedItem } | { readonly ok: false; readonly error: RpcError };

export function resolveItem(table: RoutingTable, request: JsonRpcRequest, params: JsonSlice | undefined, urn: Urn): ResolveResult {
  const first = table.route(urn);
  if (!first.ok) return first;
  if (!table.translatesToAppbase(urn.namespace)) {
    return { ok: true, item: { request, params, urn, route: first.route, translatedFrom: null } };
  }
  const t = translateToAppbase(request, urn);
  const second = table.route(t.urn);
  if (!second.ok) {
    const reason = `"${urn.namespace}" requests are translated to appbase.condenser_api, and ${second.error.reason ?? 'that is not routable'}`;
    return { ok: false, error: rpcError('InvalidRequest', {}, reason) };
  }
  return { ok: true, item: { request: t.request, params: t.params, urn: t.urn, route: second.route, translatedFrom: urn } };
}
