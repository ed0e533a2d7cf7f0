import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, type ErrorFields, type ErrorKind, rpcError } from '@jussi/proxy/jsonrpc/errors';
import {
  NULL_ID,
  batchAnswer,
  errorAnswer,
  idText,
  memberText,
  newErrorId,
  resultAnswer,
  upstreamAnswer,
} from '@jussi/proxy/jsonrpc/wire';

const ERROR_ID = '8d9c1c6e-4a5b-4f4e-9a51-0c5d1c0f2b7a';

describe('error answers for every kind in the catalogue (reference §11)', () => {
  // [kind, fields, message on the wire]
  const table: Array<[ErrorKind, ErrorFields, string]> = [
    ['ParseError', {}, 'Parse error'],
    ['InvalidRequest', {}, 'Invalid Request'],
    ['InternalError', {}, 'Internal Error'],
    ['ServerError', {}, 'Server error'],
    ['RequestTimeout', {}, 'Request Timeout'],
    ['ResponseTimeout', {}, 'Response Timeout'],
    ['UpstreamResponse', { reason: 'upstream returned empty body with HTTP 502' }, 'Upstream response error: upstream returned empty body with HTTP 502'],
    ['InvalidNamespace', { namespace: 'a.b.c.d' }, 'Invalid JSONRPC method namespace a.b.c.d'],
    ['InvalidNamespaceApi', { namespace: 'steemd', api: 2 }, 'Invalid JSONRPC method namespace, unable to resolve steemd.2'],
    ['InvalidUpstreamHost', { url: 'http://nowhere' }, 'Invalid/unresolvable upstream hostname http://nowhere'],
    ['InvalidUpstreamUrl', { url: 'ws://x', reason: 'scheme' }, 'Invalid/unhealthy upstream ws://x scheme'],
    ['BatchSize', { jrpc_batch_size: 51, jrpc_batch_size_limit: 50 }, 'JSONRPC batch size of 51 exceeds 50'],
    ['Limits', {}, 'Request exceeded limit'],
    ['AccountHistoryLimit', { limit: 100, your_limit: 1000 }, 'Account History request exceeded limit. The max limit is 100. Your limit is 1000'],
    ['CustomJsonOpLength', { size_limit: 8192 }, 'Custom JSON operation size limit of 8192 exceeded'],
    ['NotFound', { path: '/x' }, 'Not found: /x'],
    ['MethodNotAllowed', { method: 'GET', path: '/', allowed: 'POST' }, 'Method GET not allowed on /; use POST'],
    ['PayloadTooLarge', { limit: 262144 }, 'Request body exceeds 262144 bytes'],
    ['RateLimited', {}, 'Rate limit exceeded'],
    ['AuthenticationRequired', {}, 'Authentication required'],
    ['InvalidCredentials', {}, 'Invalid credentials'],
  ];

  it('the table covers the whole catalogue', () => {
    assert.deepEqual(table.map(([k]) => k).sort(), Object.keys(ERROR_CATALOGUE).sort());
  });

  for (const [kind, fields, message] of table) {
    it(`${kind}: code ${ERROR_CATALOGUE[kind].code}`, () => {
      const error = rpcError(kind, fields);
      const text = errorAnswer('1', error, ERROR_ID, '123');
      assert.equal(
        text,
        `{"jsonrpc":"2.0","id":1,"error":{"code":${ERROR_CATALOGUE[kind].code},"message":${JSON.stringify(message)},` +
          `"data":{"error_id":"${ERROR_ID}","jussi_request_id":"123"}}}`,
      );
    });
  }

  it('adds data.reason only when the error has one (ARCHITECTURE item 10)', () => {
    const text = errorAnswer('"a\\"b"', rpcError('InvalidRequest', {}, 'member "x" is not allowed'), ERROR_ID, '12"3');
    assert.equal(
      text,
      '{"jsonrpc":"2.0","id":"a\\"b","error":{"code":-32600,"message":"Invalid Request",' +
        `"data":{"error_id":"${ERROR_ID}","jussi_request_id":"12\\"3","reason":"member \\"x\\" is not allowed"}}}`,
    );
    assert.deepEqual(JSON.parse(text).error.data.reason, 'member "x" is not allowed');
  });

  it('writes a null request id where jussi had none (oversized body)', () => {
    const text = errorAnswer(NULL_ID, rpcError('PayloadTooLarge', { limit: 10 }), ERROR_ID, null);
    assert.deepEqual(JSON.parse(text), {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'Request body exceeds 10 bytes', data: { error_id: ERROR_ID, jussi_request_id: null } },
    });
  });

  it('error ids are uuid4', () => {
    const a = newErrorId();
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a, newErrorId());
  });
});

