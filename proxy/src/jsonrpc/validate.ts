// jussi's request shape rules (reference §1, `validators.py:validate_jsonrpc_request`), applied
// to one request object. The reason a request is refused goes to the client as
// `error.data.reason` (ARCHITECTURE item 10), so it names the member and what would be accepted.
import { rpcError } from './errors.js';
import type { ItemResult } from './items.js';
import type { ScannedMember } from './json-scan.js';
import type { JsonObject, JsonRpcRequest, JsonValue } from './types.js';
import { type JsonSlice, ujsonString, ujsonText } from './ujson.js';

/**
 * Deepest nesting of arrays/objects accepted inside `params` or `id`. Everything that walks a
 * value recursively (serialisers, limits) stays far from the stack limit; real Steem/Hive calls
 * nest fewer than ten levels.
 */
export const MAX_NESTING_DEPTH = 128;

const ALLOWED_MEMBERS: ReadonlySet<string> = new Set(['id', 'jsonrpc', 'method', 'params']);
const NULL_TEXT = 'null';
/** Client-sent names quoted in reasons are cut to this many characters. */
const MAX_QUOTED = 64;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "a string", "an array", ... for reasons; never serialises the (possibly huge) value. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function quote(name: string): string {
  const cut = name.length > MAX_QUOTED ? `${name.slice(0, MAX_QUOTED)}...` : name;
  return JSON.stringify(cut);
}

function has(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The last member named `key` (JSON.parse, like a Python dict, keeps the last value). */
function lastMember(members: readonly ScannedMember[], key: string): ScannedMember | undefined {
  for (let k = members.length - 1; k >= 0; k -= 1) {
    const m = members[k] as ScannedMember;
    if (m.key === key) return m;
  }
  return undefined;
}

function slice(value: JsonValue, text: string, span: ScannedMember): JsonSlice {
  return { value, raw: span.scan.plain ? undefined : text.slice(span.start, span.end) };
}

/** The id as JSON text for an answer; `null` when it cannot be written back (too deep, infinite). */
function idTextOf(obj: JsonObject, text: string, span: ScannedMember | undefined): string {
  if (span === undefined || !has(obj, 'id')) return NULL_TEXT;
  if (span.scan.depth > MAX_NESTING_DEPTH || !span.scan.finite) return NULL_TEXT;
  const id = obj.id;
  if (span.scan.plain) {
    // Plain numbers are short integer literals: String() spells them as Python does.
    if (typeof id === 'number' || typeof id === 'boolean' || id === null) return String(id);
    if (typeof id === 'string') return ujsonString(id);
  }
  return ujsonText(slice(id as JsonValue, text, span), false);
}

function shapeProblem(obj: JsonObject, idSpan: ScannedMember | undefined, paramsSpan: ScannedMember | undefined): string | undefined {
  for (const key of Object.keys(obj)) {
    if (!ALLOWED_MEMBERS.has(key)) {
      return `member ${quote(key)} is not allowed: a request has only "id", "jsonrpc", "method" and "params"`;
    }
  }
  if (!has(obj, 'jsonrpc')) return 'member "jsonrpc" is missing: it must be "2.0"';
  if (obj.jsonrpc !== '2.0') {
    const got = typeof obj.jsonrpc === 'string' ? quote(obj.jsonrpc) : describeJsonType(obj.jsonrpc);
    return `member "jsonrpc" must be the string "2.0", not ${got}`;
  }
  if (!has(obj, 'method')) return 'member "method" is missing';
  if (typeof obj.method !== 'string') return `member "method" must be a string, not ${describeJsonType(obj.method)}`;
  if (has(obj, 'id')) {
    const id = obj.id;
    if (!(id === null || typeof id === 'string' || typeof id === 'number' || typeof id === 'boolean')) {
      return `member "id" must be a string, a number, a boolean or null, not ${describeJsonType(id)}`;
    }
    if (idSpan !== undefined && !idSpan.scan.finite) return 'member "id" is a number too large for a double';
  }
  if (has(obj, 'params')) {
    const params = obj.params;
    if (!(params === null || typeof params === 'object')) {
      return `member "params" must be an array, an object or null, not ${describeJsonType(params)}`;
    }
    if (paramsSpan !== undefined) {
      if (paramsSpan.scan.depth > MAX_NESTING_DEPTH) {
        return `member "params" nests deeper than ${MAX_NESTING_DEPTH} levels of arrays/objects`;
      }
      if (!paramsSpan.scan.finite) return 'member "params" holds a number too large for a double';
    }
  }
  return undefined;
}

/**
 * Validates one request object. `members` are the object's member spans in `text` (from
 * `objectMembers`), used for the exact spelling of `id` and `params`.
 */
export function validateObject(obj: JsonObject, index: number, text: string, members: readonly ScannedMember[]): ItemResult {
  const idSpan = lastMember(members, 'id');
  const paramsSpan = lastMember(members, 'params');
  const problem = shapeProblem(obj, idSpan, paramsSpan);
  if (problem !== undefined) {
    return { ok: false, index, error: rpcError('InvalidRequest', {}, problem), idText: idTextOf(obj, text, idSpan) };
  }
  const request = obj as unknown as JsonRpcRequest;
  const notification = !has(obj, 'id');
  return {
    ok: true,
    index,
    request,
    notification,
    idText: notification ? NULL_TEXT : idTextOf(obj, text, idSpan),
    params: has(obj, 'params') && paramsSpan !== undefined ? slice(obj.params as JsonValue, text, paramsSpan) : undefined,
  };
}

/** A batch element that is not an object. */
export function invalidElement(value: unknown, index: number): ItemResult {
  const reason = `batch element ${index} must be a request object, not ${describeJsonType(value)}`;
  return { ok: false, index, error: rpcError('InvalidRequest', {}, reason), idText: NULL_TEXT };
}
