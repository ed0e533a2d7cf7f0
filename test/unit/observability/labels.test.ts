import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { API_CATALOGUE } from '@jussi/proxy/observability/api-catalogue';
import {
  boundedLabels,
  knownNames,
  MethodLabeler,
  NO_API,
  OTHER,
  UNKNOWN,
  type LabelSource,
  type UrnParts,
} from '@jussi/proxy/observability/labels';
import { conformanceAvailable, conformanceConfigPath, conformanceFile, readJson } from '../../support/repo.js';

const SOURCE: LabelSource = {
  names: ['steemd', 'appbase', 'hive', 'bridge'],
  prefixes: [
    'steemd',
    'appbase',
    'appbase.condenser_api.get_custom_thing',
    'appbase.my_plugin_api',
    'hive',
    'bridge',
    'sbds.count_operations',
    'steemd.database_api.get_state.params=["\\/trend.ing"]',
  ],
};

describe('boundedLabels', () => {
  const known = knownNames(SOURCE);
  // urn parts -> labels: the table is the spec.
  const cases: ReadonlyArray<readonly [UrnParts, readonly [string, string, string]]> = [
    [{ namespace: 'appbase', api: 'condenser_api', method: 'get_block' }, ['appbase', 'condenser_api', 'get_block']],
    [{ namespace: 'steemd', api: 'database_api', method: 'get_dynamic_global_properties' }, ['steemd', 'database_api', 'get_dynamic_global_properties']],
    [{ namespace: 'appbase', api: 'block_api', method: 'get_block_range' }, ['appbase', 'block_api', 'get_block_range']],
    [{ namespace: 'appbase', api: 'jsonrpc', method: 'get_methods' }, ['appbase', 'jsonrpc', 'get_methods']],
    [{ namespace: 'bridge', api: undefined, method: 'get_ranked_posts' }, ['bridge', NO_API, 'get_ranked_posts']],
    [{ namespace: 'hive', api: undefined, method: 'db_head_state' }, ['hive', NO_API, 'db_head_state']],
    // Known api, method not of that api: the method is not trusted.
    [{ namespace: 'appbase', api: 'block_api', method: 'get_accounts' }, ['appbase', 'block_api', OTHER]],
    // Names from configured prefixes (namespace `sbds` is only a prefix head).
    [{ namespace: 'appbase', api: 'condenser_api', method: 'get_custom_thing' }, ['appbase', 'condenser_api', 'get_custom_thing']],
    [{ namespace: 'appbase', api: 'my_plugin_api', method: 'anything' }, ['appbase', 'my_plugin_api', OTHER]],
    [{ namespace: 'sbds', api: undefined, method: 'count_operations' }, ['sbds', NO_API, 'count_operations']],
    // The params component of a prefix is not a name; the dots inside it do not split it.
    [{ namespace: 'steemd', api: 'database_api', method: 'ing"]' }, ['steemd', 'database_api', OTHER]],
    // Client inventions.
    [{ namespace: 'evil', api: 'condenser_api', method: 'get_block' }, [UNKNOWN, 'condenser_api', 'get_block']],
    [{ namespace: 'appbase', api: 'x_api', method: 'get_block' }, ['appbase', OTHER, OTHER]],
    [{ namespace: 'steemd', api: 'database_api', method: 'drop_tables' }, ['steemd', 'database_api', OTHER]],
    [{ namespace: 'hive', api: undefined, method: 'whatever' }, ['hive', NO_API, OTHER]],
  ];
  for (const [urn, [namespace, api, method]] of cases) {
    it(`${urn.namespace}.${urn.api ?? ''}.${urn.method} -> ${namespace}/${api}/${method}`, () => {
      assert.deepEqual(boundedLabels(urn, known), { namespace, api, method });
    });
  }
});