describe('result and batch answers', () => {
  it('splices the result text in jussi\'s member order', () => {
    assert.equal(resultAnswer('7', '{"a":[1,2]}'), '{"id":7,"jsonrpc":"2.0","result":{"a":[1,2]}}');
    assert.equal(resultAnswer('"x"', 'null'), '{"id":"x","jsonrpc":"2.0","result":null}');
  });

  it('joins item texts in order', () => {
    assert.equal(batchAnswer(['{"a":1}', '{"b":2}']), '[{"a":1},{"b":2}]');
    assert.equal(batchAnswer([]), '[]');
  });

  it('idText writes proxy-held ids as JSON', () => {
    assert.equal(idText(undefined), 'null');
    assert.equal(idText(null), 'null');
    assert.equal(idText('a"b'), '"a\\"b"');
    assert.equal(idText(12), '12');
    assert.equal(idText(true), 'true');
  });
});

describe('upstream answers get the client\'s id and nothing else changes', () => {
  // [upstream text, client id text, answer text]
  const table: Array<[string, string, string]> = [
    ['{"jsonrpc":"2.0","result":{"a":1},"id":5}', '"x"', '{"jsonrpc":"2.0","result":{"a":1},"id":"x"}'],
    ['{"jsonrpc":"2.0","result":{"a":1},"id":"u-5"} \n', '1', '{"jsonrpc":"2.0","result":{"a":1},"id":1} \n'],
    ['{"jsonrpc":"2.0","result":1,"id" : null }', '2', '{"jsonrpc":"2.0","result":1,"id" : 2 }'],
    ['{"id":5,"jsonrpc":"2.0","result":[1,"id"]}', '9', '{"id":9,"jsonrpc":"2.0","result":[1,"id"]}'],
    ['{"id":1.5,"result":2}', '9', '{"id":9,"result":2}'],
    ['{"result":1,"id":"a\\\\"}', '9', '{"result":1,"id":9}'],
    ['{"result":1}', '7', '{"result":1,"id":7}'],
    ['{}', '7', '{"id":7}'],
    [' { } ', '7', ' { "id":7} '],
    ['{"result":{"x":1,"id":5}}', '7', '{"result":{"x":1,"id":5},"id":7}'],
    ['{"result":"q\\",\\"id\\":5}"}', '7', '{"result":"q\\",\\"id\\":5}","id":7}'],
    ['{"a\\"id":1}', '7', '{"a\\"id":1,"id":7}'],
    ['{"id":1,"result":2,"id":3}', '7', '{"id":1,"result":2,"id":7}'],
    [
      '{ "jsonrpc":"2.0", "error":{"code":-32000,"message":"x","data":{"id":3}} , "id" : 9 }',
      '1',
      '{ "jsonrpc":"2.0", "error":{"code":-32000,"message":"x","data":{"id":3}} , "id" : 1 }',
    ],
    ['{"error":{"code":1},"id":4}', '[1]', '{"error":{"code":1},"id":[1]}'],
  ];
  for (const [upstream, id, answer] of table) {
    it(`${upstream} -> ${answer}`, () => {
      const text = upstreamAnswer(id, upstream);
      assert.equal(text, answer);
      assert.deepEqual(JSON.parse(text ?? '').id, JSON.parse(id));
    });
  }

  it('refuses texts that are not objects', () => {
    for (const text of ['[1]', '"x"', '1', 'null', '', ' ']) assert.equal(upstreamAnswer('1', text), undefined, text);
  });
});

describe('memberText', () => {
  it('finds a top-level member\'s raw text, the last when repeated', () => {
    const text = '{"id":1, "result" : {"block":{"result":2}, "n":1.0} ,"x":[],"x":"y"}';
    assert.equal(memberText(text, 'result'), '{"block":{"result":2}, "n":1.0}');
    assert.equal(memberText(text, 'x'), '"y"');
    assert.equal(memberText(text, 'block'), undefined);
    assert.equal(memberText('[1]', 'result'), undefined);
  });
});
