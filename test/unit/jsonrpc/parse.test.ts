import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ItemResult, ParsedBody, ValidItem } from '@jussi/proxy/jsonrpc/items';
import { parseBody, parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import { MAX_NESTING_DEPTH } from '@jussi/proxy/jsonrpc/validate';

function single(body: string): ItemResult {
  const parsed = parseBodyText(body);
  assert.equal(parsed.kind, 'single', `${body} -> ${JSON.stringify(parsed)}`);
  return (parsed as Extract<ParsedBody, { kind: 'single' }>).item;
}

function valid(body: string): ValidItem {
  const item = single(body);
  assert.ok(item.ok, `${body} was refused: ${item.ok ? '' : item.error.reason ?? ''}`);
  return item;
}

describe('parseBody: bodies that cannot be read as requests', () => {
  // [body, code, reason fragment]
  const table: Array<[string, number, string]> = [
    ['', -32700, 'empty'],
    ['  \n\t ', -32700, 'empty'],
    ['False', -32700, 'not valid JSON'],
    ['None', -32700, 'not valid JSON'],
    ['True', -32700, 'not valid JSON'],
    ['[', -32700, 'not valid JSON'],
    ['[{', -32700, 'not valid JSON'],
    ['{"id":1,"jsonrpc":"2.0","method":"get_block","params":[1]', -32700, 'not valid JSON'],
    ['\ufeff{"id":1,"jsonrpc":"2.0","method":"get_block"}', -32700, 'not valid JSON'],
    ["{'id':1}", -32700, 'not valid JSON'],
    ['false', -32600, 'not a boolean'],
    ['true', -32600, 'not a boolean'],
    ['null', -32600, 'not null'],
    ['1', -32600, 'not a number'],
    ['1.0', -32600, 'not a number'],
    ['"x"', -32600, 'not a string'],
    ['""', -32600, 'not a string'],
    ['[]', -32600, 'empty'],
    [' [ ] ', -32600, 'empty'],
  ];
  for (const [body, code, fragment] of table) {
    it(`${JSON.stringify(body)} -> ${code}`, () => {
      const parsed = parseBodyText(body);
      assert.equal(parsed.kind, 'rejected');
      if (parsed.kind !== 'rejected') return;
      assert.equal(parsed.error.code, code);
      assert.ok(parsed.error.reason?.includes(fragment), parsed.error.reason);
    });
  }

  it('refuses bytes that are not UTF-8 with -32700', () => {
    for (const bytes of [[0xff], [0xc3], [0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d], [0xe2, 0x82]]) {
      const parsed = parseBody(Buffer.from(bytes));
      assert.equal(parsed.kind, 'rejected');
      if (parsed.kind === 'rejected') {
        assert.equal(parsed.error.code, -32700);
        assert.match(parsed.error.reason ?? '', /UTF-8/);
      }
    }
  });

  it('reads UTF-8 bodies, also from a Buffer slice of a larger allocation', () => {
    const whole = Buffer.from(`xx{"id":1,"jsonrpc":"2.0","method":"get_content","params":["作者"]}yy`);
    const parsed = parseBody(whole.subarray(2, whole.length - 2));
    assert.equal(parsed.kind, 'single');
    if (parsed.kind === 'single' && parsed.item.ok) assert.deepEqual(parsed.item.request.params, ['作者']);
  });
});

describe('validation of one request object (reference §1)', () => {
  const accepted = [
    '{"jsonrpc":"2.0","method":"get_block"}',
    '{"jsonrpc":"2.0","method":"get_block","params":[1]}',
    '{"jsonrpc":"2.0","method":"get_block","params":{"a":1}}',
    '{"jsonrpc":"2.0","method":"get_block","params":null}',
    '{"id":1,"jsonrpc":"2.0","method":"get_block"}',
    '{"id":"abc","jsonrpc":"2.0","method":"get_block"}',
    '{"id":1.5,"jsonrpc":"2.0","method":"get_block"}',
    '{"id":null,"jsonrpc":"2.0","method":"get_block"}',
    '{"id":true,"jsonrpc":"2.0","method":"get_block"}',
    '{"id":false,"jsonrpc":"2.0","method":"get_block"}',
    '{"params":[1],"method":"get_block","id":1,"jsonrpc":"2.0"}',
    '{"id":1,"jsonrpc":"2.0","method":""}',
  ];
  for (const body of accepted) it(`accepts ${body}`, () => void valid(body));

  // [body, id text the error answers with, reason fragment]
  const refused: Array<[string, string, string]> = [
    ['{}', 'null', '"jsonrpc" is missing'],
    ['{"id":1,"method":"get_block","params":[1000]}', '1', '"jsonrpc" is missing'],
    ['{"id":1,"jsonrpc":2.0,"method":"get_block"}', '1', 'not a number'],
    ['{"id":1,"jsonrpc":"1.0","method":"get_block"}', '1', 'not "1.0"'],
    ['{"id":1,"jsonrpc":null,"method":"get_block"}', '1', 'not null'],
    ['{"id":1,"json-rpc":"2.0","method":"get_block"}', '1', 'member "json-rpc" is not allowed'],
    ['{"ID":1,"jsonrpc":"2.0","method":"get_block"}', 'null', 'member "ID" is not allowed'],
    ['{"id":1,"jsonrpc":"2.0","method":"get_block","extra":1}', '1', 'member "extra"'],
    ['{"id":1,"jsonrpc":"2.0","METHOD":"get_block"}', '1', 'member "METHOD"'],
    ['{"id":1,"jsonrpc":"2.0"}', '1', '"method" is missing'],
    ['{"id":1,"jsonrpc":"2.0","method":["get_block"]}', '1', 'not an array'],
    ['{"id":1,"jsonrpc":"2.0","method":null}', '1', 'not null'],
    ['{"id":1,"jsonrpc":"2.0","method":5}', '1', 'not a number'],
    ['{"id":[1],"jsonrpc":"2.0","method":"get_block"}', '[1]', '"id" must be'],
    ['{"id":{"a":1},"jsonrpc":"2.0","method":"get_block"}', '{"a":1}', 'not an object'],
    ['{"id":1,"jsonrpc":"2.0","method":"get_block","params":1000}', '1', '"params" must be'],
    ['{"id":1,"jsonrpc":"2.0","method":"get_block","params":"1000"}', '1', 'not a string'],
    ['{"id":1,"jsonrpc":"2.0","method":"get_block","params":true}', '1', 'not a boolean'],
    ['{"id":1.0,"jsonrpc":"2.0"}', '1.0', '"method" is missing'],
    ['{"id":"a/b","x":1}', '"a\\/b"', 'member "x"'],
    ['{"id":1,"jsonrpc":"2.0","method":"m","params":[1e400]}', '1', 'too large'],
    ['{"id":1e400,"jsonrpc":"2.0","method":"m"}', 'null', '"id" is a number too large'],
    ['{"__proto__":1,"jsonrpc":"2.0","method":"m"}', 'null', 'member "__proto__"'],
  ];
  for (const [body, idText, fragment] of refused) {
    it(`refuses ${body}`, () => {
      const item = single(body);
      assert.equal(item.ok, false);
      if (item.ok) return;
      assert.equal(item.error.code, -32600);
      assert.equal(item.error.message, 'Invalid Request');
      assert.equal(item.idText, idText);
      assert.ok(item.error.reason?.includes(fragment), `${item.error.reason} lacks ${fragment}`);
    });
  }

  it('quotes long member names in reasons only partly', () => {
    const name = 'k'.repeat(10_000);
    const item = single(`{"${name}":1}`);
    assert.ok(!item.ok && (item.error.reason ?? '').length < 200);
  });
});

describe('ids and params of valid items', () => {
  // [id text in the body, id text answered with]
  const ids: Array<[string, string]> = [
    ['1', '1'],
    ['-5', '-5'],
    ['1.5', '1.5'],
    ['1.0', '1.0'],
    ['1e2', '100.0'],
    ['12345678901234567890', '12345678901234567890'],
    ['-0', '0'],
    ['"abc"', '"abc"'],
    ['"a/b"', '"a\\/b"'],
    ['"\\u00e9"', '"é"'],
    ['null', 'null'],
    ['true', 'true'],
  ];
  for (const [raw, expected] of ids) {
    it(`id ${raw} is answered as ${expected}`, () => {
      const item = valid(`{"id": ${raw}, "jsonrpc":"2.0","method":"m"}`);
      assert.equal(item.idText, expected);
      assert.equal(item.notification, false);
    });
  }

  it('a request without id is a notification answered (if at all) with null', () => {
    const item = valid('{"jsonrpc":"2.0","method":"m"}');
    assert.equal(item.notification, true);
    assert.equal(item.idText, 'null');
  });

  it('params absent, null and present are told apart', () => {
    assert.equal(valid('{"jsonrpc":"2.0","method":"m"}').params, undefined);
    assert.deepEqual(valid('{"jsonrpc":"2.0","method":"m","params":null}').params, { value: null, raw: undefined });
    assert.deepEqual(valid('{"jsonrpc":"2.0","method":"m","params":[1,"a"]}').params, { value: [1, 'a'], raw: undefined });
  });

  it('keeps the raw params text when the value alone would not spell it exactly', () => {
    const cases: Array<[string, boolean]> = [
      ['[1, 2, "x.5"]', false],
      ['[1.5]', true],
      ['[1.0]', true],
      ['[1e2]', true],
      ['[-0]', true],
      ['[1234567890123456]', true],
      ['[123456789012345]', false],
      ['{"10": 1}', true],
      ['{"a": {"9": 1}}', true],
      ['{"01": 1, "-1": 2, "4294967295": 3}', false],
      ['{"4294967294": 1}', true],
      ['{"\\u0061": 1}', true],
      ['["\\u0061"]', false],
    ];
    for (const [params, raw] of cases) {
      const item = valid(`{"jsonrpc":"2.0","method":"m","params":${params}}`);
      assert.equal(item.params?.raw !== undefined, raw, params);
      if (raw) assert.equal(item.params?.raw, params);
    }
  });

  it('takes the last of repeated members, as JSON.parse does', () => {
    const item = valid('{"id":1,"jsonrpc":"2.0","method":"m","params":[1.0],"params":[2.0],"id":2.0}');
    assert.equal(item.idText, '2.0');
    assert.equal(item.params?.raw, '[2.0]');
  });
});

describe('batches are validated per item (ARCHITECTURE item 4)', () => {
  it('answers each bad element at its position and keeps the good ones', () => {
    const body =
      '[null, {"METHOD":"get_block","id":1,"json_rpc":"2.0","params":"1000"}, "", {}, ' +
      '{"id":7,"jsonrpc":"2.0","method":"get_block","params":[1000]}, [], {"id":"x","jsonrpc":"2.0"}, 5]';
    const parsed = parseBodyText(body);
    assert.equal(parsed.kind, 'batch');
    if (parsed.kind !== 'batch') return;
    const summary = parsed.items.map((i) => (i.ok ? `ok:${i.idText}` : `${i.error.code}:${i.idText}`));
    assert.deepEqual(summary, ['-32600:null', '-32600:1', '-32600:null', '-32600:null', 'ok:7', '-32600:null', '-32600:"x"', '-32600:null']);
    parsed.items.forEach((item, k) => assert.equal(item.index, k));
    const first = parsed.items[0];
    assert.ok(first !== undefined && !first.ok && /batch element 0 must be a request object, not null/.test(first.error.reason ?? ''));
  });

  it('finds each element\'s exact params text, whatever the spacing', () => {
    const body = ' [ {"jsonrpc":"2.0","method":"a","params":[1.0]} ,\n{"jsonrpc":"2.0","method":"b","params" : {"2":1,"1":2}}\t]';
    const parsed = parseBodyText(body);
    assert.equal(parsed.kind, 'batch');
    if (parsed.kind !== 'batch') return;
    const raws = parsed.items.map((i) => (i.ok ? i.params?.raw : 'refused'));
    assert.deepEqual(raws, ['[1.0]', '{"2":1,"1":2}']);
  });

  it('a batch of one is still a batch', () => {
    const parsed = parseBodyText('[{"id":1,"jsonrpc":"2.0","method":"get_block","params":[1]}]');
    assert.equal(parsed.kind, 'batch');
  });
});

describe('deep nesting cannot crash or hang anything', () => {
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

  it(`accepts params nested ${MAX_NESTING_DEPTH} levels and refuses one more`, () => {
    const ok = valid(`{"jsonrpc":"2.0","method":"m","params":${deep(MAX_NESTING_DEPTH)}}`);
    assert.ok(ok.params !== undefined);
    const item = single(`{"id":3,"jsonrpc":"2.0","method":"m","params":${deep(MAX_NESTING_DEPTH + 1)}}`);
    assert.ok(!item.ok);
    if (!item.ok) {
      assert.equal(item.idText, '3');
      assert.match(item.error.reason ?? '', /deeper than 128/);
    }
  });

  it('200,000 nested arrays: as a body, as params, as an id, in a batch, unterminated', () => {
    const n = 200_000;
    assert.equal(parseBodyText(deep(n)).kind, 'batch');
    const asParams = single(`{"id":1,"jsonrpc":"2.0","method":"m","params":${deep(n)}}`);
    assert.ok(!asParams.ok);
    const asId = single(`{"id":${deep(n)},"jsonrpc":"2.0","method":"m"}`);
    assert.ok(!asId.ok && asId.idText === 'null');
    const objects = `{"a":`.repeat(n) + '1' + '}'.repeat(n);
    const inBatch = parseBodyText(`[{"jsonrpc":"2.0","method":"m","params":${objects}}, 7]`);
    assert.ok(inBatch.kind === 'batch' && inBatch.items.every((i) => !i.ok));
    const open = parseBodyText('['.repeat(n));
    assert.ok(open.kind === 'rejected' && open.error.code === -32700);
  });
});
