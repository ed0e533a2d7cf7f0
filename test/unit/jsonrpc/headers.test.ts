import assert from 'node:assert/strict';
import { maxHeaderSize, validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import {
  EMPTY_HEADER_VALUE,
  MAX_REQUEST_ID_LENGTH,
  MAX_URN_HEADER_LENGTH,
  cacheHitHeader,
  cacheHitRoom,
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

describe('x-jussi-cache-hit (issue 12)', () => {
  it('is the key as stored, jussi\'s escapes kept, non-ASCII written \\u', () => {
    const table: Array<[string, string]> = [
      ['appbase.condenser_api.get_state.params=["\\/@layz3r"]', 'appbase.condenser_api.get_state.params=["\\/@layz3r"]'],
      ['namespace.api.method.params={"key":"又遲到 了分"}', 'namespace.api.method.params={"key":"\\u53c8\\u9072\\u5230 \\u4e86\\u5206"}'],
      ['n.m.params=["😀\\n\\\\","\u007f"]', 'n.m.params=["\\ud83d\\ude00\\n\\\\","\\u007f"]'],
      ['steemd.database_api.get_block.params=[1000.0,1e-7,10.5]', 'steemd.database_api.get_block.params=[1000.0,1e-7,10.5]'],
      ['odd\\method.x', 'odd\\method.x'],
    ];
    for (const [key, header] of table) {
      const value = cacheHitHeader(key);
      assert.equal(value, header);
      assert.doesNotThrow(() => validateHeaderValue('x-jussi-cache-hit', value));
    }
  });

  it('is never cut at 1,024 characters; only beyond the room it is given, never inside an escape', () => {
    const long = `a.b.params=["${'x'.repeat(5000)}"]`;
    assert.equal(cacheHitHeader(long), long);
    assert.equal(cacheHitHeader(long, 100), `${long.slice(0, 97)}...`);
    for (let pad = 0; pad < 8; pad += 1) {
      const value = cacheHitHeader(`a.b.params=["${'a'.repeat(pad)}${'é'.repeat(100)}"]`, 60);
      assert.equal(value.length <= 60, true);
      assert.doesNotMatch(value.slice(0, -3), /\\(u[0-9a-f]{0,3})?$/);
    }
  });

  it('gets the room the server\'s header limit leaves after the other headers', () => {
    const headers = { 'x-jussi-namespace': 'appbase', 'x-jussi-params': 'p'.repeat(1000) };
    const room = cacheHitRoom(headers, 200);
    assert.ok(room < maxHeaderSize - 1200 && room > maxHeaderSize - 2000, `${room}`);
    assert.equal(cacheHitRoom({ big: 'x'.repeat(maxHeaderSize) }, 0), 3, 'never less than room for "..."');
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
