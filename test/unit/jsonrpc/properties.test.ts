// Properties over generated JSON texts written the many ways clients write them: whitespace,
// `\u` escapes, `\/`, float and exponent spellings, long integers, integer-like and repeated keys.
import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_URN_HEADER_LENGTH, headerText, paramsHeader, urnHeaders } from '@jussi/proxy/jsonrpc/headers';
import type { ItemResult, ParsedBody } from '@jussi/proxy/jsonrpc/items';
import { objectMembers, scanValue } from '@jussi/proxy/jsonrpc/json-scan';
import { parseBody, parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import { translatedPayload, upstreamPayload } from '@jussi/proxy/jsonrpc/payload';
import type { JsonValue } from '@jussi/proxy/jsonrpc/types';
import { compareCodePoints, ujsonText } from '@jussi/proxy/jsonrpc/ujson';
import { buildUrn, parseUrn } from '@jussi/proxy/jsonrpc/urn';
import { NULL_ID, errorAnswer, upstreamAnswer } from '@jussi/proxy/jsonrpc/wire';

const RUNS = { numRuns: 300 };

const char = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('/', '\\', '"', '\u2028', '\u007f', '\u0000', '\n', 'é', '😀', '\uffff', '\ue000') },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
);
const plainString = fc.string({ unit: char, maxLength: 8 });

function asciiEscaped(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A string token spelled one of the ways a client may spell it. */
const stringText = fc
  .tuple(plainString, fc.constantFrom('plain', 'ascii', 'slashes'))
  .map(([s, style]) => {
    const json = JSON.stringify(s);
    if (style === 'ascii') return asciiEscaped(json);
    if (style === 'slashes') return json.replaceAll('/', '\\/');
    return /[\ud800-\udfff]/.test(json) ? asciiEscaped(json) : json;
  });

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .chain((d) => fc.constantFrom(String(d), d.toExponential(), d.toExponential().toUpperCase())),
  fc.constantFrom('1.0', '-0', '-0.0', '1e16', '1E-7', '0.0001', '100.00', '5e-324', '1e-400', '9007199254740993'),
);

const keyText = fc.oneof(
  stringText,
  fc.nat(30).map((n) => `"${n}"`),
  fc.constantFrom('"01"', '"-1"', '"4294967295"', '"4294967294"', '"__proto__"', '"constructor"', '"\\u0031"'),
);

const ws = fc.constantFrom('', ' ', '\n', '\t ');

const { value: valueText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    tie('array'),
    tie('object'),
  ),
  array: fc.tuple(fc.array(tie('value'), { maxLength: 5 }), ws).map(([items, w]) => `[${w}${items.join(`${w},${w}`)}${w}]`),
  object: fc
    .tuple(fc.array(fc.tuple(keyText, tie('value')), { maxLength: 5 }), fc.option(tie('value')), ws)
    .map(([entries, repeat, w]) => {
      const members = entries.map(([k, v]) => `${k}${w}:${w}${v}`);
      const first = entries[0];
      if (first !== undefined && repeat !== null) members.push(`${first[0]}:${repeat}`);
      return `{${w}${members.join(`${w},${w}`)}${w}}`;
    }),
}));

/** Texts that often qualify for the value path: safe integers, plain strings, integer-like keys. */
const { value: mostlyPlainText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.string({ maxLength: 4 }).map((s) => JSON.stringify(s)),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc
    .array(fc.tuple(fc.oneof(fc.nat(12).map((n) => `"${n}"`), fc.constantFrom('"a"', '"b"', '"01"', '"/"')), tie('value')), { maxLength: 5 })
    .map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
}));

/** params must be an array or an object. */
const paramsText = fc.oneof(
  valueText.map((v) => `[${v}]`),
  fc.tuple(keyText, valueText, keyText, valueText).map(([k1, v1, k2, v2]) => `{${k1}:${v1},${k2}:${v2}}`),
  valueText.filter((v) => v.startsWith('[') || v.startsWith('{')),
);

