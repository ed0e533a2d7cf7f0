// The CEL rules of every CRD (crds/ and the chart's rendered copy) compile and fit the API
// server's cost budgets, as the server decides when the CRD is applied. The model
// (support/cel-decl.ts, cel-static.ts, cel-budget.ts) reproduces the two rules that once made a
// real API server refuse JsonRpcUpstream while this suite passed: property names are escaped
// (`self.namespace` does not compile), and a rule's estimated cost is multiplied by the maxItems
// of every list above it, with strings sized by maxLength.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderObjects } from '../helm/support/helm.js';
import {
  PER_CALL_LIMIT,
  RUNTIME_CEL_COST_BUDGET,
  STATIC_ESTIMATED_COST_LIMIT,
  STATIC_ESTIMATED_CRD_COST_LIMIT,
  crdCelCosts,
} from './support/cel-budget.js';
import { MAX_REQUEST_SIZE_BYTES, declTypeOf, escapeProperty } from './support/cel-decl.js';
import { compileRule } from './support/cel-static.js';
import { type Crd, type SchemaNode, loadCrds, storageSchema } from './support/crd-files.js';

const URL_RULE = "self.matches('^(https?|wss?)://[^/?#\\\\s]+([/?#]\\\\S*)?$')";

/** JsonRpcUpstream's routes as they were when a real API server refused the CRD. */
function routesWithUrlRule(urlMaxLength: number | undefined): SchemaNode {
  const url: SchemaNode = {
    type: 'string',
    ...(urlMaxLength === undefined ? {} : { maxLength: urlMaxLength }),
    'x-kubernetes-validations': [{ rule: URL_RULE }],
  };
  return {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          routes: {
            type: 'array',
            maxItems: 256,
            items: { type: 'object', properties: { url, urls: { type: 'array', maxItems: 8, items: url } } },
          },
        },
      },
    },
  };
}

function decl(schema: SchemaNode): NonNullable<ReturnType<typeof declTypeOf>> {
  const d = declTypeOf(schema);
  assert.ok(d !== null);
  return d;
}

describe('CEL property escaping (apiserver/pkg/cel/escaping.go)', () => {
  const table: [string, string | null][] = [
    ['namespace', '__namespace__'],
    ['in', '__in__'],
    ['routes', 'routes'],
    ['websocket_min', 'websocket_min'],
    ['a__b', 'a__underscores__b'],
    ['___', '__underscores___'],
    ['x-y', 'x__dash__y'],
    ['a.b', 'a__dot__b'],
    ['a/b', 'a__slash__b'],
    ['1st', null],
    ['a b', null],
    ['', null],
  ];
  for (const [name, escaped] of table) {
    it(`${JSON.stringify(name)} is reached as ${escaped === null ? 'nothing' : escaped}`, () => {
      assert.equal(escapeProperty(name), escaped);
    });
  }

  it('self.namespace does not compile, self.__namespace__ does', () => {
    const spec = decl({ type: 'object', properties: { namespace: { type: 'string', maxLength: 63 } } });
    assert.deepEqual(compileRule("self.namespace == 'a'", spec).errors, ["undefined field 'namespace'"]);
    assert.deepEqual(compileRule("self.__namespace__ == 'a'", spec).errors, []);
  });

  it('compile errors name what the server would: unknown fields and variables, non-bool results, unknown functions', () => {
    const obj = decl({ type: 'object', properties: { a: { type: 'integer' } } });
    assert.deepEqual(compileRule('self.b > 1', obj).errors, ["undefined field 'b'"]);
    assert.deepEqual(compileRule('other.a > 1', obj).errors, ["undeclared reference to 'other'"]);
    assert.deepEqual(compileRule('self.a + 1', obj).errors, ['cel expression must evaluate to a bool']);
    assert.match(compileRule('self.a.frobnicate()', obj).errors.join(), /does not know the function 'frobnicate'/);
  });
});

