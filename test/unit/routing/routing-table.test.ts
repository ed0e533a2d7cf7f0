import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NormalisedConfig } from '@jussi/proxy/config/document';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { isAccountTransferPath, isAccountTransferRequest } from '@jussi/proxy/routing/account-transfer';
import { buildRoutingTable, type RoutingOptions } from '@jussi/proxy/routing/routing-table';
import { effectiveTimeout } from '@jussi/proxy/routing/timeouts';
import { urn } from './urns.js';

const DOC = {
  upstreams: [
    {
      name: 'steemd',
      translate_to_appbase: true,
      urls: [
        ['steemd', 'https://steemd.example'],
        ['steemd.database_api.get_block', ['https://blocks-a.example', 'wss://blocks-b.example']],
      ],
      ttls: [
        ['steemd', 3],
        ['steemd.database_api.get_block', -2],
        ['steemd.database_api.get_block.params=[1]', 0],
        ['steemd.network_broadcast_api', -1],
      ],
      timeouts: [
        ['steemd', 5],
        ['steemd.network_broadcast_api', 0],
        ['steemd.database_api.get_account_history', 120],
      ],
    },
    {
      name: 'appbase',
      urls: [{ prefix: 'appbase', upstream_url: 'http://appbase.example' }],
      ttls: [],
      timeouts: [{ prefix: 'appbase.condenser_api', upstream_timeout: 2 }],
    },
  ],
};

function config(doc: unknown = DOC): NormalisedConfig {
  const r = loadConfigDocument(JSON.stringify(doc));
  assert.ok(r.ok);
  return r.config;
}

const OPTIONS: RoutingOptions = { accountTransferUrl: null, responseTimeoutMs: 65_000 };

