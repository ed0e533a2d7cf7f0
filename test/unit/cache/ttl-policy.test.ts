import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonValue } from '@jussi/proxy/jsonrpc/types';
import { memoryTtlMs, readsCache, writeDecision, type WriteDecision } from '@jussi/proxy/cache/ttl-policy';

const plain = { namespace: 'appbase', method: 'get_accounts', params: [['alice']] as JsonValue };
const getBlock = (n: JsonValue) => ({ namespace: 'steemd', method: 'get_block', params: [n] as JsonValue });
const appbaseGetBlock = (n: number) => ({ namespace: 'appbase', method: 'get_block', params: { block_num: n } as JsonValue });
const blockId = (n: number) => `${n.toString(16).padStart(8, '0')}b922f4906a45af8e99d86b3511acd7a5`;
const ok = { id: 1, jsonrpc: '2.0', result: { a: 1 } };
const store = (ttlSeconds: number | null): WriteDecision => ({ store: true, ttlSeconds });
const skip = (reason: string): WriteDecision => ({ store: false, reason } as WriteDecision);

describe('readsCache: which rules read the cache', () => {
  const table: [number | null, boolean][] = [
    [3, true],
    [1, true],
    [180, true],
    [0, true],
    [-2, true],
    [-1, false],
    [null, false],
    [-3, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
  ];
  for (const [ttl, expected] of table) {
    it(`ttl ${String(ttl)} → ${expected}`, () => assert.equal(readsCache(ttl), expected));
  }
});

describe('writeDecision: what is written, and for how long', () => {
  const lirb = 1000;
  const table: { name: string; ttl: number | null; urn?: typeof plain; answer: unknown; lirb?: number | null; irreversible?: number; expected: WriteDecision }[] = [
    { name: 'n > 0: n seconds', ttl: 3, answer: ok, expected: store(3) },
    { name: 'large n: n seconds (memory caps it, Redis does not)', ttl: 86400, answer: ok, expected: store(86400) },
    { name: '0: no expiry (deliberate difference 1)', ttl: 0, answer: ok, expected: store(null) },
    { name: '-1: not cached', ttl: -1, answer: ok, expected: skip('not-cached') },
    { name: 'no rule: not cached (deliberate difference 3)', ttl: null, answer: ok, expected: skip('no-rule') },
    { name: 'error answer', ttl: 3, answer: { id: 1, jsonrpc: '2.0', error: { code: 1 } }, expected: skip('invalid-answer') },
    { name: 'result and error', ttl: 3, answer: { id: 1, result: 1, error: {} }, expected: skip('invalid-answer') },
    { name: 'extra member', ttl: 3, answer: { id: 1, jsonrpc: '2.0', result: 1, extra: 1 }, expected: skip('invalid-answer') },
    { name: 'no result', ttl: 3, answer: { id: 1, jsonrpc: '2.0' }, expected: skip('invalid-answer') },
    { name: 'array answer', ttl: 3, answer: [ok], expected: skip('invalid-answer') },
    { name: 'null answer', ttl: 3, answer: null, expected: skip('invalid-answer') },
    { name: 'result null is a valid answer', ttl: 3, answer: { id: 1, result: null }, expected: store(3) },
    { name: 'result without id/jsonrpc', ttl: 3, answer: { result: [] }, expected: store(3) },
    { name: 'get_block matching block', ttl: 3, urn: getBlock(1000), answer: { result: { block_id: blockId(1000) } }, expected: store(3) },
    { name: 'get_block other block', ttl: 3, urn: getBlock(1000), answer: { result: { block_id: blockId(1001) } }, expected: skip('block-mismatch') },
    { name: 'get_block null result (block not produced yet)', ttl: 3, urn: getBlock(1000), answer: { result: null }, expected: skip('block-mismatch') },
    { name: 'get_block string block number', ttl: 3, urn: getBlock('1000'), answer: { result: { block_id: blockId(1000) } }, expected: store(3) },
    { name: 'appbase get_block {block_num}', ttl: 3, urn: appbaseGetBlock(23), answer: { result: { block: { block_id: blockId(23) } } }, expected: store(3) },
    { name: 'appbase get_block empty result', ttl: 3, urn: appbaseGetBlock(23), answer: { result: {} }, expected: skip('block-mismatch') },
    { name: '-2 irreversible block: irreversible TTL (0 = no expiry)', ttl: -2, urn: getBlock(999), answer: { result: { block_id: blockId(999) } }, expected: store(null) },
    { name: '-2 block equal to LIRB is irreversible', ttl: -2, urn: getBlock(1000), answer: { result: { block_id: blockId(1000) } }, expected: store(null) },
    { name: '-2 irreversible with JUSSI_IRREVERSIBLE_TTL=600', ttl: -2, urn: getBlock(10), irreversible: 600, answer: { result: { block_id: blockId(10) } }, expected: store(600) },
    { name: '-2 reversible block', ttl: -2, urn: getBlock(1001), answer: { result: { block_id: blockId(1001) } }, expected: skip('reversible') },
    { name: '-2 LIRB unknown', ttl: -2, urn: getBlock(5), lirb: null, answer: { result: { block_id: blockId(5) } }, expected: skip('lirb-unknown') },
    { name: '-2 answer without block number (e.g. get_dynamic_global_properties)', ttl: -2, answer: { result: { head_block_number: 5 } }, expected: skip('no-block-number') },
    { name: '-2 get_block_header: previous + 1', ttl: -2, urn: { namespace: 'steemd', method: 'get_block_header', params: [1000] }, answer: { result: { previous: blockId(999) } }, expected: store(null) },
    { name: '-2 appbase header: header.previous + 1 above LIRB', ttl: -2, urn: { namespace: 'appbase', method: 'get_block_header', params: { block_num: 1001 } }, answer: { result: { header: { previous: blockId(1000) } } }, expected: skip('reversible') },
    { name: '-2 non-hex block id', ttl: -2, urn: { namespace: 'appbase', method: 'x', params: [] }, answer: { result: { block_id: 'zzzzzzzz' } }, expected: skip('no-block-number') },
    { name: '-2 error answer', ttl: -2, answer: { error: {} }, expected: skip('invalid-answer') },
  ];
  for (const c of table) {
    it(c.name, () => {
      const decision = writeDecision({
        ttl: c.ttl,
        urn: c.urn ?? plain,
        answer: c.answer,
        lastIrreversibleBlockNum: c.lirb === undefined ? lirb : c.lirb,
        irreversibleTtlSeconds: c.irreversible ?? 0,
      });
      assert.deepEqual(decision, c.expected);
    });
  }
});

describe('memoryTtlMs: min(ttl, max); no expiry → max', () => {
  const table: [number | null, number, number][] = [
    [3, 180, 3000],
    [180, 180, 180_000],
    [86400, 180, 180_000],
    [null, 180, 180_000],
    [0.5, 180, 500],
    [10, 5, 5000],
  ];
  for (const [ttl, max, expected] of table) {
    it(`ttl ${String(ttl)}, max ${max} → ${expected} ms`, () => assert.equal(memoryTtlMs(ttl, max), expected));
  }
});
