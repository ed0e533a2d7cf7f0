// The CRDs are structural, documented, bounded, and named as the operator expects. An
// approximation of what the API server checks when they are applied (the kind e2e is authoritative).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_GROUP, API_VERSION, CACHE_RULE_KIND, CACHE_RULE_PLURAL, RATE_LIMIT_POLICY_KIND, RATE_LIMIT_POLICY_PLURAL, UPSTREAM_KIND, UPSTREAM_PLURAL } from '@jussi/operator/names';
import { NAMESPACE_PATTERN, PREFIX_PATTERN, URL_PATTERN } from '@jussi/operator/resources/spec-rules';
import { type Crd, type SchemaNode, crdForKind, loadCrds, storageSchema } from './support/crd-files.js';
import { structuralProblems, unbounded, undocumented } from './support/structural.js';

const crds = loadCrds();

const expected = [
  { kind: UPSTREAM_KIND, plural: UPSTREAM_PLURAL, shortName: 'jru', countColumn: 'Routes', countField: '.status.routeCount' },
  { kind: CACHE_RULE_KIND, plural: CACHE_RULE_PLURAL, shortName: 'jcr', countColumn: 'Rules', countField: '.status.ruleCount' },
  { kind: RATE_LIMIT_POLICY_KIND, plural: RATE_LIMIT_POLICY_PLURAL, shortName: 'jrl', countColumn: 'Buckets', countField: '.status.bucketCount' },
];

/** The schema node a simple printer-column JSONPath reaches (filters and [*] step into items). */
function schemaAt(root: SchemaNode, jsonPath: string): SchemaNode | undefined {
  const steps = jsonPath
    .replace(/\[\?\(.*?\)\]/g, '[]')
    .replace(/\[\*\]/g, '[]')
    .split('.')
    .filter((s) => s !== '');
  let node: SchemaNode | undefined = root;
  for (const step of steps) {
    const name = step.replace(/\[\]$/, '');
    node = name === 'metadata' ? { type: 'object', properties: { creationTimestamp: { type: 'string' } } } : node?.properties?.[name];
    if (step.endsWith('[]')) node = node?.items;
    if (node === undefined) return undefined;
  }
  return node;
}

