import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostsOnly, redactText, redactUrl } from '@jussi/proxy/upstream/redact';

describe('redactUrl', () => {
  const table: readonly (readonly [string, string])[] = [
    ['https://api.steemit.com', 'https://api.steemit.com'],
    ['http://127.0.0.1:8090/path?q=1', 'http://127.0.0.1:8090/path'],
    ['http://user:pass@127.0.0.1:1/?api_key=SECRET', 'http://127.0.0.1:1/'],
    ['https://host/rpc#token=SECRET', 'https://host/rpc'],
    ['https://user:secret@api.example.com/x', 'https://api.example.com/x'],
    ['wss://token@ws.example.com', 'wss://ws.example.com'],
    ['ws://user:p@ss@host:8090/', 'ws://host:8090/'],
    ['http://host/@account/transfers', 'http://host/@account/transfers'],
    ['http://host?x=a@b', 'http://host'],
    ['not a url', 'not a url'],
  ];
  for (const [input, expected] of table) {
    it(`${input} -> ${expected}`, () => assert.equal(redactUrl(input), expected));
  }

  it('cleans URLs inside free text', () => {
    assert.equal(
      redactText('connect ECONNREFUSED for https://a:b@one.example and wss://c@two.example/p'),
      'connect ECONNREFUSED for https://one.example and wss://two.example/p',
    );
    assert.equal(redactText('failed (upstream http://h:1/p?api_key=S), retried ws://h/?t=1;'), 'failed (upstream http://h:1/p), retried ws://h/;');
  });

  it('names only hosts for clients', () => {
    assert.equal(hostsOnly('http://127.0.0.1:9/a/b | ws://node.example/ws failed'), '127.0.0.1:9 | node.example failed');
    assert.equal(hostsOnly('no url here'), 'no url here');
  });
});