/** The text with every backslash escape pair removed. */
function withoutEscapes(text: string): string {
  return text.replace(/\\./g, '');
}

/** JSON.parse with -0 read as 0: Python writes the integer -0 as 0. */
function parseNormalised(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (Object.is(v, -0) ? 0 : v));
}

function singleItem(parsed: ParsedBody): ItemResult {
  assert.equal(parsed.kind, 'single');
  return (parsed as Extract<ParsedBody, { kind: 'single' }>).item;
}

describe('properties of the canonical params text', () => {
  it('the URN params text parses back to the client\'s params, top-level keys in code-point order', () => {
    fc.assert(
      fc.property(paramsText, (params) => {
        const item = singleItem(parseBodyText(`{"id":1,"jsonrpc":"2.0","method":"namespace.method","params":${params}}`));
        assert.ok(item.ok, params);
        const result = parseUrn(item);
        assert.ok(result.ok);
        if (!item.ok || !result.ok) return;
        const text = result.urn.paramsText ?? '';
        assert.equal(withoutEscapes(text).includes('/'), false, 'every / is written \\/');
        assert.deepEqual(parseNormalised(text), parseNormalised(params));
        const members = objectMembers(text, 0);
        if (members !== undefined) {
          const keys = members.members.map((m) => m.key);
          assert.deepEqual(keys, [...new Set(keys)].sort(compareCodePoints));
        }
      }),
      RUNS,
    );
  });

  it('the value path and the raw-text path agree whenever the scan allows the value path', () => {
    fc.assert(
      fc.property(fc.oneof(valueText, mostlyPlainText), (text) => {
        const scan = scanValue(text, 0);
        if (!scan.plain) return;
        const value = JSON.parse(text) as JsonValue;
        for (const sort of [false, true]) {
          assert.equal(ujsonText({ value, raw: undefined }, sort), ujsonText({ value, raw: text }, sort));
        }
      }),
      RUNS,
    );
  });

  it('every / in a canonical text is escaped and no raw control character appears', () => {
    fc.assert(
      fc.property(valueText, (text) => {
        const out = ujsonText({ value: JSON.parse(text) as JsonValue, raw: text }, false);
        assert.ok(![...out].some((ch) => ch.charCodeAt(0) < 0x20), 'no raw control character');
        assert.equal(withoutEscapes(out).includes('/'), false);
      }),
      RUNS,
    );
  });
});

describe('properties of upstream payloads', () => {
  it('are valid JSON carrying the method verbatim, the upstream id and the params', () => {
    fc.assert(
      fc.property(paramsText, plainString, fc.nat(), fc.boolean(), (params, method, upstreamId, notification) => {
        const id = notification ? '' : '"id":"client",';
        const item = singleItem(parseBodyText(`{${id}"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${params}}`));
        assert.ok(item.ok);
        if (!item.ok) return;
        const payload = JSON.parse(upstreamPayload(item, upstreamId)) as Record<string, unknown>;
        assert.equal(payload.id, upstreamId);
        assert.equal(payload.jsonrpc, '2.0');
        assert.equal(payload.method, method);
        assert.deepEqual(parseNormalised(JSON.stringify(payload.params)), parseNormalised(params));
      }),
      RUNS,
    );
  });

  it('call forms and their translations are valid JSON too', () => {
    fc.assert(
      fc.property(fc.constantFrom('"condenser_api"', '"database_api"', '0', '1', '-1', 'true'), plainString, paramsText, (api, method, p) => {
        const item = singleItem(parseBodyText(`{"id":1,"jsonrpc":"2.0","method":"call","params":[${api},${JSON.stringify(method)},${p}]}`));
        assert.ok(item.ok);
        if (!item.ok) return;
        const result = parseUrn(item);
        assert.ok(result.ok);
        if (!result.ok) return;
        JSON.parse(upstreamPayload(item, 3));
        const translated = buildUrn({
          namespace: 'appbase',
          api: 'condenser_api',
          method: result.urn.method,
          params: result.urn.params ?? [],
          paramsText: result.urn.paramsText ?? '[]',
        });
        const payload = JSON.parse(translatedPayload(translated, 4, false)) as { params: unknown[] };
        assert.equal(payload.params[1], method);
        assert.deepEqual(parseNormalised(JSON.stringify(payload.params[2])), parseNormalised(p));
      }),
      RUNS,
    );
  });
});

