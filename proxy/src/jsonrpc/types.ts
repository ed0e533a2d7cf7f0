// Plain data shapes of JSON and JSON-RPC 2.0 as the proxy sees them.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** jussi accepts int, float, string, null and (Python ints) booleans as an id. */
export type JsonRpcId = string | number | boolean | null;

/**
 * One validated request object. `id` and `params` may be absent: an absent `id` makes a
 * notification, an absent `params` differs from `params: null` in the URN (jussi's `Empty`).
 */
export interface JsonRpcRequest {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly id?: JsonRpcId;
  readonly params?: JsonValue;
}

/** True when the request carries an `id` member (even `null`): it expects a response object. */
export function hasId(request: JsonRpcRequest): boolean {
  return Object.prototype.hasOwnProperty.call(request, 'id');
}

/** True when the request carries a `params` member (even `null`). */
export function hasParams(request: JsonRpcRequest): boolean {
  return Object.prototype.hasOwnProperty.call(request, 'params');
}

/**
 * A parsed URN (jussi `urn.py`). `api` and `params` are `undefined` when absent; `params`
 * may be `null` when the request sent `params: null`. `key` is the exact jussi URN string,
 * which is also the cache key.
 */
export interface Urn {
  readonly namespace: string;
  readonly api: string | undefined;
  readonly method: string;
  /** Params as values (top-level object keys sorted, as jussi's URN does). */
  readonly params: JsonValue | undefined;
  readonly hasParams: boolean;
  /**
   * Params as jussi serialises them into the URN (ujson: compact, `/` escaped, raw non-ASCII,
   * floats in ujson's shortest spelling, top-level keys sorted, the client's key order kept
   * elsewhere); the text after `params=`. `undefined` when params are absent.
   */
  readonly paramsText: string | undefined;
  readonly key: string;
}
