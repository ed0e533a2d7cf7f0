import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidItem } from '@jussi/proxy/jsonrpc/items';
import { parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import { translatedPayload, upstreamPayload } from '@jussi/proxy/jsonrpc/payload';
import { buildUrn, parseUrn } from '@jussi/proxy/jsonrpc/urn';

function item(body: string): ValidItem {
  const parsed = parseBodyText(body);
  assert.ok(parsed.kind === 'single' && parsed.item.ok, body);
  return parsed.item;
}

describe('upstream request payload (reference §9, ARCHITECTURE item 14)', () => {
  // [client body, upstream id, payload text]
  const table: Array<[string, number, string]> = [
    [
      '{"id":"x","jsonrpc":"2.0","method":"condenser_api.get_block","params":[1]}',
      42,
      '{"id":42,"jsonrpc":"2.0","method":"condenser_api.get_block","params":[1]}',
    ],
    ['{"jsonrpc":"2.0","method":"get_block","params":[1]}', 7, '{"jsonrpc":"2.0","method":"get_block","params":[1],"id":7}'],
    ['{"id":1,"jsonrpc":"2.0","method":"get_dynamic_global_properties"}', 1, '{"id":1,"jsonrpc":"2.0","method":"get_dynamic_global_properties"}'],
    ['{"id":1,"jsonrpc":"2.0","method":"get_block","params":null}', 1, '{"id":1,"jsonrpc":"2.0","method":"get_block","params":null}'],
    ['{"method":"sbds.count_operations","params":{"b":1},"jsonrpc":"2.0","id":9}', 9, '{"id":9,"jsonrpc":"2.0","method":"sbds.count_operations","params":{"b":1}}'],
    ['{"id":1,"jsonrpc":"2.0","method":"steemd.fake_method","params":[]}', 1, '{"id":1,"jsonrpc":"2.0","method":"steemd.fake_method","params":[]}'],
    // the client's key order, number spelling and duplicates collapsed like a Python dict
    [
      '{"id":1,"jsonrpc":"2.0","method":"database_api.find","params":{"b":1,"10":2.0,"9":[1e16],"b":3}}',
      1,
      '{"id":1,"jsonrpc":"2.0","method":"database_api.find","params":{"b":3,"10":2.0,"9":[1e+16]}}',
    ],
    // raw UTF-8, escapes decoded, `/` escaped, as jussi sends signed transactions
    [
      '{"id":1,"jsonrpc":"2.0","method":"condenser_api.broadcast_transaction","params":[{"memo":"\\u00e9t\\u00e9 /x","body":"作者"}]}',
      3,
      '{"id":3,"jsonrpc":"2.0","method":"condenser_api.broadcast_transaction","params":[{"memo":"été \\/x","body":"作者"}]}',
    ],
    ['{"id":1,"jsonrpc":"2.0","method":"a/b\\u00e9","params":[]}', 1, '{"id":1,"jsonrpc":"2.0","method":"a\\/bé","params":[]}'],
    ['{"id":1,"jsonrpc":"2.0","method":"call","params":["database_api","get_block",[1]]}', 5, '{"id":5,"jsonrpc":"2.0","method":"call","params":["database_api","get_block",[1]]}'],
  ];
  for (const [body, upstreamId, payload] of table) {
    it(`${body} -> ${payload}`, () => {
      const text = upstreamPayload(item(body), upstreamId);
      assert.equal(text, payload);
      assert.doesNotThrow(() => JSON.parse(text));
    });
  }

  it('shares the params text with the URN (one serialisation per request)', () => {
    const valid = item('{"id":1,"jsonrpc":"2.0","method":"condenser_api.get_accounts","params":[["a/b"]]}');
    const urn = parseUrn(valid);
    assert.ok(urn.ok);
    if (urn.ok) assert.equal(upstreamPayload(valid, 1), `{"id":1,"jsonrpc":"2.0","method":"condenser_api.get_accounts","params":${urn.urn.paramsText ?? ''}}`);
  });
});

describe('translated payload (reference §5)', () => {
  function translatedOf(body: string): string {
    const valid = item(body);
    const result = parseUrn(valid);
    assert.ok(result.ok);
    if (!result.ok) return '';
    const urn = result.urn;
    const translated = buildUrn({
      namespace: 'appbase',
      api: 'condenser_api',
      method: urn.method,
      params: urn.params ?? [],
      paramsText: urn.paramsText ?? '[]',
    });
    return translatedPayload(translated, 11, valid.notification);
  }

  const table: Array<[string, string]> = [
    [
      '{"id":1,"jsonrpc":"2.0","method":"get_block","params":[1000]}',
      '{"id":11,"jsonrpc":"2.0","method":"call","params":["condenser_api","get_block",[1000]]}',
    ],
    [
      '{"id":1,"jsonrpc":"2.0","method":"get_dynamic_global_properties"}',
      '{"id":11,"jsonrpc":"2.0","method":"call","params":["condenser_api","get_dynamic_global_properties",[]]}',
    ],
    ['{"id":1,"jsonrpc":"2.0","method":"get_block","params":null}', '{"id":11,"jsonrpc":"2.0","method":"call","params":["condenser_api","get_block",null]}'],
    [
      '{"id":1,"jsonrpc":"2.0","method":"call","params":["login_api","login",["a","b"]]}',
      '{"id":11,"jsonrpc":"2.0","method":"call","params":["condenser_api","login",["a","b"]]}',
    ],
    [
      '{"id":1,"jsonrpc":"2.0","method":"get_state","params":{"z":1,"a":"/x"}}',
      '{"id":11,"jsonrpc":"2.0","method":"call","params":["condenser_api","get_state",{"a":"\\/x","z":1}]}',
    ],
    ['{"jsonrpc":"2.0","method":"get_block","params":[1]}', '{"jsonrpc":"2.0","method":"call","params":["condenser_api","get_block",[1]],"id":11}'],
  ];
  for (const [body, payload] of table) it(`${body} -> ${payload}`, () => assert.equal(translatedOf(body), payload));
});
