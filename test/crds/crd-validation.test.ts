// Every example in crds/examples/ passes the CRD schema and its CEL rules; every fixture in
// test/crds/invalid/ is rejected at the field and with the error type it names (and, for a CEL
// rule, with the rule's own message, which the API server prints as written), and render does
// not accept it either. ajv's wording is never asserted: a real API server words schema failures
// its own way. The API server is approximated (support/apiserver-approximation.ts): the kind e2e
// job, which applies these objects to a real API server, is authoritative.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { keyOf } from '@jussi/operator/resources/resource-key';
import { asJussiResource } from '@jussi/operator/resources/as-resource';
import { DEFAULT_OPERATOR_LIMITS } from '@jussi/operator/render/limits';
import { render } from '@jussi/operator/render/render';
import { ApiServerApproximation, describeRejection } from './support/apiserver-approximation.js';
import { type SchemaNode, crdForKind, examplesDir, invalidDir, loadCrds, readYamlDocuments, storageSchema, yamlFiles } from './support/crd-files.js';

const crds = loadCrds();
const servers = new Map(crds.map((c) => [c.spec.names.kind, new ApiServerApproximation(storageSchema(c))]));

function serverFor(object: unknown): ApiServerApproximation {
  const kind = (object as { kind?: unknown }).kind;
  const server = typeof kind === 'string' ? servers.get(kind) : undefined;
  assert.ok(server !== undefined, `no CRD for kind ${String(kind)}`);
  return server;
}

/** Every CEL rule declared in a schema. */
function rulesOf(node: SchemaNode): string[] {
  const own = (node['x-kubernetes-validations'] ?? []).map((r) => r.rule);
  const children = [...Object.values(node.properties ?? {}), ...(node.items === undefined ? [] : [node.items])];
  return [...own, ...children.flatMap(rulesOf)];
}

interface Fixture {
  readonly file: string;
  /** `<field path>: <field error type>`, e.g. `spec.rules[0].policy: Unsupported value`. */
  readonly rejected: string;
  /** For a CEL rule: (part of) its message. */
  readonly message: string | undefined;
  readonly pruned: boolean;
  readonly object: unknown;
}

function readFixture(file: string): Fixture {
  const text = readFileSync(file, 'utf8');
  const header = (name: string): string | undefined => new RegExp(`^# ${name}: (.+)$`, 'm').exec(text)?.[1]?.trim();
  const what = header('Invalid');
  const rejected = header('Rejected');
  assert.ok(what !== undefined && rejected !== undefined, `${basename(file)} needs "# Invalid:" and "# Rejected: <path>: <type>" comment lines`);
  const docs = readYamlDocuments(file);
  assert.equal(docs.length, 1, `${basename(file)} holds one object`);
  return { file: basename(file), rejected, message: header('Message'), pruned: header('Render')?.startsWith('pruned') === true, object: docs[0] };
}

describe('CRD examples', () => {
  for (const file of yamlFiles(examplesDir)) {
    it(`${basename(file)} passes the schema and every CEL rule`, () => {
      const docs = readYamlDocuments(file);
      assert.ok(docs.length > 0);
      for (const doc of docs) assert.deepEqual(serverFor(doc).check(doc).map(describeRejection), [], `${(doc as { metadata?: { name?: string } }).metadata?.name}`);
    });

    it(`${basename(file)} is accepted whole by render`, () => {
      const resources = readYamlDocuments(file).map((d, i) => {
        const r = asJussiResource(d, 'default');
        assert.ok(r !== null);
        return { ...r, metadata: { ...r.metadata, generation: 1, creationTimestamp: `2024-01-01T00:00:${String(i).padStart(2, '0')}Z` } };
      });
      const out = render({ resources, limits: DEFAULT_OPERATOR_LIMITS });
      assert.ok(out.ok, out.ok ? '' : out.problems.join('\n'));
      for (const r of resources) {
        const v = out.verdicts.get(keyOf(r));
        assert.equal(v?.reason, 'Accepted', `${keyOf(r)}: ${v?.message}`);
        assert.equal(v.waitingPrefixes, undefined, `${keyOf(r)}: ${v.message}`);
      }
    });
  }
});

