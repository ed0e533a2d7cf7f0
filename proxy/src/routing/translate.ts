// jussi's appbase translation (reference §5): a request of a namespace configured with
// `translate_to_appbase` becomes `call condenser_api.<method>` with the URN's params, and is
// routed, cached and sent upstream as that. The translated params' text comes from the URN's
// params text, so key order and number spelling are exactly jussi's.

import { hasId, type JsonRpcRequest, type JsonValue, type Urn } from '../jsonrpc/types.js';
import { buildUrn } from '../jsonrpc/urn.js';
import { ujsonString, type JsonSlice } from '../jsonrpc/ujson.js';

export interface Translated {
  /** `{id (if present), jsonrpc, method: "call", params: ["condenser_api", method, params]}`. */
  readonly request: JsonRpcRequest;
  /** The translated request's params with their exact text (for the upstream payload). */
  readonly params: JsonSlice;
  /** `appbase.condenser_api.<method>.params=<params text>`: the key it is routed and cached by. */
  readonly urn: Urn;
}

export function translateToAppbase(request: JsonRpcRequest, urn: Urn): Translated {
  // Absent params become []; `null` stays null (jussi replaces only its `Empty`).
  const inner: JsonValue = urn.hasParams ? (urn.params as JsonValue) : [];
  const innerText = urn.paramsText ?? '[]';
  const value: JsonValue = ['condenser_api', urn.method, inner];
  const translated: JsonRpcRequest = hasId(request)
    ? { id: request.id, jsonrpc: request.jsonrpc, method: 'call', params: value }
    : { jsonrpc: request.jsonrpc, method: 'call', params: value };
  return {
    request: translated,
    params: { value, raw: `["condenser_api",${ujsonString(urn.method)},${innerText}]` },
    urn: buildUrn({ namespace: 'appbase', api: 'condenser_api', method: urn.method, params: inner, paramsText: innerText }),
  };
}
