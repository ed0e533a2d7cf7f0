import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConfigResult, NormalisedConfig } from '@jussi/proxy/config/document';
import { EXAMPLE_CONFIG_TEXT } from '@jussi/proxy/config/example-config';
import { DEFAULT_ACCOUNT_HISTORY_LIMIT, DEFAULT_CUSTOM_JSON_OP_LENGTH, loadConfigDocument } from '@jussi/proxy/config/load';
import { formatConfigProblems } from '@jussi/proxy/config/problems';
import { CONFIG_DOCUMENT_SCHEMA, validateConfigSchema } from '@jussi/proxy/config/schema';
import { conformanceAvailable, conformanceConfigPath, conformanceDir } from '../../support/repo.js';

function load(doc: unknown): ConfigResult {
  return loadConfigDocument(JSON.stringify(doc));
}

function loaded(doc: unknown): NormalisedConfig {
  const r = load(doc);
  assert.ok(r.ok, r.ok ? '' : formatConfigProblems(r.problems));
  return r.config;
}

function block(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'steemd', urls: [['steemd', 'https://api.example.com']], ttls: [['steemd', 3]], timeouts: [['steemd', 5]], ...extra };
}

describe('config loading: shipped jussi configs', { skip: !conformanceAvailable() && `no vectors at ${conformanceDir}` }, () => {
  const names = conformanceAvailable()
    ? readdirSync(`${conformanceDir}/configs`).filter((f) => f.endsWith('.json') && f !== 'upstreams_schema.json')
    : [];
  for (const name of names) {
    it(`loads ${name}`, () => {
      const r = loadConfigDocument(readFileSync(conformanceConfigPath(name), 'utf8'));
      assert.ok(r.ok, r.ok ? '' : formatConfigProblems(r.problems));
    });
  }

  it('warns about DEV_config dead get_state prefixes and its blacklist_accounts key', () => {
    const r = loadConfigDocument(readFileSync(conformanceConfigPath('DEV_config.json'), 'utf8'));
    assert.ok(r.ok);
    const paths = r.config.warnings.map((w) => w.path);
    assert.deepEqual(paths, [
      '/upstreams/0/ttls/10/0',
      '/upstreams/0/ttls/11/0',
      '/upstreams/0/ttls/12/0',
      '/upstreams/0/ttls/13/0',
      '/upstreams/0/ttls/14/0',
      '/upstreams/0/ttls/15/0',
      '/limits/blacklist_accounts',
    ]);
    assert.match(r.config.warnings[0]?.message ?? '', /params=\["\\\/trending"\]/);
    assert.match(r.config.warnings[6]?.message ?? '', /accounts_blacklist/);
    // jussi never reads blacklist_accounts: the blacklist stays empty.
    assert.equal(r.config.limits.accountsBlacklist.size, 0);
    assert.equal(r.config.limits.accountHistoryLimit, 100);
  });

  it('reads TEST_UPSTREAM_CONFIG limits, object entries and translate flags', () => {
    const r = loadConfigDocument(readFileSync(conformanceConfigPath('TEST_UPSTREAM_CONFIG.json'), 'utf8'));
    assert.ok(r.ok);
    assert.deepEqual([...r.config.limits.accountsBlacklist], ['non-steemit']);
    assert.equal(r.config.limits.accountHistoryLimit, DEFAULT_ACCOUNT_HISTORY_LIMIT);
    assert.deepEqual(r.config.urls.find((e) => e.prefix === 'yo'), { prefix: 'yo', value: ['wss://yo.steemitdev.com'], upstream: 'yo' });
    assert.deepEqual(r.config.timeouts.find((e) => e.prefix === 'yo'), { prefix: 'yo', value: 3, upstream: 'yo' });
    assert.ok(r.config.upstreams.every((u) => !u.translateToAppbase));
  });
});

describe('config loading: the embedded example', () => {
  it('loads without warnings and routes steemd, appbase and hive to public nodes', () => {
    const r = loadConfigDocument(EXAMPLE_CONFIG_TEXT);
    assert.ok(r.ok, r.ok ? '' : formatConfigProblems(r.problems));
    assert.deepEqual(r.config.warnings, []);
    const urls = Object.fromEntries(r.config.urls.map((e) => [e.prefix, e.value]));
    assert.deepEqual(urls['steemd'], ['https://api.steemit.com']);
    assert.deepEqual(urls['appbase'], ['https://api.steemit.com']);
    assert.deepEqual(urls['hive'], ['https://api.hive.blog']);
    assert.ok(r.config.ttls.some((e) => e.value === -2 && e.prefix.endsWith('get_block')));
    assert.equal(r.config.upstreams.find((u) => u.name === 'steemd')?.translateToAppbase, true);
  });
});

