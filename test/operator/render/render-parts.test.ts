// The small parts render is built from: resource envelopes, the canonical text, and the record
// of which generations a document holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asJussiResource } from '@jussi/operator/resources/as-resource';
import { documentText } from '@jussi/operator/render/document-text';
import { DEFAULT_OPERATOR_LIMITS } from '@jussi/operator/render/limits';
import { render } from '@jussi/operator/render/render';
import { acceptedGenerations } from '@jussi/operator/render/verdict';
import { publishedFor } from '@jussi/operator/status/inputs';

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

describe('acceptedGenerations and publishedFor', () => {
  it('record the generation of every accepted resource, and none of the others', () => {
    const resources = [
      { apiVersion: 'jussi.io/v1alpha1', kind: 'JsonRpcUpstream', metadata: { name: 'a', namespace: 'rpc', generation: 4 }, spec: { namespace: 'hive', routes: [{ prefix: 'hive', url: 'https://h.example.org' }] } },
      { apiVersion: 'jussi.io/v1alpha1', kind: 'CacheRule', metadata: { name: 'b', namespace: 'rpc', generation: 2 }, spec: { rules: [{ prefix: 'hive', policy: 'Forever' }] } },
    ] as const;
    const out = render({ resources: resources.map((r) => asJussiResource(r)).filter((r) => r !== null), limits: DEFAULT_OPERATOR_LIMITS });
    assert.ok(out.ok);
    const generations = acceptedGenerations(out.verdicts);
    assert.deepEqual([...generations], [['JsonRpcUpstream/rpc/a', 4]]);
    assert.deepEqual(publishedFor('JsonRpcUpstream/rpc/a', out.hash, generations), { hash: out.hash, generation: 4 });
    assert.deepEqual(publishedFor('CacheRule/rpc/b', out.hash, generations), { hash: out.hash, generation: null });
  });
});