describe('CEL cost estimate (cel-go checker/cost.go with the Kubernetes estimators)', () => {
  it('sizes a string by maxLength x 4 (bytes) and costs matches() as string x regex', () => {
    const s = decl({ type: 'string', maxLength: 10 });
    // strCost ceil(0.1 x (40 + 1)) = 5, regexCost ceil(0.25 x 4) = 1, plus reading self (1).
    assert.equal(compileRule("self.matches('^ab$')", s).maxCost, 5 * 1 + 1);
    // startsWith traverses its argument only: ceil(0.1 x 3) + self.
    assert.equal(compileRule("self.startsWith('abc')", s).maxCost, 1 + 1);
  });

  it('multiplies a comprehension by the list bound: per element the loop condition and step', () => {
    const list = decl({ type: 'array', maxItems: 100, items: { type: 'integer' } });
    // range self (1) + result (1) + 100 x (condition @not_strictly_false(@result) 2 + step @result && x > 1: 1 + 2)
    assert.equal(compileRule('self.all(x, x > 1)', list).maxCost, 1 + 1 + 100 * (2 + 3));
  });

  it('reproduces the refusal: maxLength 2048 under 256 routes x 8 urls is 1.7x over the per-rule budget', () => {
    const report = crdCelCosts(routesWithUrlRule(2048));
    const urls = report.rules.find((r) => r.path.includes('properties[urls].items'));
    assert.equal(urls?.cardinality, 256 * 8);
    assert.ok(report.problems.includes('openAPIV3Schema.properties[spec].properties[routes].items.properties[urls].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 1.7x'), report.problems.join('\n'));
  });

  it('and accepts the same rule with maxLength 1024', () => {
    assert.deepEqual(crdCelCosts(routesWithUrlRule(1024)).problems, []);
  });

  it('costs an unbounded string at the request size limit', () => {
    const report = crdCelCosts(routesWithUrlRule(undefined));
    assert.ok(report.problems.some((p) => p.endsWith('exceeds budget by factor of more than 100x')), report.problems.join('\n'));
    assert.equal(declTypeOf({ type: 'string' })?.maxElements, MAX_REQUEST_SIZE_BYTES - 2);
  });

  it('bounds a rule under an unbounded list by how many of its smallest values fit in a request', () => {
    const report = crdCelCosts({
      type: 'object',
      properties: { xs: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }] } } },
    });
    // An integer is at least 1 byte of JSON, plus a comma.
    assert.equal(report.rules[0]?.cardinality, Math.floor(MAX_REQUEST_SIZE_BYTES / 2));
  });
});

function chartCrds(): Crd[] {
  return renderObjects().filter((o) => o.kind === 'CustomResourceDefinition') as unknown as Crd[];
}

for (const [where, crds] of [['crds/', loadCrds()], ["the chart's templates/crds", chartCrds()]] as const) {
  describe(`CEL rules of ${where}`, () => {
    it('has every CRD of crds/', () => {
      assert.deepEqual(crds.map((c) => c.spec.names.kind).sort(), loadCrds().map((c) => c.spec.names.kind).sort());
      assert.ok(crds.length >= 2);
    });

    for (const crd of crds) {
      const report = crdCelCosts(storageSchema(crd));

      it(`${crd.spec.names.kind}: every rule compiles and fits the per-rule and per-CRD budgets`, (t) => {
        assert.deepEqual(report.problems, []);
        for (const r of report.rules) t.diagnostic(`${r.path.replace('openAPIV3Schema', '')}: ${r.maxCost} x ${r.cardinality} = ${r.cost}`);
        t.diagnostic(`total ${report.total} of ${STATIC_ESTIMATED_CRD_COST_LIMIT}`);
        for (const r of report.rules) assert.ok(r.cost <= STATIC_ESTIMATED_COST_LIMIT, r.path);
        assert.ok(report.total <= STATIC_ESTIMATED_CRD_COST_LIMIT);
      });

      it(`${crd.spec.names.kind}: no object can make the rules exceed the runtime limits (per call, per object)`, () => {
        for (const r of report.rules) assert.ok(r.maxCost <= PER_CALL_LIMIT, `${r.path}: ${r.maxCost}`);
        assert.ok(report.total <= RUNTIME_CEL_COST_BUDGET, `total ${report.total}`);
      });
    }
  });
}