describe('config loading: entry forms and later-wins', () => {
  it('reads pair and object entries alike (object: the member other than prefix, before or after it)', () => {
    const pairs = loaded({ upstreams: [block()] });
    const objects = loaded({
      upstreams: [
        block({
          urls: [{ prefix: 'steemd', upstream_url: 'https://api.example.com' }],
          ttls: [{ upstream_ttl: 3, prefix: 'steemd' }],
          timeouts: [{ prefix: 'steemd', anything: 5 }],
        }),
      ],
    });
    assert.deepEqual(objects.urls, pairs.urls);
    assert.deepEqual(objects.ttls, pairs.ttls);
    assert.deepEqual(objects.timeouts, pairs.timeouts);
  });

  it('normalises a single URL to a list and keeps URL lists in order', () => {
    const c = loaded({
      upstreams: [block({ urls: [['steemd', 'https://a.example'], ['steemd.x', ['wss://b.example', 'https://c.example']]] })],
    });
    assert.deepEqual(
      c.urls.map((e) => [e.prefix, e.value]),
      [
        ['steemd', ['https://a.example']],
        ['steemd.x', ['wss://b.example', 'https://c.example']],
      ],
    );
  });

  it('lets a later entry win, within a block and across blocks, and warns at the overridden one', () => {
    const c = loaded({
      upstreams: [
        block({ ttls: [['steemd', 3], ['steemd.database_api', 1], ['steemd', 7]] }),
        { name: 'appbase', urls: [['appbase', 'https://b.example']], ttls: [['steemd.database_api', -1]], timeouts: [] },
      ],
    });
    assert.deepEqual(
      c.ttls.map((e) => [e.prefix, e.value, e.upstream]),
      [
        ['steemd', 7, 'steemd'],
        ['steemd.database_api', -1, 'appbase'],
      ],
    );
    assert.deepEqual(
      c.warnings.map((w) => w.path),
      ['/upstreams/0/ttls/0/0', '/upstreams/0/ttls/1/0'],
    );
    assert.match(c.warnings[0]?.message ?? '', /defined again at \/upstreams\/0\/ttls\/2\/0; the later entry wins/);
    assert.match(c.warnings[1]?.message ?? '', /defined again at \/upstreams\/1\/ttls\/0\/0/);
  });
});

describe('config loading: limits', () => {
  const cases: { name: string; limits: unknown; expect: { blacklist: string[]; history: number; customJson: number; batch: number | null } }[] = [
    { name: 'absent', limits: undefined, expect: { blacklist: [], history: 100, customJson: 8192, batch: null } },
    { name: 'empty object', limits: {}, expect: { blacklist: [], history: 100, customJson: 8192, batch: null } },
    {
      name: 'all set',
      limits: { accounts_blacklist: ['a', 'b'], account_history_limit: 1000, custom_json_op_length: 2000, jsonrpc_batch_size_limit: 10 },
      expect: { blacklist: ['a', 'b'], history: 1000, customJson: 2000, batch: 10 },
    },
    { name: 'blacklist only', limits: { accounts_blacklist: ['x'] }, expect: { blacklist: ['x'], history: 100, customJson: 8192, batch: null } },
  ];
  for (const c of cases) {
    it(`limits ${c.name}`, () => {
      const config = loaded(c.limits === undefined ? { upstreams: [block()] } : { limits: c.limits, upstreams: [block()] });
      assert.deepEqual([...config.limits.accountsBlacklist], c.expect.blacklist);
      assert.equal(config.limits.accountHistoryLimit, c.expect.history);
      assert.equal(config.limits.customJsonOpLength, c.expect.customJson);
      assert.equal(config.limits.batchSizeLimit, c.expect.batch);
    });
  }
  it('has jussi defaults as named constants', () => {
    assert.equal(DEFAULT_ACCOUNT_HISTORY_LIMIT, 100);
    assert.equal(DEFAULT_CUSTOM_JSON_OP_LENGTH, 8192);
  });
});

