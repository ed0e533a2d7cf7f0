import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Limits } from '@jussi/proxy/config/document';
import type { RpcError } from '@jussi/proxy/jsonrpc/errors';
import type { JsonValue } from '@jussi/proxy/jsonrpc/types';
import { checkAccountHistory } from '@jussi/proxy/limits/account-history';
import { batchSizeLimit, checkBatchSize } from '@jussi/proxy/limits/batch-size';
import { checkBroadcast, checkOperations } from '@jussi/proxy/limits/broadcast';
import { checkItemLimits } from '@jussi/proxy/limits/item-limits';
import { urn } from '../routing/urns.js';

const LIMITS: Limits = {
  accountsBlacklist: new Set(['spammer']),
  accountHistoryLimit: 100,
  customJsonOpLength: 8192,
  batchSizeLimit: null,
};

function summary(e: RpcError | null): [number, string] | null {
  return e === null ? null : [e.code, e.message];
}

describe('batch size limit', () => {
  const cases: [number, number, [number, string] | null][] = [
    [1, 50, null],
    [50, 50, null],
    [51, 50, [1600, 'JSONRPC batch size of 51 exceeds 50']],
    [100, 50, [1600, 'JSONRPC batch size of 100 exceeds 50']],
    [3, 2, [1600, 'JSONRPC batch size of 3 exceeds 2']],
  ];
  for (const [size, limit, expected] of cases) {
    it(`${size} items, limit ${limit}`, () => {
      const e = checkBatchSize(size, limit);
      assert.deepEqual(summary(e), expected);
      if (e !== null) assert.match(e.reason ?? '', /at most/);
    });
  }
  it('takes the document limit over the environment one', () => {
    assert.equal(batchSizeLimit(LIMITS, 50), 50);
    assert.equal(batchSizeLimit({ ...LIMITS, batchSizeLimit: 10 }, 50), 10);
  });
});

describe('account history limit', () => {
  const over = (limit: number, mine: number | string): [number, string] => [
    1701,
    `Account History request exceeded limit. The max limit is ${limit}. Your limit is ${mine}`,
  ];
  const cases: { name: string; urn: ReturnType<typeof urn>; limit?: number; expected: [number, string] | null; reason?: RegExp }[] = [
    { name: 'list form at the limit', urn: urn('appbase', 'condenser_api', 'get_account_history', ['a', -1, 100]), expected: null },
    { name: 'list form over the limit', urn: urn('appbase', 'condenser_api', 'get_account_history', ['a', -1, 101]), expected: over(100, 101) },
    { name: 'object form over the limit', urn: urn('appbase', 'account_history_api', 'get_account_history', { account: 'a', start: -1, limit: 1000 }), expected: over(100, 1000) },
    { name: 'object form under the limit', urn: urn('appbase', 'account_history_api', 'get_account_history', { account: 'a', start: -1, limit: 10 }), expected: null },
    { name: 'any namespace', urn: urn('sbds', undefined, 'get_account_history', ['a', -1, 1000]), expected: over(100, 1000) },
    { name: 'message names the configured limit', urn: urn('steemd', 'database_api', 'get_account_history', ['a', -1, 600]), limit: 500, expected: over(500, 600) },
    { name: 'negative counts pass', urn: urn('steemd', 'database_api', 'get_account_history', ['a', -1, -5]), expected: null },
    { name: 'booleans compare as 0 and 1', urn: urn('steemd', 'database_api', 'get_account_history', ['a', -1, true]), expected: null },
    { name: 'other methods are not checked', urn: urn('steemd', 'database_api', 'get_accounts', ['a', -1, 1000]), expected: null },
    { name: 'short list', urn: urn('appbase', 'condenser_api', 'get_account_history', ['a', -1]), expected: [-32603, 'Internal Error'], reason: /got a list of 2/ },
    { name: 'object without limit', urn: urn('appbase', 'account_history_api', 'get_account_history', { account: 'a' }), expected: [-32603, 'Internal Error'], reason: /"limit" is missing/ },
    { name: 'string count', urn: urn('appbase', 'condenser_api', 'get_account_history', ['a', -1, '1000']), expected: [-32603, 'Internal Error'], reason: /not a number/ },
    { name: 'null count', urn: urn('appbase', 'condenser_api', 'get_account_history', ['a', -1, null]), expected: [-32603, 'Internal Error'], reason: /not a number/ },
    { name: 'no params', urn: urn('appbase', 'condenser_api', 'get_account_history'), expected: [-32603, 'Internal Error'], reason: /no params/ },
    { name: 'null params', urn: urn('appbase', 'condenser_api', 'get_account_history', null), expected: [-32603, 'Internal Error'], reason: /null/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = checkAccountHistory(c.urn, { accountHistoryLimit: c.limit ?? 100 });
      assert.deepEqual(summary(e), c.expected);
      if (c.reason !== undefined) assert.match(e?.reason ?? '', c.reason);
    });
  }
});

