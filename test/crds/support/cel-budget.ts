// The CEL checks the API server runs when a CRD is created or updated
// (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go and
// cel_validation.go): every rule compiles against its node's declared type, and its estimated
// cost fits the budgets.
//   - A rule's cost is its estimated maximum for one evaluation times how often it can run: the
//     product of the maxItems (maxProperties) of every list (map) above it (`CELSchemaContext.
//     MaxCardinality`, `getExpressionCost`). When a list above it is unbounded, the count is
//     how many of its smallest values fit in a request (`MaxCardinality`: 3 MiB / (size + 1)).
//   - Each rule: at most StaticEstimatedCostLimit (10,000,000); all rules of a version together:
//     at most StaticEstimatedCRDCostLimit (100,000,000). Over either, the CRD is refused with
//     "Forbidden: estimated rule cost exceeds budget by factor of 1.7x".
// Two runtime limits (k8s.io/apiserver/pkg/apis/cel/config.go) are reported as well, because a
// rule whose static maximum fits them can never be cut off while validating an object:
// PerCallLimit (1,000,000 per evaluation) and RuntimeCELCostBudget (10,000,000 per object).

import type { SchemaNode } from './crd-files.js';
import { MAX_REQUEST_SIZE_BYTES, declTypeOf } from './cel-decl.js';
import { compileRule } from './cel-static.js';

export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;
export const PER_CALL_LIMIT = 1_000_000;
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;

export interface RuleCost {
  /** Where the server reports it: `openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule`. */
  readonly path: string;
  readonly rule: string;
  readonly errors: readonly string[];
  /** Estimated maximum of one evaluation. */
  readonly maxCost: number;
  /** How many times the rule can run for one object. */
  readonly cardinality: number;
  /** maxCost x cardinality, as compared with the per-rule budget. */
  readonly cost: number;
}

export interface CrdCostReport {
  readonly rules: readonly RuleCost[];
  readonly total: number;
  /** What the API server would refuse, in its words. */
  readonly problems: readonly string[];
}

/** getCostErrorMessage's factor wording. */
export function exceedFactor(cost: number, limit: number): string {
  const f = cost / limit;
  if (f > 100) return 'more than 100x';
  if (f < 1.5) return `${f.toFixed(6)}x`;
  return `${f.toFixed(1)}x`;
}

/** How many times the children of `node` can occur per occurrence of `node` (extractMaxElements); null: unbounded. */
function childFactor(node: SchemaNode): number | null {
  const bound = (key: string): number | null => (typeof node[key] === 'number' ? Math.max(0, node[key]) : null);
  if (node.type === 'array') return bound('maxItems');
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return bound('maxProperties');
  return 1;
}

export function crdCelCosts(root: SchemaNode, at = 'openAPIV3Schema'): CrdCostReport {
  const rules: RuleCost[] = [];
  let total = 0;
  const visit = (node: SchemaNode, path: string, cardinality: number | null, isRoot: boolean): void => {
    const validations = node['x-kubernetes-validations'] ?? [];
    if (validations.length > 0) {
      const decl = declTypeOf(node, isRoot);
      validations.forEach((v, i) => {
        const where = `${path}.x-kubernetes-validations[${i}]`;
        if (decl === null) {
          rules.push({ path: `${where}.rule`, rule: v.rule, errors: ['rule declared on a schema that does not support validation rules'], maxCost: 0, cardinality: 0, cost: 0 });
          return;
        }
        const compiled = compileRule(v.rule, decl);
        const count = cardinality ?? Math.floor(MAX_REQUEST_SIZE_BYTES / (decl.minSerializedSize + 1));
        // The server estimates only what compiles.
        const cost = compiled.errors.length > 0 ? 0 : compiled.maxCost * count;
        rules.push({ path: `${where}.rule`, rule: v.rule, errors: compiled.errors, maxCost: compiled.maxCost, cardinality: count, cost });
        total += cost;
        const messageExpression = v.messageExpression;
        if (messageExpression !== undefined) {
          const m = compileRule(messageExpression, decl, 'string');
          // A message expression runs once per failure and is not multiplied by the cardinality.
          const messageCost = m.errors.length > 0 ? 0 : m.maxCost;
          rules.push({ path: `${where}.messageExpression`, rule: messageExpression, errors: m.errors, maxCost: m.maxCost, cardinality: 1, cost: messageCost });
          total += messageCost;
        }
      });
    }
    const factor = childFactor(node);
    const childCardinality = cardinality === null || factor === null ? null : cardinality * factor;
    for (const [name, child] of Object.entries(node.properties ?? {})) visit(child, `${path}.properties[${name}]`, childCardinality, false);
    if (node.items !== undefined) visit(node.items, `${path}.items`, childCardinality, node.items['x-kubernetes-embedded-resource'] === true);
    if (typeof node.additionalProperties === 'object') visit(node.additionalProperties, `${path}.additionalProperties`, childCardinality, false);
  };
  visit(root, at, 1, true);

  const problems: string[] = [];
  for (const r of rules) {
    for (const e of r.errors) problems.push(`${r.path}: Invalid value: compilation failed: ${e}`);
    if (r.cost > STATIC_ESTIMATED_COST_LIMIT) {
      problems.push(`${r.path}: Forbidden: estimated rule cost exceeds budget by factor of ${exceedFactor(r.cost, STATIC_ESTIMATED_COST_LIMIT)}`);
    }
  }
  if (total > STATIC_ESTIMATED_CRD_COST_LIMIT) problems.push(`^: Forbidden: total CRD cost exceeds budget by factor of ${exceedFactor(total, STATIC_ESTIMATED_CRD_COST_LIMIT)}`);
  return { rules, total, problems };
}
