import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, safeUrl, scrubFields, scrubString, toLogError } from '@jussi/proxy/observability/redact';

describe('scrubString', () => {
  // input -> expected output: the table is the spec.
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['redis://:s3cret@redis:6379/0', `redis://${REDACTED}@redis:6379/0`],
    ['redis://user:s3cret@redis:6379', `redis://${REDACTED}@redis:6379`],
    ['rediss+cluster://admin:pw@a:1,b:2', `rediss+cluster://${REDACTED}@a:1,b:2`],
    ['connect to redis://:pw@host failed; retry redis://:pw2@host2', `connect to redis://${REDACTED}@host failed; retry redis://${REDACTED}@host2`],
    ['{"url":"redis:\\/\\/:pw@h\\/0"}', `{"url":"redis:\\/\\/${REDACTED}@h\\/0"}`],
    ['https://node.example/rpc?api_key=abc123&x=1', `https://node.example/rpc?api_key=${REDACTED}&x=1`],
    ['wss://node.example/?token=abc&apikey=def', `wss://node.example/?token=${REDACTED}&apikey=${REDACTED}`],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc', `Authorization: Bearer ${REDACTED}`],
    ['Basic dXNlcjpwYXNz', `Basic ${REDACTED}`],
    ['{"user":"a","password":"hunter2","x":1}', `{"user":"a","password":"${REDACTED}","x":1}`],
    ['{"api_key": "k\\"ey", "ok": true}', `{"api_key": "${REDACTED}", "ok": true}`],
    // Nothing secret: unchanged.
    ['https://api.steemit.com', 'https://api.steemit.com'],
    ['user@example.com wrote a post', 'user@example.com wrote a post'],
    ['steemd.database_api.get_block.params=[1000]', 'steemd.database_api.get_block.params=[1000]'],
    ['', ''],
  ];
  for (const [input, expected] of cases) {
    it(`scrubs ${JSON.stringify(input)}`, () => {
      assert.equal(scrubString(input), expected);
    });
  }
});

describe('scrubFields', () => {
  it('hides secret-named keys at any depth and scrubs strings', () => {
    const input = {
      request_id: 'r1',
      headers: { Authorization: 'Bearer abc', cookie: 'sid=1', 'x-api-key': 'k', 'user-agent': 'curl' },
      upstream: 'ws://u:pw@steemd:8090',
      nested: { deeper: { password: 'p', list: [{ token: 't' }, 'redis://:pw@r'] } },
    };
    const out = scrubFields(input);
    const text = JSON.stringify(out);
    for (const secret of ['Bearer abc', 'sid=1', '"k"', ':pw@', '"p"', '"t"']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal(out.headers['user-agent'], 'curl');
    assert.equal(out.request_id, 'r1');
    assert.equal(out.headers.Authorization, REDACTED);
    // The input is not modified.
    assert.equal(input.headers.Authorization, 'Bearer abc');
  });

  it('returns the same object when nothing changes', () => {
    const input = { request_id: 'r', duration_ms: 1.5, cache_hit: true, nested: { a: [1, 2] } };
    assert.equal(scrubFields(input), input);
  });

  it('cuts cycles and deep nesting, and turns Errors and BigInts into loggable values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const out = scrubFields({ cyclic, big: 10n, err: new TypeError('bad redis://:pw@h') }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    assert.ok(text.includes('[Truncated]'));
    assert.equal(out['big'], '10');
    assert.deepEqual(out['err'], { type: 'TypeError', message: `bad redis://${REDACTED}@h` });
  });
});

describe('safeUrl', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['https://user:pw@api.example.com/rpc?key=1#x', 'https://api.example.com/rpc'],
    ['ws://steemd:8090', 'ws://steemd:8090'],
    ['http://steemd:8090/', 'http://steemd:8090/'],
    ['not a url user:pw@host', 'not a url user:pw@host'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected}`, () => assert.equal(safeUrl(input), expected));
  }
});

describe('toLogError', () => {
  it('describes Errors, error values with a kind, and anything else', () => {
    assert.deepEqual(toLogError(new RangeError('out')), { type: 'RangeError', message: 'out' });
    assert.deepEqual(toLogError({ kind: 'RequestTimeout', code: 1000, message: 'Request Timeout' }), {
      type: 'RequestTimeout',
      message: 'Request Timeout',
      code: 1000,
    });
    assert.deepEqual(toLogError('plain', { code: -32603 }), { type: 'Error', message: 'plain', code: -32603 });
    const withStack = toLogError(new Error('x'), { stack: true });
    assert.match(withStack.stack ?? '', /redact\.test\.ts/);
  });
});