describe('nothing a client sends makes the JSON-RPC layer throw', () => {
  function exercise(parsed: ParsedBody): void {
    if (parsed.kind === 'rejected') {
      JSON.parse(errorAnswer(NULL_ID, parsed.error, 'e', 'r'));
      return;
    }
    const items = parsed.kind === 'single' ? [parsed.item] : parsed.items;
    for (const item of items) {
      if (!item.ok) {
        JSON.parse(errorAnswer(item.idText, item.error, 'e', 'r'));
        continue;
      }
      JSON.parse(item.idText);
      JSON.parse(upstreamPayload(item, 1));
      const result = parseUrn(item);
      if (result.ok) {
        for (const value of Object.values(urnHeaders(result.urn))) validateHeaderValue('x', value);
      } else {
        JSON.parse(errorAnswer(item.idText, result.error, 'e', 'r'));
      }
    }
  }

  it('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => exercise(parseBody(bytes))),
      { numRuns: 1000 },
    );
  });

  it('arbitrary strings and damaged request texts', () => {
    const request = fc
      .tuple(fc.constantFrom('"call"', '"get_block"', '"a.b"', '"x_api.m"', '"a.b.c"', '5'), paramsText, fc.oneof(numberText, stringText, valueText))
      .map(([method, params, id]) => `{"id":${id},"jsonrpc":"2.0","method":${method},"params":${params}}`);
    const damaged = fc
      .tuple(request, fc.nat(), fc.nat(), fc.constantFrom('', '[', ']', '{', '}', ',', '"', '\\', ':', '1e999'))
      .map(([text, at, len, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + (len % 3)));
    fc.assert(fc.property(fc.string({ unit: char }), (text) => exercise(parseBodyText(text))), RUNS);
    fc.assert(fc.property(request, (text) => exercise(parseBodyText(text))), RUNS);
    fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), (texts) => exercise(parseBodyText(`[${texts.join(',')}]`))), RUNS);
    fc.assert(fc.property(damaged, (text) => exercise(parseBodyText(text))), { numRuns: 1000 });
  });
});

describe('properties of header values and upstream answers', () => {
  it('header values are always valid, ASCII and bounded', () => {
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 3000 }), valueText, (s, text) => {
        for (const value of [headerText(s), paramsHeader(ujsonText({ value: JSON.parse(text) as JsonValue, raw: text }, true))]) {
          validateHeaderValue('x', value);
          assert.match(value, /^[\x20-\x7e]*$/);
          assert.ok(value.length <= MAX_URN_HEADER_LENGTH);
        }
      }),
      RUNS,
    );
  });

  it('upstream answers keep every member and carry the client id', () => {
    const member = fc.tuple(fc.constantFrom('jsonrpc', 'result', 'error', 'id', 'x', 'a"id'), valueText);
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), fc.oneof(numberText, stringText), ws, (members, clientId, w) => {
        const text = `{${w}${members.map(([k, v]) => `${JSON.stringify(k)}${w}:${w}${v}`).join(`${w},`)}${w}}${w}`;
        const answer = upstreamAnswer(clientId, text);
        assert.ok(answer !== undefined);
        const parsed = JSON.parse(answer ?? '') as Record<string, unknown>;
        assert.deepEqual(parsed.id, JSON.parse(clientId));
        const before = JSON.parse(text) as Record<string, unknown>;
        delete before.id;
        delete parsed.id;
        assert.deepEqual(parsed, before);
      }),
      RUNS,
    );
  });
});