describe('MethodLabeler', () => {
  it('returns one interned, frozen object per label tuple', () => {
    const labeler = new MethodLabeler(SOURCE);
    const a = labeler.labels({ namespace: 'appbase', api: 'condenser_api', method: 'get_block' });
    const b = labeler.labels({ namespace: 'appbase', api: 'condenser_api', method: 'get_block' });
    const c = labeler.labels({ namespace: 'nope', api: 'nope', method: 'nope' });
    const d = labeler.labels({ namespace: 'other-nope', api: 'x', method: 'y' });
    assert.equal(a, b);
    assert.equal(c, d, 'different bogus inputs share the one fallback tuple');
    assert.ok(Object.isFrozen(a));
    assert.equal(labeler.distinctLabels, 2);
  });

  it('stays correct when its cache is smaller than the inputs', () => {
    const labeler = new MethodLabeler(SOURCE, 4);
    for (let round = 0; round < 3; round++) {
      for (const method of ['get_block', 'get_accounts', 'get_config', 'get_state', 'lookup_accounts', 'bogus']) {
        const labels = labeler.labels({ namespace: 'steemd', api: 'database_api', method });
        assert.equal(labels.method, method === 'bogus' ? OTHER : method);
      }
    }
  });

  it('never confuses parts that contain separators', () => {
    const labeler = new MethodLabeler(SOURCE);
    const x = labeler.labels({ namespace: 'appbase', api: 'condenser_api', method: 'get_block' });
    // Same characters, different split: must not hit the cached entry above.
    const y = labeler.labels({ namespace: 'appbase', api: 'condenser_apiget', method: '_block' });
    assert.equal(x.method, 'get_block');
    assert.deepEqual({ ...y }, { namespace: 'appbase', api: OTHER, method: OTHER });
  });

  it('keeps label tuples bounded for 10,000 distinct bogus methods', () => {
    const labeler = new MethodLabeler(SOURCE);
    const tuples = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const forms: UrnParts[] = [
        { namespace: 'steemd', api: 'database_api', method: `bogus_${i}` },
        { namespace: `ns${i}`, api: `api_${i}`, method: `m${i}` },
        { namespace: 'appbase', api: `x${i}_api`, method: 'get_block' },
        { namespace: 'hive', api: undefined, method: `h${i}` },
      ];
      for (const urn of forms) {
        const l = labeler.labels(urn);
        tuples.add(`${l.namespace}|${l.api}|${l.method}`);
      }
    }
    assert.deepEqual([...tuples].sort(), [
      'appbase|other|other',
      'hive|none|other',
      'steemd|database_api|other',
      'unknown|other|other',
    ]);
    assert.equal(labeler.distinctLabels, 4);
  });

  it('bounds tuples by config and catalogue even for crafted combinations', () => {
    const known = knownNames(SOURCE);
    const catalogueMethods = new Set([...API_CATALOGUE.values()].flatMap((s) => [...s])).size;
    // namespace labels (+unknown) x api labels (+other, none) x method labels (+other).
    const bound = (known.namespaces.size + 1) * (API_CATALOGUE.size + known.parts.size + 2) * (catalogueMethods + known.parts.size + 1);
    const labeler = new MethodLabeler(SOURCE);
    const tuples = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom(...known.namespaces, 'x', ''),
        fc.option(fc.oneof(fc.constantFrom(...API_CATALOGUE.keys()), fc.string()), { nil: undefined }),
        fc.oneof(fc.constantFrom(...[...API_CATALOGUE.values()].flatMap((s) => [...s])), fc.string(), fc.constantFrom(...known.parts)),
        (namespace, api, method) => {
          const l = labeler.labels({ namespace, api, method });
          assert.ok(known.namespaces.has(l.namespace) || l.namespace === UNKNOWN);
          assert.ok(API_CATALOGUE.has(l.api) || known.parts.has(l.api) || l.api === OTHER || l.api === NO_API);
          assert.ok([...API_CATALOGUE.values()].some((s) => s.has(l.method)) || known.parts.has(l.method) || l.method === OTHER);
          tuples.add(`${l.namespace}|${l.api}|${l.method}`);
        },
      ),
      { numRuns: 5000 },
    );
    assert.ok(tuples.size <= bound, `${tuples.size} > ${bound}`);
  });
});

interface UrnCase {
  readonly namespace?: string;
  readonly api?: string | null;
  readonly method?: string;
}

interface RawConfig {
  readonly upstreams: ReadonlyArray<{ readonly name: string; readonly urls: readonly unknown[]; readonly ttls: readonly unknown[]; readonly timeouts: readonly unknown[] }>;
}

/** Names and prefixes of a jussi config file, in either entry form. */
function sourceOf(config: RawConfig): LabelSource {
  const prefixOf = (entry: unknown): string | undefined => {
    if (Array.isArray(entry)) return typeof entry[0] === 'string' ? entry[0] : undefined;
    if (typeof entry === 'object' && entry !== null) {
      const p = (entry as Record<string, unknown>)['prefix'];
      return typeof p === 'string' ? p : undefined;
    }
    return undefined;
  };
  const prefixes = config.upstreams.flatMap((u) => [...u.urls, ...u.ttls, ...u.timeouts].map(prefixOf)).filter((p): p is string => p !== undefined);
  return { names: config.upstreams.map((u) => u.name), prefixes };
}

describe('labels of jussi\'s URN vectors', { skip: !conformanceAvailable() && 'conformance vectors not available' }, () => {
  it('keeps every real method and configured namespace of the test config', () => {
    const cases = conformanceFile<UrnCase[]>('urn_cases.json').filter((c) => typeof c.namespace === 'string' && typeof c.method === 'string');
    const source = sourceOf(readJson<RawConfig>(conformanceConfigPath('TEST_UPSTREAM_CONFIG.json')));
    const labeler = new MethodLabeler(source);
    const names = new Set(source.names);
    assert.ok(cases.length > 200);
    let keptMethods = 0;
    for (const c of cases) {
      const urn: UrnParts = { namespace: c.namespace as string, api: c.api ?? undefined, method: c.method as string };
      const l = labeler.labels(urn);
      assert.equal(l.namespace, names.has(urn.namespace) ? urn.namespace : UNKNOWN);
      assert.ok(l.method === urn.method || l.method === OTHER);
      assert.ok(l.api === (urn.api ?? NO_API) || l.api === OTHER);
      if (l.method === urn.method) keptMethods += 1;
    }
    // The vectors are mostly real Steem calls: nearly all keep their method name.
    assert.ok(keptMethods / cases.length > 0.8, `${keptMethods}/${cases.length}`);
  });
});
