// What the API server checks when a custom resource is created, approximated without an API
// server: the openAPIV3Schema (ajv; x-kubernetes-* keywords ignored by ajv and handled here),
// unknown fields as kubectl's default strict field validation reports them, list-type map/set
// uniqueness, and the CEL rules of x-kubernetes-validations evaluated with @bufbuild/cel, each
// with `self` bound to the value at the node that declares it. This is an approximation: the
// kind e2e job, which applies the CRDs to a real API server, is authoritative.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type CelInput, isCelError, run } from '@bufbuild/cel';
import type { CelRule, SchemaNode } from './crd-files.js';

// ajv-formats ships CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface Rejection {
  readonly by: 'schema' | 'unknown-field' | 'list' | 'cel';
  /** `spec.routes[0].url: ...` */
  readonly message: string;
}

export interface CelEvaluation {
  readonly path: string;
  readonly rule: string;
}

export class ApiServerApproximation {
  private readonly validate: ValidateFunction;
  /** Every CEL rule evaluated so far (to show that fixtures and examples exercise them all). */
  readonly evaluated = new Set<string>();

  constructor(private readonly schema: SchemaNode) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    this.validate = ajv.compile(schema);
  }

  check(object: unknown): Rejection[] {
    const out: Rejection[] = [];
    if (!this.validate(object)) out.push(...(this.validate.errors ?? []).map(schemaRejection));
    walk(this.schema, object, '', out, this.evaluated);
    return out;
  }
}

function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

function schemaRejection(e: ErrorObject): Rejection {
  const path = fieldPath(e.instancePath);
  return { by: 'schema', message: `${path === '' ? '(root)' : path}: ${e.message ?? e.keyword}` };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function walk(node: SchemaNode, value: unknown, path: string, out: Rejection[], evaluated: Set<string>): void {
  if (value === undefined) return;
  for (const rule of node['x-kubernetes-validations'] ?? []) {
    evaluated.add(rule.rule);
    const failure = evaluateRule(rule, toCel(node, value));
    if (failure !== null) out.push({ by: 'cel', message: `${path === '' ? '(root)' : path}${rule.fieldPath ?? ''}: ${failure}` });
  }
  if (path === 'metadata' || node['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (node.type === 'object' && isObject(value)) {
    const props = node.properties ?? {};
    for (const [key, child] of Object.entries(value)) {
      const schema = props[key] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (schema === undefined) {
        out.push({ by: 'unknown-field', message: `unknown field "${join(path, key)}"` });
        continue;
      }
      walk(schema, child, join(path, key), out, evaluated);
    }
  }
  if (node.type === 'array' && Array.isArray(value) && node.items !== undefined) {
    checkListUniqueness(node, value, path, out);
    value.forEach((item, i) => walk(node.items as SchemaNode, item, `${path}[${i}]`, out, evaluated));
  }
}

function checkListUniqueness(node: SchemaNode, list: readonly unknown[], path: string, out: Rejection[]): void {
  const listType = node['x-kubernetes-list-type'];
  if (listType !== 'map' && listType !== 'set') return;
  const keys = node['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const id = listType === 'set' ? JSON.stringify(item) : JSON.stringify(keys.map((k) => (isObject(item) ? item[k] : undefined)));
    if (seen.has(id)) {
      const shown = listType === 'set' ? JSON.stringify(item) : JSON.stringify(Object.fromEntries(keys.map((k) => [k, isObject(item) ? item[k] : undefined])));
      out.push({ by: 'list', message: `${path}[${i}]: Duplicate value: ${shown}` });
    }
    seen.add(id);
  });
}

/** Kubernetes binds integers as CEL int and objects as maps; the schema says which is which. */
function toCel(node: SchemaNode, value: unknown): unknown {
  if (node.type === 'integer' && typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (node.type === 'array' && Array.isArray(value)) return value.map((v) => (node.items === undefined ? v : toCel(node.items, v)));
  if (node.type === 'object' && isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = node.properties?.[k] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      // Unknown fields are pruned before CEL runs.
      if (child !== undefined) out[k] = toCel(child, v);
    }
    return out;
  }
  return value;
}

/** null when the rule holds; else the message the API server would give. */
function evaluateRule(rule: CelRule, self: unknown): string | null {
  const result = run(rule.rule, { self: self as CelInput });
  if (isCelError(result)) return `Invalid value: rule evaluation error: ${result.message} (rule: ${rule.rule})`;
  if (result === true) return null;
  if (result !== false) return `Invalid value: rule did not return a bool (rule: ${rule.rule})`;
  return `Invalid value: ${rule.message ?? `failed rule: ${rule.rule}`}`;
}
