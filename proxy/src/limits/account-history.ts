// Account history count limit (jussi `limit_account_history_count_request`): any namespace's
// `get_account_history`, after appbase translation. The count is `params[2]` (list form) or
// `params.limit` (object form). A request whose count cannot be read is an InternalError
// (-32603), as in jussi, with a reason saying what was expected.

import type { Limits } from '../config/document.js';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import type { Urn } from '../jsonrpc/types.js';

const EXPECTED = 'get_account_history params must be [account, start, limit] or {"account": ..., "start": ..., "limit": ...} with a numeric limit';

export function checkAccountHistory(urn: Urn, limits: Pick<Limits, 'accountHistoryLimit'>): RpcError | null {
  if (urn.method !== 'get_account_history') return null;
  const params = urn.params;
  let count: unknown;
  if (Array.isArray(params)) {
    if (params.length < 3) return rpcError('InternalError', {}, `${EXPECTED}; got a list of ${params.length}`);
    count = params[2];
  } else if (typeof params === 'object' && params !== null) {
    if (!Object.prototype.hasOwnProperty.call(params, 'limit')) return rpcError('InternalError', {}, `${EXPECTED}; "limit" is missing`);
    count = params['limit'];
  } else {
    return rpcError('InternalError', {}, `${EXPECTED}; got ${params === undefined ? 'no params' : 'null'}`);
  }
  // Python compares booleans as the integers 0 and 1.
  const n = typeof count === 'boolean' ? Number(count) : count;
  if (typeof n !== 'number') return rpcError('InternalError', {}, `${EXPECTED}; the limit is not a number`);
  const limit = limits.accountHistoryLimit;
  if (n <= limit) return null;
  return rpcError('AccountHistoryLimit', { limit, your_limit: n }, `get_account_history may return at most ${limit} entries`);
}
