// Which calls may be retried on another URL or merged with an identical call in flight: reads.
// Anything that broadcasts or pushes to the chain is sent exactly once (ARCHITECTURE item 13).

import type { Urn } from '../jsonrpc/types.js';

const WRITE_APIS = new Set(['network_broadcast_api']);
const WRITE_METHODS = new Set(['push_block', 'push_transaction', 'broadcast_block']);

export function isIdempotent(urn: Urn): boolean {
  if (urn.api !== undefined && WRITE_APIS.has(urn.api)) return false;
  if (urn.method.startsWith('broadcast_')) return false;
  return !WRITE_METHODS.has(urn.method);
}
