// Global limits are operator settings (Helm values, OPERATOR_LIMITS_* variables), not custom
// resources: they become the document's `limits` block.

import type { RawLimits } from '@jussi/proxy/config/document';

export interface OperatorLimits {
  /** OPERATOR_LIMITS_BATCH_SIZE: largest JSON-RPC batch. */
  readonly batchSizeLimit: number;
  /** OPERATOR_LIMITS_ACCOUNT_HISTORY: largest get_account_history count. */
  readonly accountHistoryLimit: number;
  /** OPERATOR_LIMITS_CUSTOM_JSON_OP_LENGTH: largest custom_json `json`, UTF-8 bytes. */
  readonly customJsonOpLength: number;
  /** OPERATOR_LIMITS_ACCOUNTS_BLACKLIST: posting accounts whose broadcasts are refused. */
  readonly accountsBlacklist: readonly string[];
}

/** jussi's defaults. */
export const DEFAULT_OPERATOR_LIMITS: OperatorLimits = {
  batchSizeLimit: 50,
  accountHistoryLimit: 100,
  customJsonOpLength: 8192,
  accountsBlacklist: [],
};

export function toRawLimits(limits: OperatorLimits): RawLimits {
  // Sorted and de-duplicated, so the order of a comma list in the settings changes nothing.
  const blacklist = [...new Set(limits.accountsBlacklist)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    accounts_blacklist: blacklist,
    account_history_limit: limits.accountHistoryLimit,
    custom_json_op_length: limits.customJsonOpLength,
    jsonrpc_batch_size_limit: limits.batchSizeLimit,
  };
}