describe('routing table', () => {
  const table = buildRoutingTable(config(), OPTIONS);

  const cases: {
    name: string;
    urn: ReturnType<typeof urn>;
    urls: string[];
    urlPrefix: string;
    upstream: string;
    ttl: number | null;
    ttlPrefix: string | null;
    timeout: { ms: number; kind: string; configured: number | null; prefix: string | null };
  }[] = [
    {
      name: 'namespace rule',
      urn: urn('steemd', 'database_api', 'get_accounts', [['a']]),
      urls: ['https://steemd.example'],
      urlPrefix: 'steemd',
      upstream: 'steemd',
      ttl: 3,
      ttlPrefix: 'steemd',
      timeout: { ms: 5000, kind: 'RequestTimeout', configured: 5, prefix: 'steemd' },
    },
    {
      name: 'method rule with a failover URL list',
      urn: urn('steemd', 'database_api', 'get_block', [1000]),
      urls: ['https://blocks-a.example', 'wss://blocks-b.example'],
      urlPrefix: 'steemd.database_api.get_block',
      upstream: 'steemd',
      ttl: -2,
      ttlPrefix: 'steemd.database_api.get_block',
      timeout: { ms: 5000, kind: 'RequestTimeout', configured: 5, prefix: 'steemd' },
    },
    {
      name: 'params rule',
      urn: urn('steemd', 'database_api', 'get_block', [1]),
      urls: ['https://blocks-a.example', 'wss://blocks-b.example'],
      urlPrefix: 'steemd.database_api.get_block',
      upstream: 'steemd',
      ttl: 0,
      ttlPrefix: 'steemd.database_api.get_block.params=[1]',
      timeout: { ms: 5000, kind: 'RequestTimeout', configured: 5, prefix: 'steemd' },
    },
    {
      name: 'timeout 0 means only the global cap',
      urn: urn('steemd', 'network_broadcast_api', 'broadcast_transaction', [{}]),
      urls: ['https://steemd.example'],
      urlPrefix: 'steemd',
      upstream: 'steemd',
      ttl: -1,
      ttlPrefix: 'steemd.network_broadcast_api',
      timeout: { ms: 65_000, kind: 'ResponseTimeout', configured: 0, prefix: 'steemd.network_broadcast_api' },
    },
    {
      name: 'a timeout above the global cap is capped',
      urn: urn('steemd', 'database_api', 'get_account_history', ['a', -1, 10]),
      urls: ['https://steemd.example'],
      urlPrefix: 'steemd',
      upstream: 'steemd',
      ttl: 3,
      ttlPrefix: 'steemd',
      timeout: { ms: 65_000, kind: 'ResponseTimeout', configured: 120, prefix: 'steemd.database_api.get_account_history' },
    },
    {
      name: 'no ttl rule and no timeout rule',
      urn: urn('appbase', 'block_api', 'get_block', { block_num: 1 }),
      urls: ['http://appbase.example'],
      urlPrefix: 'appbase',
      upstream: 'appbase',
      ttl: null,
      ttlPrefix: null,
      timeout: { ms: 65_000, kind: 'ResponseTimeout', configured: null, prefix: null },
    },
    {
      name: 'object-form entries',
      urn: urn('appbase', 'condenser_api', 'get_block', [1]),
      urls: ['http://appbase.example'],
      urlPrefix: 'appbase',
      upstream: 'appbase',
      ttl: null,
      ttlPrefix: null,
      timeout: { ms: 2000, kind: 'RequestTimeout', configured: 2, prefix: 'appbase.condenser_api' },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const r = table.route(c.urn);
      assert.ok(r.ok);
      assert.deepEqual(r.route, {
        urls: c.urls,
        urlPrefix: c.urlPrefix,
        upstream: c.upstream,
        accountTransfer: false,
        ttl: c.ttl,
        ttlPrefix: c.ttlPrefix,
        timeout: c.timeout,
      });
    });
  }

  it('rejects an unroutable namespace with -32600 and a reason naming it', () => {
    const r = table.route(urn('hive', undefined, 'db_head_state', {}));
    assert.ok(!r.ok);
    assert.equal(r.error.code, -32600);
    assert.equal(r.error.kind, 'InvalidRequest');
    assert.equal(r.error.message, 'Invalid Request');
    assert.match(r.error.reason ?? '', /namespace "hive"/);
    assert.match(r.error.reason ?? '', /hive\.db_head_state with these params/);
  });

  it('keeps client-chosen names in the reason short', () => {
    const r = table.route(urn('x'.repeat(5000), undefined, 'm'));
    assert.ok(!r.ok);
    assert.ok((r.error.reason ?? '').length < 300);
  });

  it('matches whole components only (steemdx is not steemd)', () => {
    assert.ok(!table.route(urn('steemdx', undefined, 'get_block', [1])).ok);
  });

  it('tells which namespaces are translated to appbase', () => {
    assert.equal(table.translatesToAppbase('steemd'), true);
    assert.equal(table.translatesToAppbase('appbase'), false);
    assert.equal(table.translatesToAppbase('hive'), false);
  });

  it('lists upstream names, prefixes, name components and URLs for label bounding and pools', () => {
    assert.deepEqual([...table.upstreamNames], ['steemd', 'appbase']);
    assert.ok(table.prefixes.has('steemd.database_api.get_block.params=[1]'));
    assert.ok(table.prefixes.has('appbase.condenser_api'));
    assert.deepEqual(
      [...table.prefixComponents].sort(),
      ['appbase', 'condenser_api', 'database_api', 'get_account_history', 'get_block', 'network_broadcast_api', 'steemd'],
    );
    assert.deepEqual(
      [...table.urls].sort(),
      ['http://appbase.example', 'https://blocks-a.example', 'https://steemd.example', 'wss://blocks-b.example'],
    );
  });
});

