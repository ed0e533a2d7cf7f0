// jussi's URN (reference §2 and §3, `jussi/urn.py`): namespace, api, method and params of a
// request, and the exact string that names it (the routing key prefix and the cache key).
import { type RpcError, rpcError } from './errors.js';
import { arrayElements, objectMembers } from './json-scan.js';
import type { JsonObject, JsonRpcRequest, JsonValue, Urn } from './types.js';
import { type JsonSlice, compareCodePoints, inCodePointOrder, ujsonText, valueSlice } from './ujson.js';

export type UrnResult = { readonly ok: true; readonly urn: Urn } | { readonly ok: false; readonly error: RpcError };

/** A validated request and, from `parseBody`, its params with their raw text. */
export interface UrnSource {
  readonly request: JsonRpcRequest;
  /**
   * The params slice (`ValidItem.params`). When omitted, `request.params` is used as a value,
   * which is exact unless the params were parsed from text with floats, long integers or
   * integer-like keys.
   */
  readonly params?: JsonSlice | undefined;
}

export interface UrnParts {
  readonly namespace: string;
  readonly api: string | undefined;
  readonly method: string;
  /** Params as a value; leave undefined (and `paramsText` too) when the URN has no params. */
  readonly params?: JsonValue | undefined;
  /** Params as ujson text with top-level keys sorted; computed from `params` when omitted. */
  readonly paramsText?: string | undefined;
}

// urn.py JRPC_METHOD_PATTERN, one alternative each, tried in this order.
const APPBASE_METHOD = /^([^.]+_api)\.([^.]+)$/;
const BARE_METHOD = /^[^.]+$/;
const NAMESPACED_METHOD = /^([^.]+)\.(?:([^.]+)\.)?([^.]+)$/;

/** urn.py STEEMD_NUMERIC_API_MAPPING, indexed like a Python tuple (negative indexes count from the end). */
const NUMERIC_APIS = ['database_api', 'login_api'] as const;

const INTEGER_TEXT = /^-?\d+$/;
/** Longest reason `invalidRequestFrom` passes on. */
const MAX_REASON = 300;

