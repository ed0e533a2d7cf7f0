import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { arrayElements, objectMembers, scanValue, stringEnd, valueEnd } from '@jussi/proxy/jsonrpc/json-scan';
import { compareCodePoints, pythonFloat, pythonNumber, ujsonString, ujsonText } from '@jussi/proxy/jsonrpc/ujson';
import { repoRoot } from '../../support/repo.js';

interface FixtureCase {
  readonly text: string;
  readonly client_order: string;
  readonly urn: string;
}

const fixture = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'unit', 'jsonrpc', 'fixtures', 'ujson-python.json'), 'utf8'),
) as { cases: FixtureCase[] };

describe('Python float spelling (repr)', () => {
  // [number token, Python repr of float(token)] — expected values printed by Python 3.11.
  const table: Array<[string, string]> = [
    ['1.0', '1.0'],
    ['-1.0', '-1.0'],
    ['1.5', '1.5'],
    ['0.1', '0.1'],
    ['0.30000000000000004', '0.30000000000000004'],
    ['1e16', '1e+16'],
    ['1E16', '1e+16'],
    ['1e15', '1000000000000000.0'],
    ['9999999999999998.0', '9999999999999998.0'],
    ['12345678901234567.0', '1.2345678901234568e+16'],
    ['1.5e-7', '1.5e-07'],
    ['1e-5', '1e-05'],
    ['0.0001', '0.0001'],
    ['0.00012345', '0.00012345'],
    ['9.999999999999999e-05', '9.999999999999999e-05'],
    ['123.456', '123.456'],
    ['-0.0', '-0.0'],
    ['0.0', '0.0'],
    ['0e10', '0.0'],
    ['5e-324', '5e-324'],
    ['1.7976931348623157e308', '1.7976931348623157e+308'],
    ['2.5e-308', '2.5e-308'],
    ['1e22', '1e+22'],
    ['1e21', '1e+21'],
    ['1e100', '1e+100'],
    ['3.14159e-10', '3.14159e-10'],
    ['100.00', '100.0'],
    ['1e2', '100.0'],
    ['1e-400', '0.0'],
  ];
  for (const [token, repr] of table) {
    it(`${token} -> ${repr}`, () => assert.equal(pythonNumber(token), repr));
  }

  it('integers stay exact, -0 is 0', () => {
    for (const [token, text] of [
      ['0', '0'],
      ['-0', '0'],
      ['-12', '-12'],
      ['9007199254740993', '9007199254740993'],
      ['123456789012345678901234567890', '123456789012345678901234567890'],
    ]) {
      assert.equal(pythonNumber(token as string), text);
    }
  });

  it('keeps the output JSON for values Python could not write', () => {
    assert.equal(pythonFloat(Number.POSITIVE_INFINITY), 'null');
    assert.equal(pythonFloat(Number.NaN), 'null');
  });
});

describe('ujson strings', () => {
  const table: Array<[string, string]> = [
    ['a/b', '"a\\/b"'],
    ['又遲到 了分', '"又遲到 了分"'],
    ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['"\\', '"\\"\\\\"'],
    ['\u2028\u2029\u007f', '"\u2028\u2029\u007f"'],
    ['😀', '"😀"'],
    ['<>&', '"<>&"'],
  ];
  for (const [value, text] of table) it(`${JSON.stringify(value)} -> ${text}`, () => assert.equal(ujsonString(value), text));
});

describe('code-point order (Python str order)', () => {
  it('sorts supplementary characters after U+E000..U+FFFF, unlike UTF-16 order', () => {
    const keys = ['😀', '\uffff', '\ue000', 'b', '10', '9', 'B', ''];
    assert.deepEqual([...keys].sort(compareCodePoints), ['', '10', '9', 'B', 'b', '\ue000', '\uffff', '😀']);
    assert.ok(compareCodePoints('a', 'ab') < 0);
    assert.equal(compareCodePoints('same', 'same'), 0);
  });
});

