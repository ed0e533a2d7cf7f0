// The JSON-RPC request text sent upstream for one item (reference §9,
// `JSONRPCRequest.to_upstream_request`): the members the client sent, with the proxy's id, the
// method string verbatim, params spelled as jussi spells them (ujson, raw UTF-8, `/` escaped,
// the client's key order; ARCHITECTURE item 14), `params: null` kept.
import type { Urn } from './types.js';
import { type JsonSlice, ujsonString, ujsonText } from './ujson.js';

/** What an item contributes to its upstream request (a `ValidItem` fits). */
export interface PayloadSource {
  readonly request: { readonly method: string };
  /** True when the client sent no id: jussi then adds the id as the last member. */
  readonly notification: boolean;
  readonly params: JsonSlice | undefined;
}

function withId(body: string, upstreamId: number, notification: boolean): string {
  // jussi builds the dict from the members present and then sets `id`, so a notification's id
  // comes last; members are otherwise in jussi's order: id, jsonrpc, method, params.
  return notification ? `{${body},"id":${upstreamId}}` : `{"id":${upstreamId},${body}}`;
}

/** The request as the client sent it, carrying `upstreamId` (an integer) as its id. */
export function upstreamPayload(item: PayloadSource, upstreamId: number): string {
  let body = `"jsonrpc":"2.0","method":${ujsonString(item.request.method)}`;
  if (item.params !== undefined) body += `,"params":${ujsonText(item.params, false)}`;
  return withId(body, upstreamId, item.notification);
}

/**
 * The appbase translation of a request (reference §5): `call` with params
 * `[<api>, <method>, <params>]` taken from the translated URN (`appbase.condenser_api.<method>`,
 * built with `buildUrn`), whose params text already has jussi's key order.
 */
export function translatedPayload(urn: Urn, upstreamId: number, notification: boolean): string {
  const api = ujsonString(urn.api ?? 'condenser_api');
  const params = `[${api},${ujsonString(urn.method)},${urn.paramsText ?? '[]'}]`;
  return withId(`"jsonrpc":"2.0","method":"call","params":${params}`, upstreamId, notification);
}
