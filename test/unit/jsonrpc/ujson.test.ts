import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { arrayElements, objectMembers, scanValue, stringEnd, valueEnd } from '@jussi/proxy/jsonrpc/json-scan';
import fc from 'fast-check';
import { compareCodePoints, ujsonFloat, ujsonNumber, ujsonString, ujsonText } from '@jussi/proxy/jsonrpc/ujson';
import { repoRoot } from '../../support/repo.js';

interface FixtureCase {
  readonly text: string;
  readonly client_order: string;
  readonly urn: string;
}

const fixture = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'unit', 'jsonrpc', 'fixtures', 'ujson-python.json'), 'utf8'),
) as { cases: FixtureCase[] };

const floats = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'unit', 'jsonrpc', 'fixtures', 'ujson-floats.json'), 'utf8'),
) as { generated_by: string; cases: Array<[string, string]> };

describe('float spelling (ujson 5: double-conversion ToShortest as ultrajson configures it)', () => {
  // [number token, ujson.dumps(ujson.loads(token))] — printed by ujson 5.7.0.
  const table: Array<[string, string]> = [
    // The side-by-side run against jussi (issue 12): [1E3,1e-7,10.50] -> [1000.0,1e-7,10.5].
    ['1E3', '1000.0'],
    ['1e-7', '1e-7'],
    ['10.50', '10.5'],
    ['1e-5', '1e-5'],
    ['1e+25', '1e+25'],
    ['1.5e+300', '1.5e+300'],
    ['5e-324', '5e-324'],
    ['1e-6', '1e-6'],
    ['1.0', '1.0'],
    ['-1.0', '-1.0'],
    ['0.1', '0.1'],
    ['0.30000000000000004', '0.30000000000000004'],
    ['1e16', '1e+16'],
    ['1E16', '1e+16'],
    ['1e15', '1000000000000000.0'],
    ['9999999999999998.0', '9999999999999998.0'],
    ['12345678901234567.0', '1.2345678901234568e+16'],
    ['1.5e-7', '1.5e-7'],
    ['1e-05', '1e-5'],
    ['0.0001', '0.0001'],
    ['0.00012345', '0.00012345'],
    ['9.999999999999999e-05', '9.999999999999999e-5'],
    ['123.456', '123.456'],
    ['-0.0', '-0.0'],
    ['0.0', '0.0'],
    ['0e10', '0.0'],
    ['1.7976931348623157e308', '1.7976931348623157e+308'],
    ['2.5e-308', '2.5e-308'],
    ['1e22', '1e+22'],
    ['1e100', '1e+100'],
    ['3.14159e-10', '3.14159e-10'],
    ['100.00', '100.0'],
    ['1e2', '100.0'],
    ['1e-400', '0.0'],
  ];
  for (const [token, spelled] of table) {
    it(`${token} -> ${spelled}`, () => assert.equal(ujsonNumber(token), spelled));
  }

  it(`agrees with ujson on ${floats.cases.length} tokens (${floats.generated_by})`, () => {
    const failures = floats.cases.filter(([token, spelled]) => ujsonNumber(token) !== spelled);
    assert.deepEqual(failures.slice(0, 10).map(([token, spelled]) => `${token}: ${ujsonNumber(token)}, ujson ${spelled}`), []);
  });

  it('integers stay exact, -0 is 0', () => {
    for (const [token, text] of [
      ['0', '0'],
      ['-0', '0'],
      ['-12', '-12'],
      ['9007199254740993', '9007199254740993'],
      ['123456789012345678', '123456789012345678'],
      ['123456789012345678901234567890', '123456789012345678901234567890'],
    ]) {
      assert.equal(ujsonNumber(token as string), text);
    }
  });

  it('keeps the output JSON for values Python could not write', () => {
    assert.equal(ujsonFloat(Number.POSITIVE_INFINITY), 'null');
    assert.equal(ujsonFloat(Number.NaN), 'null');
  });

  it('the params of the side-by-side run: upstream text and URN text', () => {
    for (const [raw, spelled] of [
      ['[1E3,1e-7,10.50]', '[1000.0,1e-7,10.5]'],
      ['[1e-5,1e+25,1.5e+300,5e-324,1e-6,123456789012345678]', '[1e-5,1e+25,1.5e+300,5e-324,1e-6,123456789012345678]'],
    ] as const) {
      const value = JSON.parse(raw) as Parameters<typeof ujsonText>[0]['value'];
      assert.equal(ujsonText({ value, raw }, false), spelled);
      assert.equal(ujsonText({ value, raw }, true), spelled);
    }
  });
});