describe('invalid CRD fixtures', () => {
  const fixtures = yamlFiles(invalidDir).map(readFixture);

  it('exist for every kind', () => {
    const kinds = new Set(fixtures.map((f) => (f.object as { kind: string }).kind));
    assert.deepEqual([...kinds].sort(), ['CacheRule', 'JsonRpcUpstream', 'RateLimitPolicy']);
  });

  for (const f of fixtures) {
    it(`${f.file} is rejected: ${f.rejected}${f.message === undefined ? '' : ` (${f.message})`}`, () => {
      const rejections = serverFor(f.object).check(f.object);
      assert.ok(rejections.length > 0, 'the object was accepted');
      const match = rejections.find((r) => `${r.path}: ${r.type}` === f.rejected && (f.message === undefined || (r.by === 'cel' && r.detail.includes(f.message))));
      assert.ok(
        match !== undefined,
        `expected ${f.rejected}${f.message === undefined ? '' : ` with message ${JSON.stringify(f.message)}`}, got:\n${rejections.map((r) => `  [${r.by}] ${describeRejection(r)}`).join('\n')}`,
      );
    });

    if (!f.pruned) {
      it(`${f.file} is not accepted by render either`, () => {
        const r = asJussiResource(f.object, 'default');
        assert.ok(r !== null);
        const out = render({ resources: [r], limits: DEFAULT_OPERATOR_LIMITS });
        const v = out.verdicts.get(keyOf(r));
        assert.equal(v?.reason, 'Invalid', v?.message);
        assert.ok(out.ok);
        assert.deepEqual(out.document.upstreams, []);
        assert.equal(out.document.edge, undefined);
      });
    }
  }
});

describe('CEL rules', () => {
  it('bind self where they are declared: per list item, per string, per object', () => {
    const server = new ApiServerApproximation({
      type: 'object',
      properties: {
        list: {
          type: 'array',
          maxItems: 4,
          items: {
            type: 'object',
            'x-kubernetes-validations': [{ rule: 'self.n > 1', message: 'item n must exceed 1' }],
            properties: { n: { type: 'integer' }, s: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.startsWith('a')", message: 's starts with a' }] } },
          },
        },
      },
      'x-kubernetes-validations': [{ rule: 'size(self.list) == 2', message: 'two items' }],
    });
    assert.deepEqual(server.check({ list: [{ n: 2, s: 'ab' }, { n: 3 }] }), []);
    assert.deepEqual(
      server.check({ list: [{ n: 1, s: 'b' }] }).map(describeRejection),
      ['(root): Invalid value: two items', 'list[0]: Invalid value: item n must exceed 1', 'list[0].s: Invalid value: s starts with a'],
    );
  });

  it('see properties under their escaped names, as the API server binds them', () => {
    const server = new ApiServerApproximation({
      type: 'object',
      properties: { namespace: { type: 'string' }, 'x-y': { type: 'string' }, a__b: { type: 'string' } },
      'x-kubernetes-validations': [
        { rule: "self.__namespace__ == 'n' && self.x__dash__y == 'd' && self.a__underscores__b == 'u'", message: 'escaped names' },
        { rule: "!has(self.namespace)", message: 'the reserved word is not a field name' },
      ],
    });
    assert.deepEqual(server.check({ namespace: 'n', 'x-y': 'd', a__b: 'u' }).map(describeRejection), []);
  });

  it('both CRDs declare their cross-field rules in CEL', () => {
    assert.ok(rulesOf(storageSchema(crdForKind(crds, 'JsonRpcUpstream'))).length >= 6);
    assert.ok(rulesOf(storageSchema(crdForKind(crds, 'CacheRule'))).length >= 4);
  });

  // Last in this file: node:test runs a file's tests in order, so the examples and fixtures above
  // have been checked by now.
  it('every rule of both CRDs was evaluated by an example or a fixture above', () => {
    const declared = crds.flatMap((c) => rulesOf(storageSchema(c)));
    const evaluated = new Set([...servers.values()].flatMap((s) => [...s.evaluated]));
    assert.deepEqual(declared.filter((r) => !evaluated.has(r)), [], 'CEL rules no example or fixture exercised');
  });
});