describe(`differential vectors from Python (${fixture.cases.length} random texts)`, () => {
  it('raw text -> client-order text and URN text', () => {
    const failures: string[] = [];
    for (const c of fixture.cases) {
      const value = JSON.parse(c.text) as Parameters<typeof ujsonText>[0]['value'];
      const raw = { value, raw: c.text };
      const order = ujsonText(raw, false);
      const urn = ujsonText({ value, raw: c.text }, true);
      if (order !== c.client_order || urn !== c.urn) failures.push(`${JSON.stringify(c.text)}: ${order} / ${urn}`);
      const scan = scanValue(c.text, 0);
      if (scan.plain) {
        // The fast path (from the value) must agree whenever the scan says it may be taken.
        const fromValue = ujsonText({ value, raw: undefined }, false);
        const fromValueSorted = ujsonText({ value, raw: undefined }, true);
        if (fromValue !== c.client_order || fromValueSorted !== c.urn) failures.push(`plain ${JSON.stringify(c.text)}: ${fromValue}`);
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });

  it('both paths are exercised by the vectors', () => {
    const plain = fixture.cases.filter((c) => scanValue(c.text, 0).plain).length;
    assert.ok(plain > 50 && plain < fixture.cases.length - 50, `plain ${plain}`);
  });
});

describe('arrays written as the client spelled them', () => {
  it('keeps the spellings ujson would write and re-spells the others', () => {
    const table: Array<[string, string]> = [
      ['[]', '[]'],
      ['[123]', '[123]'],
      ['[["alice","bob-2"]]', '[["alice","bob-2"]]'],
      ['[true,false,null,0,-7]', '[true,false,null,0,-7]'],
      ['[-0]', '[0]'],
      ['[1.50]', '[1.5]'],
      ['[1e2]', '[100.0]'],
      ['["a/b"]', '["a\\/b"]'],
      ['[ 1]', '[1]'],
      ['[{"b":1,"a":2}]', '[{"b":1,"a":2}]'],
    ];
    for (const [text, expected] of table) {
      const value = JSON.parse(text) as Parameters<typeof ujsonText>[0]['value'];
      assert.equal(ujsonText({ value, raw: text }, true), expected, text);
      assert.equal(ujsonText({ value, raw: text }, false), expected, `${text} in client order`);
    }
  });
});

describe('json-scan', () => {
  it('scanValue reports the end, depth, plainness and finiteness of a value', () => {
    const table: Array<[string, number, number, boolean, boolean]> = [
      ['1', 1, 0, true, true],
      [' "a\\"b" ,', 7, 0, true, true],
      ['[[1],{"a":[2]}]', 15, 3, true, true],
      ['[1.5]', 5, 1, false, true],
      ['[1e999]', 7, 1, false, false],
      ['{"2":1}', 7, 1, false, true],
      ['{"02":1}', 8, 1, true, true],
      ['["2"]', 5, 1, true, true],
      ['{"a\\u0062":1}', 13, 1, false, true],
      ['["a\\u0062"]', 11, 1, true, true],
      ['[-0]', 4, 1, false, true],
      ['[-0.5]', 6, 1, false, true],
      ['[1234567890123456]', 18, 1, false, true],
      ['[-123456789012345]', 18, 1, true, true],
      ['true]', 4, 0, true, true],
    ];
    for (const [text, end, depth, plain, finite] of table) {
      assert.deepEqual(scanValue(text, 0), { end, depth, plain, finite }, text);
    }
  });

  it('valueEnd, stringEnd, objectMembers and arrayElements find spans', () => {
    assert.equal(valueEnd('{"a":"}","b":[1,"]"]} x', 0), 21);
    assert.equal(valueEnd('-12.5e3,', 0), 7);
    assert.equal(stringEnd('"a\\\\"b', 0), 5);
    assert.equal(stringEnd('"a\\"b"', 0), 6);
    const text = '{ "a" : 1 , "b\\u0063" : [2] , "a" : {"x":"}"} }';
    const members = objectMembers(text, 0);
    assert.deepEqual(
      members?.members.map((m) => [m.key, text.slice(m.start, m.end)]),
      [['a', '1'], ['bc', '[2]'], ['a', '{"x":"}"}']],
    );
    assert.equal(members?.end, text.length);
    const array = '[ 1 , "," , [ ] ]';
    assert.deepEqual(arrayElements(array, 0)?.elements.map((e) => array.slice(e.start, e.end)), ['1', '","', '[ ]']);
    assert.deepEqual(arrayElements('[]', 0), { elements: [], end: 2 });
    assert.equal(objectMembers('[1]', 0), undefined);
    assert.equal(arrayElements('{}', 0), undefined);
  });

  it('ends on any text, valid JSON or not, deep or not', () => {
    const texts = ['', '"', '"\\', '{', '{"a"', '{"a":', '{"a":1,', '[1,', '}}}', ']', '{1:2}', '[' .repeat(100_000), '{"a":'.repeat(50_000)];
    for (const text of texts) {
      assert.ok(scanValue(text, 0).end <= text.length);
      assert.ok(valueEnd(text, 0) <= text.length);
      objectMembers(text, 0);
      arrayElements(text, 0);
    }
  });
});
