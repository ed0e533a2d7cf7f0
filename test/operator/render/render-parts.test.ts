// The small parts render is built from: resource envelopes, the canonical text, and the record
// of what each published document holds of every resource.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asJussiResource } from '@jussi/operator/resources/as-resource';
import { documentText } from '@jussi/operator/render/document-text';
import { DEFAULT_OPERATOR_LIMITS } from '@jussi/operator/render/limits';
import { render } from '@jussi/operator/render/render';
import { acceptedContributions, contributionOf, type Verdict } from '@jussi/operator/render/verdict';
import { PublishedHistory } from '@jussi/operator/status/published-history';

describe('asJussiResource', () => {
  const base = { apiVersion: 'jussi.io/v1alpha1', kind: 'CacheRule', metadata: { name: 'r', namespace: 'rpc' }, spec: { rules: [] } };
  const table: { name: string; value: unknown; defaultNamespace?: string; expect: unknown }[] = [
    { name: 'a CacheRule', value: base, expect: base },
    { name: 'wrong apiVersion', value: { ...base, apiVersion: 'jussi.io/v1' }, expect: null },
    { name: 'another kind', value: { ...base, kind: 'ConfigMap' }, expect: null },
    { name: 'no name', value: { ...base, metadata: { namespace: 'rpc' } }, expect: null },
    { name: 'not an object', value: 'CacheRule', expect: null },
    { name: 'no namespace and no default', value: { ...base, metadata: { name: 'r' } }, expect: null },
    { name: 'no namespace, default given', value: { ...base, metadata: { name: 'r' } }, defaultNamespace: 'default', expect: { ...base, metadata: { name: 'r', namespace: 'default' } } },
    {
      name: 'wrongly typed metadata fields are dropped, the rest kept',
      value: { ...base, metadata: { name: 'r', namespace: 'rpc', generation: '2', creationTimestamp: 5, uid: 'u', labels: { a: 'b' } } },
      expect: { ...base, metadata: { name: 'r', namespace: 'rpc', uid: 'u', labels: { a: 'b' } } },
    },
    { name: 'the spec is not checked here (render judges it)', value: { ...base, spec: 'junk' }, expect: { ...base, spec: 'junk' } },
  ];
  for (const row of table) {
    it(row.name, () => assert.deepEqual(asJussiResource(row.value, row.defaultNamespace), row.expect));
  }
});

describe('documentText', () => {
  const table: { name: string; value: object; text: string }[] = [
    { name: 'keys sorted, nested objects indented', value: { b: 1, a: { d: true, c: null } }, text: '{\n  "a": {\n    "c": null,\n    "d": true\n  },\n  "b": 1\n}\n' },
    { name: 'scalar lists and entries on one line, lists of entries one per line', value: { e: [['x', 1], ['y', ['u', 'v']]], s: ['b', 'a'] }, text: '{\n  "e": [\n    ["x", 1],\n    ["y", ["u", "v"]]\n  ],\n  "s": ["b", "a"]\n}\n' },
    { name: 'empty containers, undefined members left out, raw UTF-8', value: { a: [], b: {}, c: undefined, d: 'é/"' }, text: '{\n  "a": [],\n  "b": {},\n  "d": "é/\\""\n}\n' },
  ];
  for (const row of table) {
    it(row.name, () => {
      assert.equal(documentText(row.value), row.text);
      assert.deepEqual(JSON.parse(row.text), JSON.parse(JSON.stringify(row.value)));
    });
  }
  it('refuses numbers JSON cannot hold', () => {
    assert.throws(() => documentText({ a: Number.NaN }), TypeError);
  });
});

describe('acceptedContributions and PublishedHistory', () => {
  const upstream = (generation: number): unknown => ({
    apiVersion: 'jussi.io/v1alpha1', kind: 'JsonRpcUpstream', metadata: { name: 'a', namespace: 'rpc', generation, creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { namespace: 'hive', routes: [{ prefix: 'hive', url: 'https://h.example.org' }] },
  });
  const rules = (generation: number, prefixes: string[]): unknown => ({
    apiVersion: 'jussi.io/v1alpha1', kind: 'CacheRule', metadata: { name: 'b', namespace: 'rpc', generation, creationTimestamp: '2024-01-01T00:00:01Z' },
    spec: { rules: prefixes.map((prefix) => ({ prefix, policy: 'NoCache' })) },
  });
  const renderAll = (...objects: unknown[]) => {
    const out = render({ resources: objects.map((o) => asJussiResource(o)).filter((r) => r !== null), limits: DEFAULT_OPERATOR_LIMITS });
    assert.ok(out.ok);
    return out;
  };

  it('record what a document holds of every accepted resource, and nothing of the others', () => {
    const bad = { ...(rules(2, []) as object), spec: { rules: [{ prefix: 'hive', policy: 'Forever' }] } };
    const out = renderAll(upstream(4), bad);
    assert.deepEqual([...acceptedContributions(out.verdicts)], [['JsonRpcUpstream/rpc/a', '4']]);
  });

  it("a CacheRule's contribution changes when a waiting rule joins, at the same generation", () => {
    const alone = renderAll(rules(3, ['hive', 'bridge']), upstream(1));
    const v = alone.verdicts.get('CacheRule/rpc/b') as Verdict;
    assert.equal(contributionOf(v), '3 waiting bridge');
    assert.equal(contributionOf({ ...v, waitingPrefixes: [] }), '3');
    assert.equal(contributionOf({ ...v, accepted: false }), null);
  });

  it('a resource runs on a proxy whose document holds it as it is now, whichever document that is', () => {
    const history = new PublishedHistory(3);
    const key = 'JsonRpcUpstream/rpc/a';
    assert.deepEqual(history.publicationOf(key, '1').published, false);
    history.record('h1', new Map([[key, '1']]));
    history.record('h2', new Map([[key, '1'], ['CacheRule/rpc/b', '1']]));
    const p = history.publicationOf(key, '1');
    assert.deepEqual([p.published, p.inLatest, p.runs('h1'), p.runs('h2'), p.runs('unknown'), p.runs(null)], [true, true, true, true, false, false]);
    history.record('h3', new Map([[key, '2']]));
    const edited = history.publicationOf(key, '2');
    assert.deepEqual([edited.inLatest, edited.runs('h1'), edited.runs('h3')], [true, false, true]);
    assert.equal(history.publicationOf(key, null).runs('h3'), false, 'not accepted: runs nowhere');
    history.record('h4', new Map());
    assert.equal(history.publicationOf(key, '1').runs('h1'), false, 'the oldest is forgotten beyond the limit');
    assert.equal(history.latest(), 'h4');
  });
});
