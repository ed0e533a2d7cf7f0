// values.yaml, values.schema.json and the README's values table describe the same keys: every
// key is commented, the schema closes every object (additionalProperties), carries the same
// descriptions and defaults, and the README table is generated from the comments
// (UPDATE_GOLDEN=1 rewrites it).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { readmePath, readValuesDoc, renderValuesTable, schemaAt, schemaPath, spliceTable, valuesPath, withDocsFromValues } from './support/values-doc.js';

const doc = readValuesDoc();
if (process.env['UPDATE_GOLDEN'] === '1') {
  // Descriptions and defaults follow values.yaml; types and constraints are edited by hand.
  const current: unknown = JSON.parse(readFileSync(schemaPath, 'utf8'));
  writeFileSync(schemaPath, `${JSON.stringify(withDocsFromValues(current, doc.rows), null, 2)}\n`);
}
const schema: unknown = JSON.parse(readFileSync(schemaPath, 'utf8'));
const values: unknown = YAML.parse(readFileSync(valuesPath, 'utf8'));

/** Every object-typed node of the schema with its JSON pointer-ish path. */
function objectNodes(node: unknown, path: string, out: Array<{ path: string; node: Record<string, unknown> }>): void {
  if (node === null || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  const types = Array.isArray(n['type']) ? n['type'] : [n['type']];
  if (types.includes('object')) out.push({ path, node: n });
  for (const [k, v] of Object.entries(n)) {
    if (k === 'properties' && v !== null && typeof v === 'object') {
      for (const [p, sub] of Object.entries(v as Record<string, unknown>)) objectNodes(sub, path === '' ? p : `${path}.${p}`, out);
    } else if (k === 'items' || k === 'additionalProperties') {
      objectNodes(v, `${path}[${k}]`, out);
    } else if (k === 'anyOf' && Array.isArray(v)) {
      v.forEach((sub, i) => objectNodes(sub, `${path}[anyOf ${i}]`, out));
    }
  }
}

/** Dotted paths of every schema property reachable through `properties`. */
function schemaKeys(node: unknown, prefix: string, out: string[]): void {
  const props = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)['properties'] : undefined;
  if (props === null || typeof props !== 'object') return;
  for (const [k, sub] of Object.entries(props as Record<string, unknown>)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    out.push(key);
    schemaKeys(sub, key, out);
  }
}

describe('values.yaml, values.schema.json and the README agree', () => {
  it('every key in values.yaml is documented by a # -- comment (or inside a documented value)', () => {
    assert.deepEqual(doc.undocumented, []);
    assert.ok(doc.rows.length > 50, `only ${doc.rows.length} documented keys found: is the comment parser broken?`);
  });

  it('the schema closes every object: additionalProperties false, a map schema, or a listed Kubernetes type', () => {
    // Deep Kubernetes API objects passed through verbatim: the apiserver validates their content.
    const kubernetesTypes = new Set([
      'operator.affinity.nodeAffinity', 'operator.affinity.podAffinity', 'operator.affinity.podAntiAffinity',
      'proxy.affinity.nodeAffinity', 'proxy.affinity.podAffinity', 'proxy.affinity.podAntiAffinity',
      'operator.topologySpreadConstraints[items].labelSelector', 'proxy.topologySpreadConstraints[items].labelSelector',
      'proxy.autoscaling.behavior.scaleUp', 'proxy.autoscaling.behavior.scaleDown',
      'networkPolicy.rpcFrom[items].podSelector', 'networkPolicy.rpcFrom[items].namespaceSelector',
      'networkPolicy.metricsFrom[items].podSelector', 'networkPolicy.metricsFrom[items].namespaceSelector',
    ]);
    const nodes: Array<{ path: string; node: Record<string, unknown> }> = [];
    objectNodes(schema, '', nodes);
    assert.ok(nodes.length > 40);
    const open = nodes.filter(({ path, node }) => {
      const ap = node['additionalProperties'];
      const typedMap = ap !== null && typeof ap === 'object';
      if (node['properties'] !== undefined) return ap !== false && !typedMap;
      return !typedMap && !kubernetesTypes.has(path);
    });
    assert.deepEqual(open.map((o) => o.path), [], 'open object nodes (a typo inside them would pass silently)');
    const stale = [...kubernetesTypes].filter((p) => !nodes.some((n) => n.path === p));
    assert.deepEqual(stale, [], 'allowlisted paths that no longer exist');
  });

  it('each documented key is in the schema with the same description and default', () => {
    for (const row of doc.rows) {
      const node = schemaAt(schema, row.key);
      assert.ok(node, `${row.key} is missing from values.schema.json`);
      const fix = 'run UPDATE_GOLDEN=1 npm run t -- test/helm/values-doc.test.ts';
      assert.equal(node['description'], row.description, `${row.key}: schema description differs from the values.yaml comment: ${fix}`);
      assert.deepEqual(node['default'], row.default, `${row.key}: schema default differs from values.yaml: ${fix}`);
    }
  });

  it('every schema key exists in values.yaml (or inside a documented passthrough value)', () => {
    const keys: string[] = [];
    schemaKeys(schema, '', keys);
    const rowKeys = doc.rows.map((r) => r.key);
    const stray = keys.filter((k) => !doc.allKeys.includes(k) && !rowKeys.some((r) => k.startsWith(`${r}.`)));
    assert.deepEqual(stray, []);
  });

  it('values.yaml itself validates against the schema (ajv, draft-07)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema as object);
    assert.ok(validate(values), JSON.stringify(validate.errors));
  });

  it('the README values table is generated from values.yaml', () => {
    const readme = readFileSync(readmePath, 'utf8');
    const expected = spliceTable(readme, renderValuesTable(doc.rows, schema));
    assert.ok(expected !== undefined, 'README.md lacks the values-table markers');
    if (process.env['UPDATE_GOLDEN'] === '1' && expected !== readme) writeFileSync(readmePath, expected);
    assert.equal(readFileSync(readmePath, 'utf8'), expected,
      'charts/jussi/README.md values table is stale: run UPDATE_GOLDEN=1 npm run t -- test/helm/values-doc.test.ts');
  });
});
