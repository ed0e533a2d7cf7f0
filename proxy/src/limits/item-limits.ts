// The per-item limits in jussi's order: broadcast checks (check_limits), then the account
// history count (account_history_limit). Applied to the final URN, i.e. after translation.

import type { Limits } from '../config/document.js';
import type { RpcError } from '../jsonrpc/errors.js';
import type { Urn } from '../jsonrpc/types.js';
import { checkAccountHistory } from './account-history.js';
import { checkBroadcast } from './broadcast.js';

export function checkItemLimits(urn: Urn, limits: Limits): RpcError | null {
  return checkBroadcast(urn, limits) ?? checkAccountHistory(urn, limits);
}
