// Batch size limit (jussi `check_limits`): more items than the limit rejects the whole batch,
// since the batch cannot be taken on at all (ARCHITECTURE item 4).

import type { Limits } from '../config/document.js';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';

/** The config document's limit when it sets one, else JUSSI_JSONRPC_BATCH_SIZE_LIMIT. */
export function batchSizeLimit(limits: Limits, settingsLimit: number): number {
  return limits.batchSizeLimit ?? settingsLimit;
}

/** BatchSize (1600) when a batch of `size` items exceeds `limit`; 50 is allowed at 50, 51 is not. */
export function checkBatchSize(size: number, limit: number): RpcError | null {
  if (size <= limit) return null;
  return rpcError(
    'BatchSize',
    { jrpc_batch_size: size, jrpc_batch_size_limit: limit },
    `a batch may hold at most ${limit} requests; split it into smaller batches`,
  );
}