/** The URN string: `namespace[.api].method[.params=<ujson>]`. */
export function urnKey(namespace: string, api: string | undefined, method: string, paramsText: string | undefined): string {
  let key = api === undefined ? `${namespace}.${method}` : `${namespace}.${api}.${method}`;
  if (paramsText !== undefined) key += `.params=${paramsText}`;
  return key;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The object with its keys in code-point order (jussi's `dict(sorted(...))`): itself when they
 * already are, else a copy. (JavaScript still lists integer-like keys first; `paramsText` is exact.)
 */
function sortedObject(obj: JsonObject): JsonObject {
  const keys = Object.keys(obj);
  if (inCodePointOrder(keys)) return obj;
  const out: JsonObject = {};
  for (const key of keys.sort(compareCodePoints)) {
    // Assigning `__proto__` would set the prototype instead of adding the client's member.
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: obj[key], enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = obj[key] as JsonValue;
    }
  }
  return out;
}

function sortedValue(value: JsonValue): JsonValue {
  return isObject(value) ? sortedObject(value) : value;
}

/** Builds a URN from its parts (used for the appbase translation's URN). */
export function buildUrn(parts: UrnParts): Urn {
  const hasParams = parts.params !== undefined || parts.paramsText !== undefined;
  const params = parts.params === undefined ? undefined : sortedValue(parts.params);
  let paramsText = parts.paramsText;
  if (paramsText === undefined && parts.params !== undefined) paramsText = ujsonText(valueSlice(parts.params), true);
  return {
    namespace: parts.namespace,
    api: parts.api,
    method: parts.method,
    params,
    hasParams,
    paramsText,
    key: urnKey(parts.namespace, parts.api, parts.method, paramsText),
  };
}

function fromSlice(namespace: string, api: string | undefined, method: string, params: JsonSlice | undefined): UrnResult {
  if (params === undefined) {
    return { ok: true, urn: buildUrn({ namespace, api, method }) };
  }
  const paramsText = ujsonText(params, true);
  return { ok: true, urn: buildUrn({ namespace, api, method, params: params.value, paramsText }) };
}

function namespaceError(method: string, reason: string): UrnResult {
  return { ok: false, error: rpcError('InvalidNamespace', { namespace: method }, reason) };
}

/**
 * What Python's `api, method = params` / `api, method, p = params` unpacks: a list's elements,
 * or a dict's keys in the client's order (duplicates collapsed).
 */
function unpack(params: JsonSlice): JsonSlice[] | undefined {
  const { value, raw } = params;
  if (Array.isArray(value)) {
    if (raw === undefined) return value.map(valueSlice);
    const layout = arrayElements(raw, 0);
    if (layout === undefined || layout.elements.length !== value.length) return undefined;
    return layout.elements.map((span, k) => ({ value: value[k] as JsonValue, raw: raw.slice(span.start, span.end) }));
  }
  if (isObject(value)) {
    if (raw === undefined) return Object.keys(value).map((k) => valueSlice(k));
    const layout = objectMembers(raw, 0);
    if (layout === undefined) return undefined;
    const keys = new Set(layout.members.map((m) => m.key));
    return [...keys].map((k) => valueSlice(k));
  }
  return undefined;
}

/** A Python `int` (JSON integer literal or boolean) used as an api: index into NUMERIC_APIS. */
function numericApi(api: JsonSlice): { isInt: boolean; name?: string; text: string } {
  const { value, raw } = api;
  let index: number;
  let text: string;
  if (typeof value === 'boolean') {
    index = value ? 1 : 0;
    text = value ? 'True' : 'False';
  } else if (typeof value === 'number') {
    text = raw === undefined ? String(value) : raw;
    if (raw !== undefined ? !INTEGER_TEXT.test(raw) : !Number.isInteger(value)) return { isInt: false, text };
    index = value;
  } else {
    return { isInt: false, text: '' };
  }
  if (index === 0 || index === -2) return { isInt: true, name: NUMERIC_APIS[0], text };
  if (index === 1 || index === -1) return { isInt: true, name: NUMERIC_APIS[1], text };
  return { isInt: true, text };
}

function callUrn(method: string, params: JsonSlice | undefined): UrnResult {
  if (params === undefined || params.value === null) {
    return namespaceError(method, 'method "call" needs params [api, method] or [api, method, params]');
  }
  const parts = unpack(params);
  if (parts === undefined || (parts.length !== 2 && parts.length !== 3)) {
    return namespaceError(method, 'method "call" needs params [api, method] or [api, method, params]');
  }
  const [apiPart, methodPart, paramsPart] = parts as [JsonSlice, JsonSlice, JsonSlice | undefined];
  let namespace = 'appbase';
  if (paramsPart !== undefined) {
    const api = apiPart.value;
    const appbase = api === 'condenser_api' || api === 'jsonrpc' || isObject(paramsPart.value);
    namespace = appbase ? 'appbase' : 'steemd';
  }
  let api: string;
  const numeric = numericApi(apiPart);
  if (numeric.isInt) {
    if (numeric.name === undefined) {
      const reason = `numeric api ${numeric.text} is not one of 0 (database_api), 1 (login_api), -1, -2`;
      return { ok: false, error: rpcError('InvalidNamespaceApi', { namespace: 'steemd', api: numeric.text }, reason) };
    }
    api = numeric.name;
  } else if (typeof apiPart.value === 'string') {
    api = apiPart.value;
  } else {
    return namespaceError(method, 'the api in "call" params must be a string or 0 / 1');
  }
  if (typeof methodPart.value !== 'string') {
    return namespaceError(method, 'the method in "call" params must be a string');
  }
  return fromSlice(namespace, api, methodPart.value, paramsPart);
}

/** Parses a validated request into its URN, exactly as jussi's `URN.from_request`. */
export function parseUrn(source: UrnSource): UrnResult {
  const { request } = source;
  const method = request.method;
  const hasParams = Object.prototype.hasOwnProperty.call(request, 'params');
  const params = source.params ?? (hasParams ? valueSlice(request.params as JsonValue) : undefined);

  const appbase = APPBASE_METHOD.exec(method);
  if (appbase !== null) return fromSlice('appbase', appbase[1], appbase[2] as string, params);
  if (BARE_METHOD.test(method)) {
    if (method === 'call') return callUrn(method, params);
    return fromSlice('steemd', 'database_api', method, params);
  }
  const namespaced = NAMESPACED_METHOD.exec(method);
  if (namespaced !== null) {
    const namespace = namespaced[1] as string;
    const m = namespaced[3] as string;
    if (namespace === 'jsonrpc') return fromSlice('appbase', 'jsonrpc', m, params);
    return fromSlice(namespace, namespaced[2], m, params);
  }
  return namespaceError(method, 'a method is "name", "api.name" or "namespace[.api].name" without empty parts');
}

/**
 * jussi answers every URN error as -32600 Invalid Request (reference §1); the URN error's own
 * message and reason become the reason (ARCHITECTURE item 10).
 */
export function invalidRequestFrom(error: RpcError): RpcError {
  const reason = error.reason === undefined ? error.message : `${error.message}: ${error.reason}`;
  // The message quotes the client's method, which may be long.
  return rpcError('InvalidRequest', {}, reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}...` : reason);
}
