import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectivePool, planUpstreams, protocolOf } from '@jussi/proxy/upstream/pool-plan';
import { config, upstreamSettings } from './configs.js';

const settings = upstreamSettings({ httpConnections: 64, websocketPoolMinSize: 8, websocketPoolMaxSize: 8 });

describe('planUpstreams', () => {
  it('plans only the URLs of winning entries, with the blocks using them in document order', () => {
    const plan = planUpstreams(
      config([
        { name: 'steemd', urls: [['steemd', 'https://api.steemit.com'], ['steemd.database_api', 'https://old.example']] },
        { name: 'appbase', urls: [['appbase', 'https://api.steemit.com'], ['steemd.database_api', 'wss://ws.example']] },
      ]),
      settings,
    );
    assert.deepEqual(
      [...plan.urls.values()].map((p) => [p.url, p.blocks, p.pool]),
      [
        ['https://api.steemit.com', ['steemd', 'appbase'], { protocol: 'http', connections: 64 }],
        ['wss://ws.example', ['appbase'], { protocol: 'websocket', min: 8, max: 8 }],
      ],
    );
    assert.deepEqual(plan.routes, [['https://api.steemit.com'], ['wss://ws.example']]);
    assert.deepEqual(plan.invalid, []);
  });

  it('keeps failover lists as routes, without duplicate URLs', () => {
    const plan = planUpstreams(config([{ name: 's', urls: [['s', ['http://a', 'http://b', 'http://a']], ['t', 'http://b']] }]), settings);
    assert.deepEqual(plan.routes, [['http://a', 'http://b'], ['http://b']]);
    assert.deepEqual([...plan.urls.keys()], ['http://a', 'http://b']);
  });

  it('takes each pool setting from the first block that sets it, the rest from env', () => {
    const plan = planUpstreams(
      config([
        { name: 'one', urls: [['one', 'ws://shared']], pool: { websocketMax: 4 } },
        { name: 'two', urls: [['two', 'ws://shared'], ['h', 'http://h']], pool: { websocketMin: 2, websocketMax: 16, httpConnections: 5 } },
      ]),
      settings,
    );
    assert.deepEqual(plan.urls.get('ws://shared')?.pool, { protocol: 'websocket', min: 2, max: 4 });
    assert.deepEqual(plan.urls.get('http://h')?.pool, { protocol: 'http', connections: 5 });
  });

  it('gives equal keys to unchanged plans and different keys when settings change', () => {
    const a = planUpstreams(config([{ name: 's', urls: [['s', 'ws://x']], pool: { websocketMax: 4 } }]), settings);
    const b = planUpstreams(config([{ name: 'renamed', urls: [['other', 'ws://x']], pool: { websocketMax: 4 } }]), settings);
    const c = planUpstreams(config([{ name: 's', urls: [['s', 'ws://x']], pool: { websocketMax: 5 } }]), settings);
    assert.equal(a.urls.get('ws://x')?.key, b.urls.get('ws://x')?.key);
    assert.notEqual(a.urls.get('ws://x')?.key, c.urls.get('ws://x')?.key);
  });

  it('reports invalid URLs redacted and adds extra URLs with no block', () => {
    const plan = planUpstreams(
      config([{ name: 's', urls: [['s', 'gopher://u:p@host/'], ['t', '']] }]),
      settings,
      ['http://transfers.example'],
    );
    assert.deepEqual(plan.invalid, [
      { url: 'gopher://host/', reason: 'scheme gopher: is not http, https, ws or wss' },
      { url: '', reason: 'not a URL' },
    ]);
    assert.deepEqual(plan.urls.get('http://transfers.example')?.blocks, []);
  });
});

describe('effectivePool', () => {
  const table = [
    { overrides: [], expected: { protocol: 'websocket', min: 8, max: 8 } },
    { overrides: [{ httpConnections: null, websocketMin: null, websocketMax: 2 }], expected: { protocol: 'websocket', min: 2, max: 2 } },
    { overrides: [{ httpConnections: null, websocketMin: 0, websocketMax: null }], expected: { protocol: 'websocket', min: 0, max: 8 } },
    { overrides: [{ httpConnections: null, websocketMin: 12, websocketMax: 10 }], expected: { protocol: 'websocket', min: 10, max: 10 } },
  ] as const;
  for (const { overrides, expected } of table) {
    it(`${JSON.stringify(overrides)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(effectivePool('websocket', overrides, settings), expected);
    });
  }

  it('knows the protocols by scheme', () => {
    assert.deepEqual(
      ['http://a', 'https://a', 'ws://a', 'wss://a', 'ftp://a', 'steemd'].map(protocolOf),
      ['http', 'http', 'websocket', 'websocket', { invalid: 'scheme ftp: is not http, https, ws or wss' }, { invalid: 'not a URL' }],
    );
  });
});
