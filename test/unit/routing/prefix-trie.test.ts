import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PrefixTrie } from '@jussi/proxy/routing/prefix-trie';

// jussi's TEST_UPSTREAM_CONFIG "namespace" block plus a few steemd prefixes.
const PREFIXES: [string, string][] = [
  ['namespace', 'ns'],
  ['namespace.method', 'ns.method'],
  ['namespace.method.params=[666]', 'ns.method.666'],
  ['namespace.api.method', 'ns.api.method'],
  ['namespace.api.method.params=[666]', 'ns.api.method.666'],
  ['steemd', 'steemd'],
  ['steemd.database_api.get_block', 'get_block'],
  ['steemd.database_api.get_block.params=[1.5]', 'float'],
  ['appbase.condenser_api.get_state.params=["\\/@a\\/transfers"]', 'transfers'],
];

const CASES: { key: string; expect: [string, string] | null; why: string }[] = [
  { key: 'namespace', expect: ['namespace', 'ns'], why: 'exact' },
  { key: 'namespace.other', expect: ['namespace', 'ns'], why: 'longest is the namespace' },
  { key: 'namespace.method', expect: ['namespace.method', 'ns.method'], why: 'exact two components' },
  { key: 'namespace.method.params=[666]', expect: ['namespace.method.params=[666]', 'ns.method.666'], why: 'params component' },
  { key: 'namespace.method.params=[6666]', expect: ['namespace.method', 'ns.method'], why: 'params match only whole components' },
  { key: 'namespace.method.params=[66]', expect: ['namespace.method', 'ns.method'], why: 'no partial params match' },
  { key: 'namespace.api.method.params=[666]', expect: ['namespace.api.method.params=[666]', 'ns.api.method.666'], why: 'four components' },
  { key: 'namespace.api.method.params=[6666]', expect: ['namespace.api.method', 'ns.api.method'], why: 'falls back one level' },
  { key: 'namespace.other_api_name.method.params=[666]', expect: ['namespace', 'ns'], why: 'api differs' },
  { key: 'steemd.database_api.get_block.params=[1000]', expect: ['steemd.database_api.get_block', 'get_block'], why: 'method prefix' },
  { key: 'steemd.database_api.get_bl', expect: ['steemd', 'steemd'], why: 'get_bl is not a component of get_block' },
  { key: 'steemd.database_api.get_blocks', expect: ['steemd', 'steemd'], why: 'get_block is not a prefix of the component get_blocks' },
  { key: 'steemd.database_api.get_block.params=[1.5]', expect: ['steemd.database_api.get_block.params=[1.5]', 'float'], why: 'dots inside params split the same way' },
  { key: 'steemd.database_api.get_block.params=[1.5,2]', expect: ['steemd.database_api.get_block', 'get_block'], why: 'a params text that continues differs' },
  { key: 'appbase.condenser_api.get_state.params=["\\/@a\\/transfers"]', expect: ['appbase.condenser_api.get_state.params=["\\/@a\\/transfers"]', 'transfers'], why: 'escaped slashes' },
  { key: 'steemdx', expect: null, why: 'steemd is not a component of steemdx' },
  { key: 'hive.db_head_state', expect: null, why: 'no prefix' },
  { key: '', expect: null, why: 'empty key' },
  { key: '.', expect: null, why: 'empty components' },
];

describe('prefix trie (pygtrie StringTrie, separator ".")', () => {
  const trie = new PrefixTrie<string>();
  for (const [p, v] of PREFIXES) trie.set(p, v);

  for (const c of CASES) {
    it(`${c.key || '(empty)'}: ${c.why}`, () => {
      const m = trie.longestPrefix(c.key);
      assert.deepEqual(m === undefined ? null : [m.prefix, m.value], c.expect);
    });
  }

  it('lets a later set win and counts distinct prefixes', () => {
    const t = new PrefixTrie<number>();
    t.set('a.b', 1);
    t.set('a', 2);
    t.set('a.b', 3);
    assert.equal(t.size, 2);
    assert.deepEqual(t.longestPrefix('a.b.c'), { prefix: 'a.b', value: 3 });
    assert.deepEqual(
      [...t.entries()].map((e) => e.prefix).sort(),
      ['a', 'a.b'],
    );
  });

  it('visits every configured prefix of a key, shortest first, and reads exact prefixes', () => {
    const seen: string[] = [];
    trie.prefixesOf('namespace.api.method.params=[666]', (m) => seen.push(m.prefix));
    assert.deepEqual(seen, ['namespace', 'namespace.api.method', 'namespace.api.method.params=[666]']);
    const none: string[] = [];
    trie.prefixesOf('hive.x', (m) => none.push(m.prefix));
    assert.deepEqual(none, []);
    assert.equal(trie.get('namespace.method'), 'ns.method');
    assert.equal(trie.get('namespace.api'), undefined);
    assert.equal(trie.get('nope'), undefined);
  });

  it('treats an empty prefix as one empty component, which no URN has', () => {
    const t = new PrefixTrie<number>();
    t.set('', 1);
    assert.equal(t.longestPrefix('steemd.x'), undefined);
    assert.deepEqual(t.longestPrefix(''), { prefix: '', value: 1 });
  });

  it('agrees with a reference longest-prefix over split components', () => {
    const component = fc.constantFrom('a', 'b', 'ab', 'params=[1', '2]', '', 'c_api');
    const key = fc.array(component, { minLength: 0, maxLength: 5 }).map((parts) => parts.join('.'));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 12 }), key, (prefixes, k) => {
        const t = new PrefixTrie<number>();
        prefixes.forEach((p, i) => t.set(p, i));
        const parts = k.split('.');
        let expected: { prefix: string; value: number } | undefined;
        prefixes.forEach((p, i) => {
          const pp = p.split('.');
          const matches = pp.length <= parts.length && pp.every((c, j) => c === parts[j]);
          if (matches && (expected === undefined || pp.length >= expected.prefix.split('.').length)) {
            // Later sets of the same prefix win; a longer prefix beats a shorter one.
            if (expected === undefined || pp.length > expected.prefix.split('.').length || p === expected.prefix) expected = { prefix: p, value: i };
          }
        });
        assert.deepEqual(t.longestPrefix(k), expected);
      }),
      { numRuns: 500 },
    );
  });
});
