import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError, networkErrorKind } from '@jussi/proxy/upstream/network-errors';

function coded(code: string, message = `boom ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('networkErrorKind', () => {
  const table: readonly (readonly [unknown, string])[] = [
    [coded('ECONNREFUSED'), 'connect'],
    [coded('ENOTFOUND'), 'connect'],
    [coded('EAI_AGAIN'), 'connect'],
    [coded('UND_ERR_CONNECT_TIMEOUT'), 'connect'],
    [coded('CERT_HAS_EXPIRED'), 'connect'],
    [coded('ECONNRESET'), 'closed'],
    [coded('EPIPE'), 'closed'],
    [coded('UND_ERR_SOCKET'), 'closed'],
    [coded('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    [coded('UND_ERR_BODY_TIMEOUT'), 'timeout'],
    [coded('UND_ERR_DESTROYED'), 'shutdown'],
    [coded('UND_ERR_CLOSED'), 'shutdown'],
    [coded('HPE_INVALID_CONSTANT'), 'protocol'],
    [coded('WS_ERR_INVALID_OPCODE'), 'protocol'],
    [coded('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), 'protocol'],
    [Object.assign(new Error('wrapped'), { cause: coded('ECONNREFUSED') }), 'connect'],
    [new Error('no code'), 'closed'],
    ['a string', 'closed'],
    [coded('ESOMETHINGNEW'), 'closed'],
  ];
  for (const [err, kind] of table) {
    it(`${err instanceof Error ? (err as { code?: string }).code ?? err.message : String(err)} -> ${kind}`, () => {
      assert.equal(networkErrorKind(err), kind);
    });
  }

  it('describes errors with their code and without credentials', () => {
    assert.equal(describeError(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')), 'connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(describeError(coded('UND_ERR_SOCKET', 'other side closed')), 'UND_ERR_SOCKET: other side closed');
    assert.equal(describeError(new Error('bad https://u:p@h.example/x')), 'bad https://h.example/x');
    assert.equal(describeError(new AggregateError([coded('ECONNREFUSED', 'first')], 'all failed')), 'ECONNREFUSED: first');
  });
});
