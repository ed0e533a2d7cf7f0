// Which upstream answers may be cached and served from the cache: jussi's `validators.py`
// (is_valid_single_jsonrpc_response, is_valid_non_error_single_jsonrpc_response,
// is_get_block_request, is_valid_get_block_response) and `cache/utils.py`
// (block_num_from_jsonrpc_response). Pure functions of parsed JSON.

import type { JsonValue, Urn } from '../jsonrpc/types.js';

/** The parts of a URN these rules read (a full `Urn` fits). */
export type UrnParts = Pick<Urn, 'namespace' | 'method' | 'params'>;

type JsonRecord = Readonly<Record<string, unknown>>;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** A JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** jussi `is_valid_single_jsonrpc_response`: exactly one of `result`/`error`, keys ⊆ {id, jsonrpc, result, error}. */
export function isValidAnswer(answer: unknown): boolean {
  if (!isJsonObject(answer)) return false;
  const hasResult = hasOwn(answer, 'result');
  if (hasResult === hasOwn(answer, 'error')) return false;
  for (const k in answer) {
    if (k !== 'id' && k !== 'jsonrpc' && k !== 'result' && k !== 'error') return false;
  }
  return true;
}

/** jussi `is_valid_non_error_single_jsonrpc_response`: has `result`, keys ⊆ {id, jsonrpc, result}. */
export function isValidNonErrorAnswer(answer: unknown): boolean {
  if (!isJsonObject(answer) || !hasOwn(answer, 'result')) return false;
  for (const k in answer) {
    if (k !== 'id' && k !== 'jsonrpc' && k !== 'result') return false;
  }
  return true;
}

function isBlockNamespace(namespace: string): boolean {
  return namespace === 'steemd' || namespace === 'appbase';
}

export function isGetBlockRequest(urn: UrnParts): boolean {
  return urn.method === 'get_block' && isBlockNamespace(urn.namespace);
}

export function isGetBlockHeaderRequest(urn: UrnParts): boolean {
  return urn.method === 'get_block_header' && isBlockNamespace(urn.namespace);
}

/** Answers the LIRB tracker learns from (any api of steemd/appbase). */
export function isGetDynamicGlobalPropertiesRequest(urn: UrnParts): boolean {
  return urn.method === 'get_dynamic_global_properties' && isBlockNamespace(urn.namespace);
}

const DECIMAL = /^\s*[+-]?\d+\s*$/;

/** Python's `int(x)` for the JSON values a block number request can carry; null when it raises. */
function pythonInt(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === 'string' && DECIMAL.test(value)) return Number(value);
  return null;
}

/** The requested block number: `params[0]` (list) or `params.block_num` (object); null when absent or not a number. */
export function requestedBlockNum(params: JsonValue | undefined): number | null {
  if (Array.isArray(params)) return params.length > 0 ? pythonInt(params[0]) : null;
  if (isJsonObject(params)) return hasOwn(params, 'block_num') ? pythonInt(params['block_num']) : null;
  return null;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * jussi `block_num_from_id`: the first 8 hex digits of a block id are the block number.
 * Null when the id is not a string or its first 8 characters are not hex (where Python raises).
 */
export function blockNumFromId(blockId: unknown): number | null {
  if (typeof blockId !== 'string') return null;
  const head = blockId.slice(0, 8);
  return HEX.test(head) ? parseInt(head, 16) : null;
}

/** True when the result carries the requested block (`result.block_id` or `result.block.block_id`). */
export function isValidGetBlockResult(requested: number | null, result: unknown): boolean {
  if (requested === null || !isJsonObject(result)) return false;
  let blockId: unknown;
  if (hasOwn(result, 'block_id')) {
    blockId = result['block_id'];
  } else if (hasOwn(result, 'block')) {
    const block = result['block'];
    if (!isJsonObject(block) || !hasOwn(block, 'block_id')) return false;
    blockId = block['block_id'];
  } else {
    return false;
  }
  const num = blockNumFromId(blockId);
  return num !== null && num === requested;
}

/** jussi `is_valid_get_block_response`, for a get_block request: a non-error answer whose block matches. */
export function isValidGetBlockAnswer(urn: UrnParts, answer: unknown): boolean {
  if (!isGetBlockRequest(urn) || !isValidNonErrorAnswer(answer)) return false;
  return isValidGetBlockResult(requestedBlockNum(urn.params), (answer as JsonRecord)['result']);
}

/**
 * jussi `is_valid_non_error_jussi_response` for one item: what may be written to (and served
 * from) the cache regardless of TTL: a non-error answer, and for get_block the requested block.
 */
export function isCacheableAnswer(urn: UrnParts, answer: unknown): boolean {
  if (!isValidNonErrorAnswer(answer)) return false;
  return isGetBlockRequest(urn) ? isValidGetBlockAnswer(urn, answer) : true;
}

/**
 * Read-side check of a cached `result` text: for get_block requests the cached block must be
 * the requested one (parses the text); any other request passes without parsing. The cache
 * group already applies this to Redis hits (see `getBlockRequestFromKey`), and memory entries
 * were validated when written, so the pipeline needs it only for hits of other origins.
 */
export function cachedGetBlockMatches(urn: UrnParts, resultText: string): boolean {
  if (!isGetBlockRequest(urn)) return true;
  let result: unknown;
  try {
    result = JSON.parse(resultText);
  } catch {
    return false;
  }
  return isValidGetBlockResult(requestedBlockNum(urn.params), result);
}

// jussi URN strings: `namespace[.api].method[.params=<json>]`; no part before params holds a dot.
const GET_BLOCK_KEY = /^(?:steemd|appbase)\.(?:[^.]+\.)?get_block(?:\.params=([\s\S]*))?$/;

/**
 * For a cache key (a jussi URN string): undefined when it is not a get_block request, else the
 * requested block number (null when the params carry none, so nothing cached there is valid).
 */
export function getBlockRequestFromKey(key: string): { readonly requested: number | null } | undefined {
  if (!key.includes('get_block')) return undefined;
  const m = GET_BLOCK_KEY.exec(key);
  if (m === null) return undefined;
  const paramsText = m[1];
  if (paramsText === undefined) return { requested: null };
  try {
    return { requested: requestedBlockNum(JSON.parse(paramsText) as JsonValue) };
  } catch {
    return { requested: null };
  }
}

function field(obj: unknown, key: string): unknown {
  return isJsonObject(obj) && hasOwn(obj, key) ? obj[key] : undefined;
}

/** Python truthiness for the JSON values a block field can hold. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return true;
}

/**
 * jussi `block_num_from_jsonrpc_response`: the block number an answer bears, checked in order
 * `result.block.block_id`, `result.header.previous` + 1, `result.block_id`, `result.previous` + 1.
 * Null when none is present or the first one present is not a hex block id.
 */
export function blockNumFromAnswer(answer: unknown): number | null {
  const result = field(answer, 'result');
  const blockId = field(field(result, 'block'), 'block_id');
  if (truthy(blockId)) return blockNumFromId(blockId);
  const headerPrevious = field(field(result, 'header'), 'previous');
  if (truthy(headerPrevious)) return plusOne(blockNumFromId(headerPrevious));
  const flatId = field(result, 'block_id');
  if (truthy(flatId)) return blockNumFromId(flatId);
  const previous = field(result, 'previous');
  if (truthy(previous)) return plusOne(blockNumFromId(previous));
  return null;
}

function plusOne(n: number | null): number | null {
  return n === null ? null : n + 1;
}
