// jussi's Redis value format both ways. jussi writes
// `zlib.compress(ujson.dumps(answer, ensure_ascii=False).encode('utf8'))`; Python's `json.dumps`
// with compact separators and `/` escaped gives the same text as ujson for these values, so
// when python3 is present the test has Python produce and read values. The compressed bytes of
// Node's zlib and the system zlib differ (different deflate implementations, both level 6), so
// interoperability is checked by decompressing each other's values, not by comparing bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { decodeAnswer, decodeAnswerText, decodeJson, encodeAnswer, encodeJson } from '@jussi/proxy/cache/jussi-format';

// Produced by Python 3.11 (zlib 1.2.13): the value of get_block 1000 with id 7 as jussi stores it.
const PYTHON_FIXTURE_HEX =
  '789c15cb3d0e82301880e1ab986f6ea02dbfede43dc498fe1151a084d6c1100617c2e6558ca3e791c15b08effc3e03541a7886e0e26cdb770a38d0000382deb85bed810f206babaea76d03bc15995c324acb98e154c4892873c398ce5319258408a53391ac5e5a7d5fc5f29c7f8ff732bf76dfcfb4ccd3eeec7de7781116a1f3c634950f946d8a70df1abdaa123809308216f881207a1cc73f246e34d0';
const PYTHON_FIXTURE_RESULT_TEXT =
  '{"block_id":"000003e8b922f4906a45af8e99d86b3511acd7a5","body":"又遲到 了分 https:\\/\\/steemit.com\\/@ned","f":1.0,"n":[1,2]}';
// `zlib.compress(ujson.dumps(12345678).encode())`: the LIRB key's value.
const PYTHON_LIRB_HEX = '789c33343236313533b70000074001a5';

const python = spawnSync('python3', ['-c', 'import zlib, json'], { stdio: 'ignore' }).status === 0;

function runPython(script: string, input: string): string {
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// Python's stand-in for ujson.dumps(v, ensure_ascii=False): compact, raw UTF-8, `/` escaped.
const PY_DUMPS = "def dumps(v): return json.dumps(v, ensure_ascii=False, separators=(',', ':')).replace('/', '\\\\/')\n";

describe('jussi Redis value format', () => {
  it('reads the checked-in value Python wrote, keeping the stored result text byte for byte', () => {
    const decoded = decodeAnswer(Buffer.from(PYTHON_FIXTURE_HEX, 'hex'));
    assert.ok(decoded);
    assert.equal(decoded.resultText, PYTHON_FIXTURE_RESULT_TEXT);
    assert.deepEqual(decoded.result, JSON.parse(PYTHON_FIXTURE_RESULT_TEXT));
    assert.equal(decodeJson(Buffer.from(PYTHON_LIRB_HEX, 'hex')), 12345678);
  });

  it('writes a level-6 zlib stream of {"id":null,"jsonrpc":"2.0","result":...}', () => {
    const value = encodeAnswer('{"a":[1,2.0,"x/y"]}');
    assert.equal(value.subarray(0, 2).toString('hex'), '789c');
    assert.equal(inflateSync(value).toString('utf8'), '{"id":null,"jsonrpc":"2.0","result":{"a":[1,2.0,"x/y"]}}');
    assert.equal(inflateSync(encodeJson(42)).toString('utf8'), '42');
  });

  it('round-trips result texts exactly', () => {
    for (const text of ['null', '0', '[]', '{}', '"s"', '{"n":12345678901234567890,"f":1.0}', '[{"body":"又遲到 \\/ ✓"}]', ' {"spaced" : true} ']) {
      const decoded = decodeAnswer(encodeAnswer(text));
      assert.ok(decoded, text);
      assert.equal(decoded.resultText, text.trim());
    }
  });

  it('serves only non-error answers (jussi batch writes also stored error answers)', () => {
    const table: [string, string | undefined][] = [
      ['{"id":1,"jsonrpc":"2.0","result":{"a":1}}', '{"a":1}'],
      ['{"jsonrpc":"2.0","result":[1],"id":"x"}', '[1]'],
      ['{"result":5}', '5'],
      ['{"id":"a\\"result\\":","result":2}', '2'],
      ['{"id":1,"jsonrpc":"2.0","error":{"code":-32000}}', undefined],
      ['{"id":1,"result":null,"error":{}}', undefined],
      ['{"id":1,"result":1,"extra":2}', undefined],
      ['{"id":1,"result":1,"result":2}', '2'],
      ['{"other":{"result":1}}', undefined],
      ['[{"result":1}]', undefined],
      ['12', undefined],
      ['not json', undefined],
      ['{"id":1,"result":', undefined],
    ];
    for (const [text, expected] of table) {
      assert.equal(decodeAnswerText(text)?.resultText, expected, text);
    }
  });

  it('treats bytes that are not a zlib stream as a miss', () => {
    assert.equal(decodeAnswer(Buffer.from('{"result":1}')), undefined);
    assert.equal(decodeAnswer(Buffer.alloc(0)), undefined);
    assert.equal(decodeJson(Buffer.from([1, 2, 3])), undefined);
  });

  it('reads values Python (as jussi) writes, and Python reads ours', (t) => {
    if (!python) {
      // Without python3 the checked-in fixtures above are the evidence for the Python side.
      t.diagnostic('python3 not available: only the checked-in Python fixtures were checked');
      assert.ok(decodeAnswer(Buffer.from(PYTHON_FIXTURE_HEX, 'hex')));
      return;
    }
    const answers = [
      { id: 1, jsonrpc: '2.0', result: { block_id: '000003e8b922f4906a45af8e99d86b3511acd7a5', transactions: [] } },
      { id: 'x', jsonrpc: '2.0', result: [{ author: 'ned', body: '又遲到 了分 ✓ https://steemit.com/@ned/x', votes: -1.5 }] },
      { id: 3, jsonrpc: '2.0', result: null },
      { id: 4, jsonrpc: '2.0', result: 12345678 },
    ];
    const written = runPython(
      `import sys, json, zlib\n${PY_DUMPS}for v in json.load(sys.stdin): print(zlib.compress(dumps(v).encode('utf8')).hex())`,
      JSON.stringify(answers),
    )
      .trim()
      .split('\n');
    assert.equal(written.length, answers.length);
    written.forEach((hex, i) => {
      const decoded = decodeAnswer(Buffer.from(hex, 'hex'));
      assert.ok(decoded, `python value ${i}`);
      assert.deepEqual(JSON.parse(decoded.resultText), answers[i]?.result);
    });

    const ours = answers.map((a) => encodeAnswer(JSON.stringify(a.result)).toString('hex'));
    const read = runPython(
      'import sys, json, zlib\nfor h in sys.stdin.read().split(): v = json.loads(zlib.decompress(bytes.fromhex(h))); print(json.dumps(v))',
      ours.join('\n'),
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.deepEqual(
      read,
      answers.map((a) => ({ id: null, jsonrpc: '2.0', result: a.result })),
    );
    const lirb = runPython('import sys, json, zlib\nprint(json.loads(zlib.decompress(bytes.fromhex(sys.stdin.read().strip()))))', encodeJson(987654).toString('hex'));
    assert.equal(lirb.trim(), '987654');
  });
});