describe('account-transfer override (JUSSI_ACCOUNT_TRANSFER_STEEMD_URL)', () => {
  const withOverride = buildRoutingTable(config(), { ...OPTIONS, accountTransferUrl: 'https://transfers.example' });
  const without = buildRoutingTable(config(), OPTIONS);

  const cases: { name: string; urn: ReturnType<typeof urn>; override: boolean }[] = [
    { name: 'database_api transfers page', urn: urn('steemd', 'database_api', 'get_state', ['/@alice/transfers']), override: true },
    { name: 'condenser_api witnesses page', urn: urn('appbase', 'condenser_api', 'get_state', ['~witnesses']), override: true },
    { name: 'proposals', urn: urn('appbase', 'condenser_api', 'get_state', ['/proposals']), override: true },
    { name: 'namespace is not checked', urn: urn('hive', 'database_api', 'get_state', ['witnesses']), override: true },
    { name: 'other pages', urn: urn('steemd', 'database_api', 'get_state', ['/trending']), override: false },
    { name: 'other api', urn: urn('appbase', 'tags_api', 'get_state', ['witnesses']), override: false },
    { name: 'other method', urn: urn('appbase', 'condenser_api', 'get_content', ['witnesses']), override: false },
    { name: 'two params', urn: urn('appbase', 'condenser_api', 'get_state', ['witnesses', 1]), override: false },
    { name: 'object params', urn: urn('appbase', 'condenser_api', 'get_state', { path: 'witnesses' }), override: false },
    { name: 'non-string path', urn: urn('appbase', 'condenser_api', 'get_state', [1]), override: false },
    { name: 'no params', urn: urn('appbase', 'condenser_api', 'get_state'), override: false },
  ];

  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isAccountTransferRequest(c.urn), c.override);
      const r = withOverride.route(c.urn);
      if (c.override) {
        assert.ok(r.ok);
        assert.deepEqual(r.route.urls, ['https://transfers.example']);
        assert.equal(r.route.accountTransfer, true);
        assert.equal(r.route.urlPrefix, null);
        assert.equal(r.route.upstream, null);
      } else if (r.ok) {
        assert.equal(r.route.accountTransfer, false);
      }
    });
  }

  it('keeps the trie ttl and timeout for overridden requests', () => {
    const r = withOverride.route(urn('steemd', 'database_api', 'get_state', ['/@alice/transfers']));
    assert.ok(r.ok);
    assert.equal(r.route.ttl, 3);
    assert.equal(r.route.timeout.configured, 5);
  });

  it('does nothing when the variable is unset', () => {
    const r = without.route(urn('steemd', 'database_api', 'get_state', ['/@alice/transfers']));
    assert.ok(r.ok);
    assert.equal(r.route.accountTransfer, false);
    assert.deepEqual(r.route.urls, ['https://steemd.example']);
  });

  it('follows Python re semantics for \\s and $', () => {
    const table: [string, boolean][] = [
      ['/@a/transfers\n', true],
      ['/@a/transfers\n\n', false],
      ['/@a\u001c/transfers', false],
      ['/@a\u0085/transfers', false],
      ['/@a\ufeff/transfers', true],
      ['/@a\u3000/transfers', false],
      ['@é/transfers', true],
    ];
    for (const [path, expected] of table) assert.equal(isAccountTransferPath(path), expected, JSON.stringify(path));
  });
});

describe('effective timeouts', () => {
  const cases: [number | null, number, { ms: number; kind: string }][] = [
    [3, 65_000, { ms: 3000, kind: 'RequestTimeout' }],
    [65, 65_000, { ms: 65_000, kind: 'RequestTimeout' }],
    [66, 65_000, { ms: 65_000, kind: 'ResponseTimeout' }],
    [0, 65_000, { ms: 65_000, kind: 'ResponseTimeout' }],
    [null, 500, { ms: 500, kind: 'ResponseTimeout' }],
    [1, 500, { ms: 500, kind: 'ResponseTimeout' }],
  ];
  for (const [configured, globalMs, expected] of cases) {
    it(`configured ${String(configured)} s with a ${globalMs} ms cap`, () => {
      const t = effectiveTimeout(configured, configured === null ? null : 'p', globalMs);
      assert.equal(t.ms, expected.ms);
      assert.equal(t.kind, expected.kind);
      assert.equal(t.configured, configured);
    });
  }
});
