import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import {
  EMPTY_HEADER_VALUE,
  MAX_REQUEST_ID_LENGTH,
  MAX_URN_HEADER_LENGTH,
  generateRequestId,
  headerText,
  paramsHeader,
  requestIdFrom,
  urnHeaders,
} from '@jussi/proxy/jsonrpc/headers';
import { buildUrn } from '@jussi/proxy/jsonrpc/urn';

function assertHeaderValue(value: string): void {
  assert.doesNotThrow(() => validateHeaderValue('x-test', value), JSON.stringify(value));
  assert.match(value, /^[\x20-\x7e]*$/);
  assert.ok(value.length <= MAX_URN_HEADER_LENGTH, `${value.length}`);
}

describe('x-jussi-* URN headers (reference §12, ARCHITECTURE item 8)', () => {
  it('renders absent api and params as <Empty>', () => {
    assert.deepEqual(urnHeaders(buildUrn({ namespace: 'steemd', api: undefined, method: 'get_block' })), {
      'x-jussi-namespace': 'steemd',
      'x-jussi-api': EMPTY_HEADER_VALUE,
      'x-jussi-method': 'get_block',
      'x-jussi-params': EMPTY_HEADER_VALUE,
    });
    assert.deepEqual(urnHeaders(buildUrn({ namespace: 'steemd', api: 'database_api', method: 'get_block', params: [1000] })), {
      'x-jussi-namespace': 'steemd',
      'x-jussi-api': 'database_api',
      'x-jussi-method': 'get_block',
      'x-jussi-params': '[1000]',
    });
  });

  // [URN params text, x-jussi-params]
  const table: Array<[string, string]> = [
    ['[]', '[]'],
    ['null', 'null'],
    ['{"a":[],"f":1,"z":"val1"}', '{"a":[],"f":1,"z":"val1"}'],
    ['["\\/@justinw\\/transfers"]', '["/@justinw/transfers"]'],
    ['{"key":"又遲到 了分"}', '{"key":"\\u53c8\\u9072\\u5230 \\u4e86\\u5206"}'],
    ['["😀"]', '["\\ud83d\\ude00"]'],
    ['["\u2028\u007f"]', '["\\u2028\\u007f"]'],
    ['["\\n\\r\\t\\u0001\\"\\\\"]', '["\\n\\r\\t\\u0001\\"\\\\"]'],
    ['["\\\\/"]', '["\\\\/"]'],
    ['[1.0,1e+16]', '[1.0,1e+16]'],
  ];
  for (const [paramsText, header] of table) {
    it(`${paramsText} -> ${header}`, () => {
      const value = paramsHeader(paramsText);
      assert.equal(value, header);
      assertHeaderValue(value);
      assert.deepEqual(JSON.parse(value), JSON.parse(paramsText));
    });
  }

  it(`cuts long params to ${MAX_URN_HEADER_LENGTH} characters ending in ...`, () => {
    const long = `[${Array.from({ length: 500 }, (_, i) => `"account-${i}"`).join(',')}]`;
    const value = paramsHeader(long);
    assert.equal(value.length, MAX_URN_HEADER_LENGTH);
    assert.ok(value.endsWith('...'));
    assert.ok(long.startsWith(value.slice(0, -3)));
    assertHeaderValue(value);
  });

  it('never cuts inside an escape', () => {
    for (let pad = 0; pad < 8; pad += 1) {
      const value = paramsHeader(`["${'a'.repeat(pad)}${'é'.repeat(400)}"]`);
      assert.ok(value.endsWith('...'));
      assert.doesNotMatch(value.slice(0, -3), /\\(u[0-9a-f]{0,3})?$/);
      assertHeaderValue(value);
    }
    const slashes = paramsHeader(`["${'\\/'.repeat(2000)}"]`);
    assert.equal(slashes, `["${'/'.repeat(MAX_URN_HEADER_LENGTH - 5)}...`);
  });

  it('escapes what a client puts in the method or namespace', () => {
    const cases: Array<[string, string]> = [
      ['get_block', 'get_block'],
      ['get\r\nblock', 'get\\u000d\\u000ablock'],
      ['a\\b', 'a\\\\b'],
      ['é\u0000', '\\u00e9\\u0000'],
      ['x'.repeat(2000), `${'x'.repeat(MAX_URN_HEADER_LENGTH - 3)}...`],
    ];
    for (const [raw, header] of cases) {
      const value = headerText(raw);
      assert.equal(value, header);
      assertHeaderValue(value);
    }
    const headers = urnHeaders(buildUrn({ namespace: 'ns\n', api: 'a\u0000pi', method: 'm\u2028', params: ['\r'] }));
    for (const value of Object.values(headers)) assertHeaderValue(value);
  });
});

describe('request id (ARCHITECTURE item 7)', () => {
  it('keeps a reasonable client value', () => {
    for (const v of ['123', 'abc-DEF_0.1:2/3', 'x'.repeat(MAX_REQUEST_ID_LENGTH), '1-2-3-4']) assert.equal(requestIdFrom(v), v);
    assert.equal(requestIdFrom(['first', 'second']), 'first');
  });

  it('generates one in jussi\'s form otherwise', () => {
    const refused: Array<string | undefined | string[]> = [
      undefined,
      '',
      ' ',
      'a b',
      'x'.repeat(MAX_REQUEST_ID_LENGTH + 1),
      'é',
      'a\r\nb',
      '\u0000',
      [],
    ];
    for (const v of refused) {
      const id = requestIdFrom(v);
      assert.match(id, /^\d{18}$/, JSON.stringify(v));
      assert.ok(Number(id) < 2 ** 50);
    }
  });

  it('generated ids are 50-bit random numbers written %018d', () => {
    const ids = Array.from({ length: 200 }, generateRequestId);
    assert.ok(ids.every((id) => /^\d{18}$/.test(id) && Number(id) < 2 ** 50));
    assert.ok(new Set(ids).size > 195);
    assert.ok(ids.some((id) => Number(id) > 2 ** 49));
  });
});
