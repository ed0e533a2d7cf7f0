// custom_json limits on broadcasts (jussi `limit_broadcast_transaction_request`): for
// `broadcast_transaction` and `broadcast_transaction_synchronous` of any namespace and api, each
// custom_json operation's `json` must fit the size limit in UTF-8 bytes (1800), and none may
// be signed by a blacklisted posting account (1700). Both operation formats are understood
// (ARCHITECTURE item 11): `["custom_json", {...}]` and `{"type": "custom_json_operation",
// "value": {...}}`. A transaction that cannot be read is an InternalError (-32603) as in jussi.

import type { Limits } from '../config/document.js';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import type { JsonObject, JsonValue, Urn } from '../jsonrpc/types.js';

const BROADCAST_METHODS: ReadonlySet<string> = new Set(['broadcast_transaction', 'broadcast_transaction_synchronous']);
const TRX_EXPECTED = 'broadcast params must be [transaction] or {"trx": transaction}, the transaction an object with an "operations" list';
const OP_EXPECTED = 'each operation must be [name, {...}] or {"type": name, "value": {...}}';

export function isBroadcastTransaction(urn: Urn): boolean {
  return BROADCAST_METHODS.has(urn.method);
}

type Found<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RpcError };

function internal(reason: string): { ok: false; error: RpcError } {
  return { ok: false, error: rpcError('InternalError', {}, reason) };
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function transactionOf(params: JsonValue | undefined): Found<JsonObject> {
  let trx: JsonValue | undefined;
  if (Array.isArray(params)) trx = params[0];
  else if (isObject(params)) trx = params['trx'];
  if (!isObject(trx)) return internal(`${TRX_EXPECTED}; the transaction is missing or not an object`);
  return { ok: true, value: trx };
}

/** The custom_json operation bodies of an operations list, in order. */
function customJsonOps(operations: JsonValue | undefined): Found<JsonObject[]> {
  if (!Array.isArray(operations)) return internal(`${TRX_EXPECTED}; "operations" is missing or not a list`);
  const out: JsonObject[] = [];
  for (let i = 0; i < operations.length; i += 1) {
    const op = operations[i];
    let name: JsonValue | undefined;
    let body: JsonValue | undefined;
    if (Array.isArray(op)) {
      name = op[0];
      body = op[1];
    } else if (isObject(op)) {
      name = op['type'];
      body = op['value'];
    }
    if (typeof name !== 'string') return internal(`${OP_EXPECTED}; operation ${i} is not`);
    if (name !== 'custom_json' && name !== 'custom_json_operation') continue;
    if (!isObject(body)) return internal(`${OP_EXPECTED}; custom_json operation ${i} has no {...} body`);
    out.push(body);
  }
  return { ok: true, value: out };
}

export function checkBroadcast(urn: Urn, limits: Pick<Limits, 'customJsonOpLength' | 'accountsBlacklist'>): RpcError | null {
  if (!isBroadcastTransaction(urn)) return null;
  const trx = transactionOf(urn.params);
  if (!trx.ok) return trx.error;
  return checkOperations(trx.value['operations'], limits);
}

/**
 * The custom_json checks on a transaction's `operations` list, in jussi's order: every size
 * first, then the posting accounts.
 */
export function checkOperations(
  operations: JsonValue | undefined,
  limits: Pick<Limits, 'customJsonOpLength' | 'accountsBlacklist'>,
): RpcError | null {
  const found = customJsonOps(operations);
  if (!found.ok) return found.error;
  const ops = found.value;
  const sizeLimit = limits.customJsonOpLength;
  for (let i = 0; i < ops.length; i += 1) {
    const json = (ops[i] as JsonObject)['json'];
    if (typeof json !== 'string') return rpcError('InternalError', {}, `custom_json operation ${i} has no "json" string`);
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: short texts need no counting.
    if (json.length * 3 <= sizeLimit) continue;
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > sizeLimit) {
      return rpcError(
        'CustomJsonOpLength',
        { size_limit: sizeLimit },
        `custom_json operation ${i} "json" is ${bytes} UTF-8 bytes; the limit is ${sizeLimit}`,
      );
    }
  }
  const blacklist = limits.accountsBlacklist;
  for (let i = 0; i < ops.length; i += 1) {
    const auths = (ops[i] as JsonObject)['required_posting_auths'];
    if (!Array.isArray(auths)) return rpcError('InternalError', {}, `custom_json operation ${i} has no "required_posting_auths" list`);
    if (blacklist.size === 0) continue;
    for (const account of auths) {
      if (typeof account === 'string' && blacklist.has(account)) {
        return rpcError('Limits', {}, `custom_json operation ${i} is signed by posting account "${account}", which this proxy does not accept`);
      }
    }
  }
  return null;
}
