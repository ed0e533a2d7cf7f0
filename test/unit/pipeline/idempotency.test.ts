import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIdempotent } from '@jussi/proxy/pipeline/idempotency';
import { parseUrn } from '@jussi/proxy/jsonrpc/urn';
import type { JsonValue } from '@jussi/proxy/jsonrpc/types';

function urnOf(method: string, params?: JsonValue) {
  const r = parseUrn({ request: params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params } });
  assert.ok(r.ok);
  return r.urn;
}

describe('idempotency (ARCHITECTURE item 13)', () => {
  const table: [string, JsonValue | undefined, boolean][] = [
    ['get_block', [1], true],
    ['condenser_api.get_accounts', [['a']], true],
    ['condenser_api.broadcast_transaction', [{}], false],
    ['condenser_api.broadcast_transaction_synchronous', [{}], false],
    ['network_broadcast_api.broadcast_transaction', {}, false],
    ['call', ['network_broadcast_api', 'broadcast_transaction', [{}]], false],
    ['chain_api.push_transaction', {}, false],
    ['chain_api.push_block', {}, false],
    ['condenser_api.broadcast_block', [{}], false],
    ['hive.db_head_state', undefined, true],
  ];
  for (const [method, params, expected] of table) {
    it(`${method} ${expected ? 'may' : 'may not'} be retried or merged`, () => {
      assert.equal(isIdempotent(urnOf(method, params)), expected);
    });
  }
});