function customJson(json: string, posting: JsonValue = ['alice']): JsonValue {
  return { required_auths: [], id: 'follow', json, required_posting_auths: posting };
}
const listOp = (body: JsonValue): JsonValue => ['custom_json', body];
const objectOp = (body: JsonValue): JsonValue => ({ type: 'custom_json_operation', value: body });
const trx = (...operations: JsonValue[]): JsonValue => ({ expiration: '2018-04-23T22:40:21', extensions: [], operations });

describe('broadcast custom_json limits', () => {
  const SIZE = [1800, 'Custom JSON operation size limit of 8192 exceeded'] as [number, string];
  const BLACKLIST = [1700, 'Request exceeded limit'] as [number, string];
  const INTERNAL = [-32603, 'Internal Error'] as [number, string];
  const big = 'a'.repeat(8193);
  const exact = 'a'.repeat(8192);
  const emoji2048 = '\u{1F602}'.repeat(2048);
  const emoji2049 = '\u{1F602}'.repeat(2049);

  const cases: { name: string; method?: string; params: JsonValue | undefined; expected: [number, string] | null; reason?: RegExp }[] = [
    { name: 'small list-form op, list params', params: [trx(listOp(customJson('{}')))], expected: null },
    { name: 'exactly 8192 bytes', params: [trx(listOp(customJson(exact)))], expected: null },
    { name: '8193 bytes, list op', params: [trx(listOp(customJson(big)))], expected: SIZE, reason: /8193 UTF-8 bytes/ },
    { name: '8193 bytes, object op (appbase format)', params: [trx(objectOp(customJson(big)))], expected: SIZE },
    { name: '8193 bytes, object params {trx}', params: { trx: trx(listOp(customJson(big))) }, expected: SIZE },
    { name: '8193 bytes, object op in object params', params: { trx: trx(objectOp(customJson(big))) }, expected: SIZE },
    { name: '2048 emoji = 8192 bytes', params: [trx(listOp(customJson(emoji2048)))], expected: null },
    { name: '2049 emoji = 8196 bytes', params: [trx(listOp(customJson(emoji2049)))], expected: SIZE },
    { name: '4097 two-byte characters', params: [trx(listOp(customJson('é'.repeat(4097))))], expected: SIZE },
    { name: 'blacklisted posting account, list op', params: [trx(listOp(customJson('{}', ['bob', 'spammer'])))], expected: BLACKLIST, reason: /"spammer"/ },
    { name: 'blacklisted posting account, object op', params: { trx: trx(objectOp(customJson('{}', ['spammer']))) }, expected: BLACKLIST },
    { name: 'size is checked before accounts', params: [trx(listOp(customJson('{}', ['spammer'])), listOp(customJson(big)))], expected: SIZE },
    { name: 'required_auths are not checked', params: [trx(listOp({ required_auths: ['spammer'], id: 'x', json: '{}', required_posting_auths: [] }))], expected: null },
    { name: 'other operations are ignored', params: [trx(['vote', { voter: 'spammer' }], { type: 'vote_operation', value: { voter: 'spammer' } })], expected: null },
    { name: 'no operations at all', params: [trx()], expected: null },
    { name: 'broadcast_transaction too', method: 'broadcast_transaction', params: [trx(listOp(customJson(big)))], expected: SIZE },
    { name: 'with_callback is not checked', method: 'broadcast_transaction_with_callback', params: [trx(listOp(customJson(big)))], expected: null },
    { name: 'other methods are not checked', method: 'get_block', params: [trx(listOp(customJson(big)))], expected: null },
    { name: 'no params', params: undefined, expected: INTERNAL, reason: /broadcast params must be/ },
    { name: 'empty list params', params: [], expected: INTERNAL, reason: /transaction is missing/ },
    { name: 'object params without trx', params: { tx: trx() }, expected: INTERNAL, reason: /transaction is missing/ },
    { name: 'transaction without operations', params: [{}], expected: INTERNAL, reason: /"operations" is missing/ },
    { name: 'operation of another shape', params: [trx(42)], expected: INTERNAL, reason: /operation 0 is not/ },
    { name: 'custom_json without a body', params: [trx(['custom_json'])], expected: INTERNAL, reason: /no \{\.\.\.\} body/ },
    { name: 'custom_json without a json string', params: [trx(listOp({ required_posting_auths: [] }))], expected: INTERNAL, reason: /no "json" string/ },
    { name: 'custom_json without posting auths', params: [trx(listOp({ json: '{}' }))], expected: INTERNAL, reason: /required_posting_auths/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const u = c.params === undefined ? urn('appbase', 'condenser_api', c.method ?? 'broadcast_transaction_synchronous') : urn('appbase', 'condenser_api', c.method ?? 'broadcast_transaction_synchronous', c.params);
      const e = checkBroadcast(u, LIMITS);
      assert.deepEqual(summary(e), c.expected);
      if (c.reason !== undefined) assert.match(e?.reason ?? '', c.reason);
    });
  }

  it('applies the configured custom_json size limit', () => {
    const e = checkOperations([listOp(customJson('x'.repeat(101)))], { customJsonOpLength: 100, accountsBlacklist: new Set() });
    assert.deepEqual(summary(e), [1800, 'Custom JSON operation size limit of 100 exceeded']);
    assert.equal(checkOperations([listOp(customJson('x'.repeat(100)))], { customJsonOpLength: 100, accountsBlacklist: new Set() }), null);
  });

  it('checks any namespace and api (jussi keys on the method only)', () => {
    const e = checkBroadcast(urn('sbds', undefined, 'broadcast_transaction', [trx(listOp(customJson(big)))]), LIMITS);
    assert.equal(e?.code, 1800);
  });

  it('never throws on arbitrary params', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        for (const params of [a, [a], { trx: a }, [{ operations: a }], [{ operations: [a, ['custom_json', b], { type: 'custom_json_operation', value: b }] }]]) {
          const u = urn('appbase', 'condenser_api', 'broadcast_transaction', params as JsonValue);
          const e = checkItemLimits(u, LIMITS);
          assert.ok(e === null || [1700, 1800, -32603].includes(e.code));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('item limits', () => {
  it('run broadcast checks and the account history check', () => {
    assert.equal(checkItemLimits(urn('appbase', 'condenser_api', 'get_account_history', ['a', -1, 101]), LIMITS)?.code, 1701);
    assert.equal(checkItemLimits(urn('appbase', 'condenser_api', 'broadcast_transaction', [trx(listOp(customJson('{}', ['spammer'])))]), LIMITS)?.code, 1700);
    assert.equal(checkItemLimits(urn('appbase', 'condenser_api', 'get_block', [1]), LIMITS), null);
  });
});
