// What parsing a request body gives the pipeline: one result per JSON-RPC request object, in
// request order, each either a valid request ready for URN/routing or an error to answer with.
import type { RpcError } from './errors.js';
import type { JsonRpcRequest } from './types.js';
import type { JsonSlice } from './ujson.js';

/** A request object that passed jussi's shape rules (reference §1). */
export interface ValidItem {
  readonly ok: true;
  /** Position in the batch (0 for a single request). */
  readonly index: number;
  /** The parsed request object itself (not copied). */
  readonly request: JsonRpcRequest;
  /** True when the request has no `id` member: it gets no response object (ARCHITECTURE item 6). */
  readonly notification: boolean;
  /** JSON text of the id to answer with, spelled as jussi would (`1.0` stays `1.0`); `null` for a notification. */
  readonly idText: string;
  /** The `params` member with its raw text where needed; undefined when absent (`null` is present). */
  readonly params: JsonSlice | undefined;
}

/** A request object (or batch element) that failed the shape rules: answered with `error` at its position. */
export interface InvalidItem {
  readonly ok: false;
  readonly index: number;
  /** InvalidRequest (-32600) with a `reason`. */
  readonly error: RpcError;
  /** JSON text of the id to answer with: the element's own `id` member (any JSON value) or `null`. */
  readonly idText: string;
}

export type ItemResult = ValidItem | InvalidItem;

/**
 * A parsed body. `rejected` is a body that cannot be read as requests at all (not UTF-8, not
 * JSON, empty, an empty array, a scalar): one error object with id `null`. Otherwise a single
 * request or a batch, each item validated on its own (ARCHITECTURE item 4).
 */
export type ParsedBody =
  | { readonly kind: 'rejected'; readonly error: RpcError }
  | { readonly kind: 'single'; readonly item: ItemResult }
  | { readonly kind: 'batch'; readonly items: readonly ItemResult[] };