/** x as an exact fraction num / den of BigInts (x finite and positive). */
function exactFraction(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return exponent >= 0 ? { num: mantissa << BigInt(exponent), den: 1n } : { num: mantissa, den: 1n << BigInt(-exponent) };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/**
 * An independent model of double-conversion's ToShortest under ultrajson's flags, written from
 * its description rather than from ujsonFloat (which reads V8's digits): exact arithmetic finds,
 * for the fewest significant digits p that can read back as x, the p-digit decimal nearest to x
 * that reads back (a tie goes to the even digit, as double-conversion's bignum path does); then
 * CreateDecimalRepresentation / CreateExponentialRepresentation place the point.
 */
function modelToShortest(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const v = Math.abs(x);
  const { num, den } = exactFraction(v);
  // k: 10^k <= v < 10^(k+1), found exactly.
  let k = Math.floor(Math.log10(v));
  const atLeast = (e: number) => (e >= 0 ? num >= pow10(e) * den : num * pow10(-e) >= den);
  while (!atLeast(k)) k -= 1;
  while (atLeast(k + 1)) k += 1;
  let digits = '';
  let decimalPoint = 0;
  for (let p = 1; p <= 17 && digits === ''; p += 1) {
    const scale = k + 1 - p; // candidate c stands for c * 10^scale
    // v / 10^scale = num * 10^-scale / den, as a fraction.
    const n = scale >= 0 ? num : num * pow10(-scale);
    const d = scale >= 0 ? den * pow10(scale) : den;
    const q = n / d;
    let best: bigint | undefined;
    let bestDistance = 0n;
    for (const c of [q - 1n, q, q + 1n]) {
      if (c <= 0n || Number(`${c}e${scale}`) !== v) continue;
      const distance = abs(c * d - n); // |c - v/10^scale| * d
      if (best === undefined || distance < bestDistance || (distance === bestDistance && c % 2n === 0n)) {
        best = c;
        bestDistance = distance;
      }
    }
    if (best === undefined) continue;
    const text = String(best);
    digits = text.replace(/0+$/, '');
    decimalPoint = text.length + scale;
  }
  assert.ok(digits !== '', `no digits for ${x}`);
  const sign = x < 0 ? '-' : '';
  const exponent = decimalPoint - 1;
  if (exponent >= -4 && exponent < 16) {
    // CreateDecimalRepresentation with digits_after_point = max(0, length - decimal_point).
    const after = Math.max(0, digits.length - decimalPoint);
    let out: string;
    if (decimalPoint <= 0) out = `0.${'0'.repeat(-decimalPoint)}${digits}`;
    else if (decimalPoint >= digits.length) out = digits + '0'.repeat(decimalPoint - digits.length);
    else out = `${digits.slice(0, decimalPoint)}.${digits.slice(decimalPoint)}`;
    // EMIT_TRAILING_DECIMAL_POINT | EMIT_TRAILING_ZERO_AFTER_POINT
    if (after === 0) out += '.0';
    return sign + out;
  }
  // CreateExponentialRepresentation with EMIT_POSITIVE_EXPONENT_SIGN and no minimum width.
  const mantissa = digits.length === 1 ? digits : `${digits[0] ?? ''}.${digits.slice(1)}`;
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}

describe('float spelling against an independent model of the rules', () => {
  it('the model agrees with ujson on the fixture', () => {
    const failures = floats.cases.filter(([token, spelled]) => modelToShortest(Number(token)) !== spelled);
    assert.deepEqual(failures.slice(0, 10), []);
  });

  it('ujsonFloat equals the model for any finite double, and reads back exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const spelled = ujsonFloat(x);
        assert.equal(spelled, modelToShortest(x));
        assert.ok(Object.is(Number(spelled), x), spelled);
        assert.match(spelled, /^-?(?:\d+\.\d+|\d(?:\.\d+)?e[+-][1-9]\d*)$/);
      }),
      { numRuns: 20_000 },
    );
  });

  it('near the thresholds of the decimal form', () => {
    const around = (edge: number) => fc.integer({ min: -64, max: 64 }).map((k) => {
      let x = edge;
      const step = k < 0 ? -Infinity : Infinity;
      for (let i = 0; i < Math.abs(k); i += 1) x = nextAfter(x, step);
      return x;
    });
    fc.assert(
      fc.property(fc.oneof(around(1e-4), around(1e16), around(1e15), around(2 ** 53)), fc.boolean(), (x, negative) => {
        const v = negative ? -x : x;
        assert.equal(ujsonFloat(v), modelToShortest(v));
      }),
      { numRuns: 2_000 },
    );
  });
});

/** The next double after x towards `to` (Python's math.nextafter). */
function nextAfter(x: number, to: number): number {
  if (x === to) return x;
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setFloat64(0, x);
  let bits = buffer.getBigUint64(0);
  if (x === 0) bits = 1n;
  else bits += (x < to) === (x > 0) ? 1n : -1n;
  buffer.setBigUint64(0, bits);
  return buffer.getFloat64(0);
}

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

describe(`differential vectors from ujson 5 (${fixture.cases.length} random texts)`, () => {
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