describe('CRDs', () => {
  it('there is exactly one CRD per kind', () => {
    assert.deepEqual(crds.map((c) => c.spec.names.kind).sort(), [CACHE_RULE_KIND, RATE_LIMIT_POLICY_KIND, UPSTREAM_KIND].sort());
  });

  for (const e of expected) {
    describe(e.kind, () => {
      const crd: Crd = crdForKind(crds, e.kind);
      const schema = storageSchema(crd);

      it('is apiextensions.k8s.io/v1, namespaced, in the jussi.io group, one served storage version v1alpha1', () => {
        assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
        assert.equal(crd.kind, 'CustomResourceDefinition');
        assert.equal(crd.metadata.name, `${e.plural}.${API_GROUP}`);
        assert.equal(crd.spec.group, API_GROUP);
        assert.equal(crd.spec.scope, 'Namespaced');
        assert.equal(crd.spec.names.plural, e.plural);
        assert.equal(crd.spec.names.listKind, `${e.kind}List`);
        assert.deepEqual(crd.spec.versions.map((v) => [v.name, v.served, v.storage]), [[API_VERSION, true, true]]);
      });

      it('has the status subresource, short name and the jussi category', () => {
        assert.deepEqual(crd.spec.versions[0]?.subresources, { status: {} });
        assert.deepEqual(crd.spec.names.shortNames, [e.shortName]);
        assert.deepEqual(crd.spec.names.categories, ['jussi']);
      });

      it('has a structural schema', () => {
        assert.deepEqual(structuralProblems(schema), []);
      });

      it('documents every field (kubectl explain)', () => {
        assert.deepEqual(undocumented(schema), []);
      });

      it('bounds every string and list (CEL cost estimates)', () => {
        assert.deepEqual(unbounded(schema), []);
      });

      it('keys its lists: conditions by type', () => {
        const conditions = schema.properties?.['status']?.properties?.['conditions'];
        assert.equal(conditions?.['x-kubernetes-list-type'], 'map');
        assert.deepEqual(conditions?.['x-kubernetes-list-map-keys'], ['type']);
        assert.equal(conditions?.['maxItems'], 8);
      });

      it('prints the count, Accepted, Programmed ("2/3") and Age columns from fields the schema has', () => {
        const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
        const byName = new Map(columns.map((c) => [c.name, c]));
        assert.equal(byName.get(e.countColumn)?.jsonPath, e.countField);
        assert.equal(byName.get('Accepted')?.jsonPath, '.status.conditions[?(@.type=="Accepted")].status');
        assert.equal(byName.get('Programmed')?.jsonPath, '.status.programmedProxies');
        assert.equal(byName.get('Age')?.type, 'date');
        for (const c of columns) {
          const node = schemaAt(schema, c.jsonPath);
          assert.ok(node !== undefined, `column ${c.name}: ${c.jsonPath} is not in the schema`);
          const type = node.type === 'integer' ? 'integer' : 'string';
          assert.equal(c.type === 'date' ? 'string' : c.type, type, `column ${c.name} type`);
        }
      });
    });
  }

  it('checks namespaces, prefixes and URLs with the same patterns as the operator (OpenAPI pattern, no CEL cost)', () => {
    const spec = storageSchema(crdForKind(crds, UPSTREAM_KIND)).properties?.['spec'];
    const route = spec?.properties?.['routes']?.items;
    const rule = storageSchema(crdForKind(crds, CACHE_RULE_KIND)).properties?.['spec']?.properties?.['rules']?.items;
    const patterns: [SchemaNode | undefined, RegExp][] = [
      [spec?.properties?.['namespace'], NAMESPACE_PATTERN],
      [route?.properties?.['prefix'], PREFIX_PATTERN],
      [route?.properties?.['url'], URL_PATTERN],
      [route?.properties?.['urls']?.items, URL_PATTERN],
      [spec?.properties?.['timeouts']?.items?.properties?.['prefix'], PREFIX_PATTERN],
      [rule?.properties?.['prefix'], PREFIX_PATTERN],
    ];
    for (const [node, pattern] of patterns) {
      assert.equal(typeof node?.['pattern'], 'string');
      assert.equal(new RegExp(node?.['pattern'] as string).source, pattern.source);
    }
  });

  it('the JsonRpcUpstream Serves column shows spec.namespace', () => {
    const columns = crdForKind(crds, UPSTREAM_KIND).spec.versions[0]?.additionalPrinterColumns ?? [];
    assert.equal(columns.find((c) => c.name === 'Serves')?.jsonPath, '.spec.namespace');
  });

  it('the structural checker finds what it is meant to find', () => {
    const bad: SchemaNode = {
      type: 'object',
      properties: {
        a: { description: 'no type' },
        b: { type: 'array' },
        c: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: { type: 'string' } },
        d: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'] },
        e: { type: 'string', anyOf: [{ type: 'string', description: 'no' }] },
        f: { type: 'string', $ref: '#/x' },
        g: { type: 'object', properties: { x: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'true', fieldPath: '.y' }, { rule: 'true', reason: 'Nope' }] },
      },
    };
    assert.deepEqual(structuralProblems(bad), [
      'a: every node needs a type',
      'b: an array needs exactly one items schema',
      'c: properties and additionalProperties are mutually exclusive',
      'd: map key k must be required or defaulted',
      'e: "description" is not allowed inside anyOf',
      'e: "type" is not allowed inside anyOf',
      'f: "$ref" is not allowed in a CRD schema',
      'g: fieldPath .y is not a field of this node',
      'g: reason must be one of FieldValueInvalid, FieldValueRequired, FieldValueForbidden, FieldValueDuplicate',
    ]);
  });
});
