// Response texts as jussi sends them (reference §11, §12), built by concatenation on the hot
// path: stored or upstream `result` text is spliced in, never parsed and re-serialised. Ids are
// given as JSON text (`ValidItem.idText`, `InvalidItem.idText`, or `idText()` for the proxy's own).
import { randomUUID } from 'node:crypto';
import type { RpcError } from './errors.js';
import { isJsonWhitespace, objectMembers, skipWhitespace } from './json-scan.js';
import type { JsonValue } from './types.js';

/** The id of an answer that has no request id to echo (whole-body errors, notifications). */
export const NULL_ID = 'null';

/** JSON text of an id the proxy holds as a value; `undefined` (no id) answers as `null`. */
export function idText(id: JsonValue | undefined): string {
  return id === undefined ? NULL_ID : JSON.stringify(id);
}

/** A fresh `error_id` (uuid4), also sent as the `x-jussi-error-id` header. */
export function newErrorId(): string {
  return randomUUID();
}

/** `{"id":<id>,"jsonrpc":"2.0","result":<resultText>}`: a cache hit (jussi `merge_cached_response`). */
export function resultAnswer(id: string, resultText: string): string {
  return `{"id":${id},"jsonrpc":"2.0","result":${resultText}}`;
}

/**
 * An error object: `{"jsonrpc":"2.0","id":..,"error":{"code","message","data":{"error_id",
 * "jussi_request_id"[,"reason"]}}}`. `requestId` is null only where jussi had no request (an
 * oversized body); `reason` appears when the error carries one (ARCHITECTURE item 10).
 */
export function errorAnswer(id: string, error: RpcError, errorId: string, requestId: string | null): string {
  const jussiRequestId = requestId === null ? 'null' : JSON.stringify(requestId);
  const reason = error.reason === undefined ? '' : `,"reason":${JSON.stringify(error.reason)}`;
  return (
    `{"jsonrpc":"2.0","id":${id},"error":{"code":${error.code},"message":${JSON.stringify(error.message)},` +
    `"data":{"error_id":${JSON.stringify(errorId)},"jussi_request_id":${jussiRequestId}${reason}}}}`
  );
}

/**
 * A top-level `"id": <number | null | simple string>` as the last member, ending the text. The
 * last value before the final `}` of an object text is always a top-level member's, so a match
 * needs no scan (hived answers `{"jsonrpc":"2.0","result":...,"id":N}`).
 */
const TRAILING_ID = /"id"\s*:\s*(?:-?\d+|null|"[^"\\]*")\s*\}\s*$/;
const TAIL = 80;

/**
 * An upstream answer with its `id` replaced by the client's and nothing else touched (a missing
 * `jsonrpc` is not added, `error` members pass through). Only the last top-level `id` member is
 * replaced (the one JSON.parse reads); an answer without `id` gets one appended, as jussi's
 * `response['id'] = ...` does. `responseText` must be JSON the upstream layer accepted;
 * undefined when it is not an object (jussi answers -32603 then).
 */
export function upstreamAnswer(id: string, responseText: string): string | undefined {
  const tailStart = Math.max(0, responseText.length - TAIL);
  const tail = TRAILING_ID.exec(responseText.slice(tailStart));
  const at = tail === null ? -1 : tailStart + tail.index;
  if (at >= 0 && !escapedAt(responseText, at)) {
    const colon = responseText.indexOf(':', at + 4);
    const valueStart = skipWhitespace(responseText, colon + 1);
    const valueEnd = responseText.lastIndexOf('}');
    let end = valueEnd;
    while (end > valueStart && isJsonWhitespace(responseText.charCodeAt(end - 1))) end -= 1;
    return responseText.slice(0, valueStart) + id + responseText.slice(end);
  }
  const open = skipWhitespace(responseText, 0);
  const layout = objectMembers(responseText, open);
  if (layout === undefined) return undefined;
  for (let k = layout.members.length - 1; k >= 0; k -= 1) {
    const m = layout.members[k];
    if (m !== undefined && m.key === 'id') return responseText.slice(0, m.start) + id + responseText.slice(m.end);
  }
  const close = responseText.lastIndexOf('}', layout.end - 1);
  if (close < 0) return undefined;
  const separator = layout.members.length === 0 ? '' : ',';
  return `${responseText.slice(0, close)}${separator}"id":${id}${responseText.slice(close)}`;
}

/** True when the quote at `at` is escaped (an odd run of backslashes before it). */
function escapedAt(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && text.charCodeAt(k) === 0x5c) k -= 1;
  return (at - 1 - k) % 2 === 1;
}

/** `[item,item,...]`, items in request order. */
export function batchAnswer(items: readonly string[]): string {
  return `[${items.join(',')}]`;
}

/**
 * The raw text of a top-level member of a JSON object text (the last one when repeated, as
 * JSON.parse does), e.g. an upstream answer's `result` for the cache; undefined when absent.
 */
export function memberText(objectText: string, key: string): string | undefined {
  const layout = objectMembers(objectText, skipWhitespace(objectText, 0));
  if (layout === undefined) return undefined;
  for (let k = layout.members.length - 1; k >= 0; k -= 1) {
    const m = layout.members[k];
    if (m !== undefined && m.key === key) return objectText.slice(m.start, m.end);
  }
  return undefined;
}