describe('config loading: problems name the JSON path and say what is expected', () => {
  const cases: { name: string; doc: unknown; problems: [string, RegExp][] }[] = [
    { name: 'not an object', doc: [], problems: [['', /expected a config document/]] },
    { name: 'no upstreams', doc: {}, problems: [['/upstreams', /"upstreams" is required: expected a list of upstream blocks/]] },
    {
      name: 'block members missing',
      doc: { upstreams: [{ name: 'steemd' }] },
      problems: [
        ['/upstreams/0/urls', /"urls" is required/],
        ['/upstreams/0/ttls', /"ttls" is required/],
        ['/upstreams/0/timeouts', /"timeouts" is required/],
      ],
    },
    { name: 'name ends with _api', doc: { upstreams: [block({ name: 'database_api' })] }, problems: [['/upstreams/0/name', /not ending in "_api".*got the string "database_api"/]] },
    { name: 'name jsonrpc', doc: { upstreams: [block({ name: 'jsonrpc' })] }, problems: [['/upstreams/0/name', /other than "jsonrpc"/]] },
    { name: 'name empty', doc: { upstreams: [block({ name: '' })] }, problems: [['/upstreams/0/name', /non-empty name/]] },
    { name: 'name with a dot', doc: { upstreams: [block({ name: 'a.b' })] }, problems: [['/upstreams/0/name', /without "\."/]] },
    { name: 'name not a string', doc: { upstreams: [block({ name: 5 })] }, problems: [['/upstreams/0/name', /expected a name .*got the integer 5/]] },
    {
      name: 'URL scheme',
      doc: { upstreams: [block({ urls: [['steemd', 'ftp://x.example']] })] },
      problems: [['/upstreams/0/urls/0/1', /http:\/\/, https:\/\/, ws:\/\/ or wss:\/\/.*"ftp:\/\/x\.example"/]],
    },
    {
      name: 'URL scheme in upper case (jussi dispatches on the lower-case prefixes)',
      doc: { upstreams: [block({ urls: [['steemd', 'HTTPS://x.example']] })] },
      problems: [['/upstreams/0/urls/0/1', /http:\/\//]],
    },
    {
      name: 'URL without a host',
      doc: { upstreams: [block({ urls: [['steemd', 'http://:80']] })] },
      problems: [['/upstreams/0/urls/0/1', /valid URL|host name/]],
    },
    {
      name: 'URL list member',
      doc: { upstreams: [block({ urls: [['steemd', ['https://a.example', 'tcp://b']]] })] },
      problems: [['/upstreams/0/urls/0/1/1', /upstream URL/]],
    },
    { name: 'empty URL list', doc: { upstreams: [block({ urls: [['steemd', []]] })] }, problems: [['/upstreams/0/urls/0/1', /non-empty list/]] },
    {
      name: 'URL in object form',
      doc: { upstreams: [block({ urls: [{ prefix: 'steemd', upstream_url: 'gopher://x' }] })] },
      problems: [['/upstreams/0/urls/0/upstream_url', /upstream URL/]],
    },
    { name: 'ttl below -2', doc: { upstreams: [block({ ttls: [['steemd', -3]] })] }, problems: [['/upstreams/0/ttls/0/1', /integer number of seconds >= -2.*got the integer -3/]] },
    { name: 'ttl not an integer', doc: { upstreams: [block({ ttls: [['steemd', 1.5]] })] }, problems: [['/upstreams/0/ttls/0/1', /got the number 1\.5/]] },
    { name: 'ttl as a string', doc: { upstreams: [block({ ttls: [['steemd', '3']] })] }, problems: [['/upstreams/0/ttls/0/1', /got the string "3"/]] },
    { name: 'negative timeout', doc: { upstreams: [block({ timeouts: [['steemd', -1]] })] }, problems: [['/upstreams/0/timeouts/0/1', />= 0 \(0 = no per-prefix timeout\)/]] },
    { name: 'fractional timeout', doc: { upstreams: [block({ timeouts: [['steemd', 0.5]] })] }, problems: [['/upstreams/0/timeouts/0/1', /integer/]] },
    { name: 'pair too short', doc: { upstreams: [block({ ttls: [['steemd']] })] }, problems: [['/upstreams/0/ttls/0', /pair \[prefix, value\], got an array of 1/]] },
    { name: 'pair too long', doc: { upstreams: [block({ ttls: [['steemd', 1, 2]] })] }, problems: [['/upstreams/0/ttls/0', /pair/]] },
    { name: 'prefix not a string', doc: { upstreams: [block({ ttls: [[3, 3]] })] }, problems: [['/upstreams/0/ttls/0/0', /prefix string/]] },
    {
      name: 'object entry without prefix',
      doc: { upstreams: [block({ ttls: [{ upstream_ttl: 3 }] })] },
      problems: [
        ['/upstreams/0/ttls/0', /exactly two members/],
        ['/upstreams/0/ttls/0/prefix', /"prefix" is required/],
      ],
    },
    {
      name: 'object entry with three members (ambiguous in jussi)',
      doc: { upstreams: [block({ ttls: [{ upstream_ttl: 3, prefix: 'steemd', note: 'x' }] })] },
      problems: [
        ['/upstreams/0/ttls/0', /exactly two members.*3 members/],
        ['/upstreams/0/ttls/0/note', /ttl: an integer/],
      ],
    },
    { name: 'entry neither pair nor object', doc: { upstreams: [block({ ttls: ['steemd'] })] }, problems: [['/upstreams/0/ttls/0', /exactly two members/]] },
    { name: 'translate_to_appbase not a boolean', doc: { upstreams: [block({ translate_to_appbase: 'yes' })] }, problems: [['/upstreams/0/translate_to_appbase', /true or false, got the string "yes"/]] },
    { name: 'limits not an object', doc: { limits: [], upstreams: [block()] }, problems: [['/limits', /an object of limits/]] },
    {
      name: 'limit values',
      doc: { limits: { accounts_blacklist: 'x', account_history_limit: -1, custom_json_op_length: 'big', jsonrpc_batch_size_limit: 0 }, upstreams: [block()] },
      problems: [
        ['/limits/accounts_blacklist', /list of account names/],
        ['/limits/account_history_limit', />= 0/],
        ['/limits/custom_json_op_length', /UTF-8 bytes/],
        ['/limits/jsonrpc_batch_size_limit', />= 1/],
      ],
    },
    { name: 'blacklist member', doc: { limits: { accounts_blacklist: ['a', 1] }, upstreams: [block()] }, problems: [['/limits/accounts_blacklist/1', /account name/]] },
    {
      name: 'pool settings',
      doc: { upstreams: [block({ pool: { http_connections: 0, websocket_min: 1.5, surprise: true } })] },
      problems: [
        ['/upstreams/0/pool/surprise', /unexpected member "surprise"/],
        ['/upstreams/0/pool/http_connections', />= 1/],
        ['/upstreams/0/pool/websocket_min', /integer/],
      ],
    },
    {
      name: 'pool minimum above maximum',
      doc: { upstreams: [block({ pool: { websocket_min: 9, websocket_max: 2 } })] },
      problems: [['/upstreams/0/pool/websocket_min', /must not exceed websocket_max \(2\)/]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = load(c.doc);
      assert.ok(!r.ok, `${c.name}: expected problems`);
      const text = formatConfigProblems(r.problems);
      assert.equal(r.problems.length, c.problems.length, text);
      c.problems.forEach(([path, message], i) => {
        assert.equal(r.problems[i]?.path, path, text);
        assert.match(r.problems[i]?.message ?? '', message, text);
      });
    });
  }

  it('reports invalid JSON with the parser detail', () => {
    const r = loadConfigDocument('{"upstreams": [');
    assert.ok(!r.ok);
    assert.equal(r.problems[0]?.path, '');
    assert.match(r.problems[0]?.message ?? '', /^not valid JSON: /);
  });

  it('lists every problem of a document at once', () => {
    const r = load({ upstreams: [block({ name: 'x_api', ttls: [['x', -5]] }), block({ timeouts: [['y', 'z']] })] });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.problems.map((p) => p.path),
      ['/upstreams/0/name', '/upstreams/0/ttls/0/1', '/upstreams/1/timeouts/0/1'],
    );
  });

  it('formats problems one per line with their path', () => {
    assert.equal(
      formatConfigProblems([
        { path: '', message: 'a' },
        { path: '/upstreams/0', message: 'b' },
      ]),
      '(document): a\n/upstreams/0: b',
    );
  });
});

describe('config loading: warnings', () => {
  const cases: { name: string; doc: unknown; warnings: [string, RegExp][] }[] = [
    {
      name: 'unknown members at every level',
      doc: { extra: 1, limits: { acounts_blacklist: [] }, upstreams: [block({ timeout: [] })] },
      warnings: [
        ['/extra', /unknown member "extra" in the document is ignored/],
        ['/upstreams/0/timeout', /unknown member "timeout" in upstream block "steemd"/],
        ['/limits/acounts_blacklist', /unknown member "acounts_blacklist" in limits/],
      ],
    },
    {
      name: 'dead prefixes',
      doc: {
        upstreams: [
          block({
            ttls: [
              ['steemd', 3],
              ["steemd.database_api.get_state.params=['/x']", 1],
              ['steemd.database_api.get_block.params=[1].extra', 1],
              ['steemd..get_block', 1],
            ],
          }),
        ],
      },
      warnings: [
        ['/upstreams/0/ttls/1/0', /ttl prefix .* can never match/],
        ['/upstreams/0/ttls/2/0', /not JSON params/],
        ['/upstreams/0/ttls/3/0', /empty component/],
      ],
    },
    {
      name: 'duplicate block names',
      doc: { upstreams: [block(), block({ urls: [['steemd.x', 'https://b.example']], ttls: [], timeouts: [] })] },
      warnings: [['/upstreams/1/name', /also defined at \/upstreams\/0/]],
    },
    {
      name: 'translation without an appbase route',
      doc: { upstreams: [block({ translate_to_appbase: true })] },
      warnings: [['/upstreams/0/translate_to_appbase', /no url prefix routes "appbase"/]],
    },
    {
      name: 'blacklist_accounts',
      doc: { limits: { blacklist_accounts: ['x'] }, upstreams: [block()] },
      warnings: [['/limits/blacklist_accounts', /jussi never reads "blacklist_accounts"/]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const config = loaded(c.doc);
      const text = formatConfigProblems(config.warnings);
      assert.equal(config.warnings.length, c.warnings.length, text);
      c.warnings.forEach(([path, message], i) => {
        assert.equal(config.warnings[i]?.path, path, text);
        assert.match(config.warnings[i]?.message ?? '', message, text);
      });
    });
  }

  it('keeps `retries` without a warning (jussi ignores it)', () => {
    assert.deepEqual(loaded({ upstreams: [block({ retries: [['steemd', 3]] })] }).warnings, []);
  });
});

describe('config loading: hash', () => {
  it('is the sha256 hex of the exact text, stable across loads', () => {
    const text = JSON.stringify({ upstreams: [block()] });
    const a = loadConfigDocument(text);
    const b = loadConfigDocument(text);
    assert.ok(a.ok && b.ok);
    assert.equal(a.config.hash, createHash('sha256').update(text).digest('hex'));
    assert.equal(a.config.hash, b.config.hash);
  });

  it('changes with any change of the text, even insignificant whitespace', () => {
    const text = JSON.stringify({ upstreams: [block()] });
    const a = loadConfigDocument(text);
    const b = loadConfigDocument(`${text}\n`);
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.config.hash, b.config.hash);
  });

  it('hashes non-ASCII text as UTF-8', () => {
    const text = JSON.stringify({ limits: { accounts_blacklist: ['é'] }, upstreams: [block()] });
    const r = loadConfigDocument(text);
    assert.ok(r.ok);
    assert.equal(r.config.hash, createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
  });

  it('accepts a leading byte-order mark', () => {
    assert.ok(loadConfigDocument(`\ufeff${JSON.stringify({ upstreams: [block()] })}`).ok);
  });
});

describe('config schema export', () => {
  it('is a JSON Schema object the operator can reuse, and validates the same documents', () => {
    assert.equal(CONFIG_DOCUMENT_SCHEMA.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.ok(validateConfigSchema({ upstreams: [block()] }).ok);
    const bad = validateConfigSchema({ upstreams: [block({ ttls: [['x', 'y']] })] });
    assert.ok(!bad.ok);
    assert.equal(bad.problems[0]?.path, '/upstreams/0/ttls/0/1');
  });
});

describe('config loading never throws', () => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const r = loadConfigDocument(text);
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary JSON values, also inside a plausible document', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (a, b, c) => {
        for (const doc of [a, { upstreams: a, limits: b }, { upstreams: [{ name: 'n', urls: a, ttls: b, timeouts: c, pool: a }] }]) {
          const r = load(doc);
          if (!r.ok) assert.ok(r.problems.length > 0 && r.problems.every((p) => typeof p.path === 'string' && p.message !== ''));
        }
      }),
      { numRuns: 300 },
    );
  });
});
