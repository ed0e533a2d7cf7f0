import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonValue } from '@jussi/proxy/jsonrpc/types';
import {
  blockNumFromAnswer,
  blockNumFromId,
  cachedGetBlockMatches,
  getBlockRequestFromKey,
  isGetDynamicGlobalPropertiesRequest,
  isValidAnswer,
  isValidNonErrorAnswer,
  requestedBlockNum,
} from '@jussi/proxy/cache/answer-validation';

const id1000 = '000003e8b922f4906a45af8e99d86b3511acd7a5';

describe('answer shape (jussi validators)', () => {
  const table: [string, unknown, boolean, boolean][] = [
    // name, answer, isValidAnswer, isValidNonErrorAnswer
    ['result', { id: 1, jsonrpc: '2.0', result: 1 }, true, true],
    ['result null', { id: 1, result: null }, true, true],
    ['error', { id: 1, jsonrpc: '2.0', error: {} }, true, false],
    ['both', { id: 1, result: 1, error: {} }, false, false],
    ['neither', { id: 1, jsonrpc: '2.0' }, false, false],
    ['extra member', { id: 1, result: 1, x: 1 }, false, false],
    ['array', [{ id: 1, result: 1 }], false, false],
    ['string', 'x', false, false],
    ['null', null, false, false],
    ['bytes', new Uint8Array(0), false, false],
  ];
  for (const [name, answer, valid, nonError] of table) {
    it(name, () => {
      assert.equal(isValidAnswer(answer), valid);
      assert.equal(isValidNonErrorAnswer(answer), nonError);
    });
  }
});

describe('block numbers', () => {
  it('blockNumFromId: first 8 hex digits', () => {
    assert.equal(blockNumFromId(id1000), 1000);
    assert.equal(blockNumFromId('0000000A'), 10);
    assert.equal(blockNumFromId('00000'), 0);
    assert.equal(blockNumFromId('zzzzzzzz'), null);
    assert.equal(blockNumFromId(''), null);
    assert.equal(blockNumFromId(1000), null);
  });

  it('requestedBlockNum: params[0] or params.block_num, as Python int()', () => {
    const table: [JsonValue | undefined, number | null][] = [
      [[1000], 1000],
      [['1000'], 1000],
      [[' 12 '], 12],
      [[1000.9], 1000],
      [[true], 1],
      [[], null],
      [['abc'], null],
      [[null], null],
      [{ block_num: 23 }, 23],
      [{ other: 23 }, null],
      [null, null],
      [undefined, null],
      ['1000', null],
    ];
    for (const [params, expected] of table) assert.equal(requestedBlockNum(params), expected, JSON.stringify(params));
  });

  it('blockNumFromAnswer: jussi order of fields', () => {
    const table: [unknown, number | null][] = [
      [{ result: { block: { block_id: id1000 } } }, 1000],
      [{ result: { header: { previous: id1000 } } }, 1001],
      [{ result: { block_id: id1000 } }, 1000],
      [{ result: { previous: id1000 } }, 1001],
      [{ result: { block: { block_id: id1000 }, block_id: '00000001' } }, 1000],
      [{ result: { block_id: '', previous: id1000 } }, 1001],
      [{ result: { foo: 1 } }, null],
      [{ result: null }, null],
      [{ result: [1] }, null],
      [{}, null],
      [null, null],
      [{ result: { block_id: 'zzzzzzzz' } }, null],
    ];
    for (const [answer, expected] of table) assert.equal(blockNumFromAnswer(answer), expected, JSON.stringify(answer));
  });
});

describe('get_block checks on the read side', () => {
  it('getBlockRequestFromKey reads the URN string', () => {
    const table: [string, { requested: number | null } | undefined][] = [
      ['steemd.database_api.get_block.params=[1000]', { requested: 1000 }],
      ['appbase.condenser_api.get_block.params=[1000]', { requested: 1000 }],
      ['appbase.block_api.get_block.params={"block_num":23}', { requested: 23 }],
      ['steemd.get_block.params=[7]', { requested: 7 }],
      ['steemd.database_api.get_block', { requested: null }],
      ['steemd.database_api.get_block.params=null', { requested: null }],
      ['steemd.params=.get_block.params=[5]', { requested: 5 }],
      ['steemd.database_api.get_block_header.params=[1000]', undefined],
      ['hive.database_api.get_block.params=[1000]', undefined],
      ['steemd.database_api.get_accounts.params=[["get_block"]]', undefined],
      ['appbase.condenser_api.get_content.params=["a","get_block"]', undefined],
    ];
    for (const [key, expected] of table) assert.deepEqual(getBlockRequestFromKey(key), expected, key);
  });

  it('cachedGetBlockMatches parses only get_block results', () => {
    const urn = { namespace: 'steemd', method: 'get_block', params: [1000] as JsonValue };
    assert.equal(cachedGetBlockMatches(urn, JSON.stringify({ block_id: id1000 })), true);
    assert.equal(cachedGetBlockMatches(urn, JSON.stringify({ block_id: '000003e9' })), false);
    assert.equal(cachedGetBlockMatches(urn, 'null'), false);
    assert.equal(cachedGetBlockMatches(urn, 'not json'), false);
    assert.equal(cachedGetBlockMatches({ namespace: 'appbase', method: 'get_accounts', params: [] }, 'not json either'), true);
  });

  it('get_dynamic_global_properties of steemd/appbase, any api', () => {
    assert.equal(isGetDynamicGlobalPropertiesRequest({ namespace: 'appbase', method: 'get_dynamic_global_properties', params: [] }), true);
    assert.equal(isGetDynamicGlobalPropertiesRequest({ namespace: 'steemd', method: 'get_dynamic_global_properties', params: undefined }), true);
    assert.equal(isGetDynamicGlobalPropertiesRequest({ namespace: 'hive', method: 'get_dynamic_global_properties', params: [] }), false);
  });
});
