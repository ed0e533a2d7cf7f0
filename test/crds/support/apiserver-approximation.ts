// What the API server checks when a custom resource is created, approximated without an API
// server: the openAPIV3Schema (ajv; x-kubernetes-* keywords ignored by ajv and handled here),
// unknown fields as kubectl's default strict field validation reports them, list-type map/set
// uniqueness, and the CEL rules of x-kubernetes-validations evaluated with @bufbuild/cel, each
// with `self` bound to the value at the node that declares it and its properties under their
// escaped CEL names (support/cel-decl.ts). This is an approximation: the kind e2e job, which
// applies the CRDs to a real API server, is authoritative.
//
// A rejection is what the server reports: a field path and a field error type ("Required
// value", "Unsupported value", "Invalid value", ...; apiextensions maps each OpenAPI failure to
// one). ajv's own wording is kept only as detail: tests assert on the path and type, and on the
// message of a CEL rule, which the server prints as written in the CRD.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type CelInput, isCelError, run } from '@bufbuild/cel';
import { escapeProperty } from './cel-decl.js';
import type { CelRule, SchemaNode } from './crd-files.js';

// ajv-formats ships CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** field.ErrorType strings (k8s.io/apimachinery/pkg/util/validation/field). */
export type FieldErrorType = 'Required value' | 'Unsupported value' | 'Invalid value' | 'Too long' | 'Too many' | 'Duplicate value' | 'Forbidden' | 'unknown field';

export interface Rejection {
  readonly by: 'schema' | 'unknown-field' | 'list' | 'cel';
  /** `spec.routes[0].url`; `(root)` for the object itself. */
  readonly path: string;
  readonly type: FieldErrorType;
  /** The rule's message for CEL; ajv's wording for schema failures (not the server's). */
  readonly detail: string;
}

/** `spec.routes[0].url: Invalid value: ...`, for failure messages. */
export function describeRejection(r: Rejection): string {
  return r.type === 'unknown field' ? `unknown field "${r.path}"` : `${r.path}: ${r.type}: ${r.detail}`;
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
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : join(acc, s)), '');
}

/** The field error type apiextensions gives each OpenAPI failure (validation.ValidateCustomResource). */
function errorType(e: ErrorObject): FieldErrorType {
  switch (e.keyword) {
    case 'required': return 'Required value';
    case 'enum': return 'Unsupported value';
    case 'maxLength': return 'Too long';
    case 'maxItems': return 'Too many';
    default: return 'Invalid value';
  }
}

function schemaRejection(e: ErrorObject): Rejection {
  let path = fieldPath(e.instancePath);
  // A missing property is reported at the property, as the server does (spec.routes: Required value).
  if (e.keyword === 'required' && typeof e.params['missingProperty'] === 'string') path = join(path, e.params['missingProperty']);
  return { by: 'schema', path: path === '' ? '(root)' : path, type: errorType(e), detail: e.message ?? e.keyword };
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
    if (failure !== null) {
      const at = `${path}${rule.fieldPath ?? ''}`;
      out.push({ by: 'cel', path: at === '' ? '(root)' : at, type: ruleErrorType(rule), detail: failure });
    }
  }
  if (path === 'metadata' || node['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (node.type === 'object' && isObject(value)) {
    const props = node.properties ?? {};
    for (const [key, child] of Object.entries(value)) {
      const schema = props[key] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (schema === undefined) {
        out.push({ by: 'unknown-field', path: join(path, key), type: 'unknown field', detail: 'field not declared in schema' });
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

/** A rule's `reason` picks the error type (FieldValueInvalid by default). */
function ruleErrorType(rule: CelRule): FieldErrorType {
  switch (rule.reason) {
    case 'FieldValueRequired': return 'Required value';
    case 'FieldValueForbidden': return 'Forbidden';
    case 'FieldValueDuplicate': return 'Duplicate value';
    default: return 'Invalid value';
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
      out.push({ by: 'list', path: `${path}[${i}]`, type: 'Duplicate value', detail: shown });
    }
    seen.add(id);
  });
}

/**
 * The value a rule sees: integers as CEL int, objects as maps keyed by the escaped property
 * names (a rule must write `self.__namespace__`); unknown fields and properties CEL cannot
 * name are left out.
 */
function toCel(node: SchemaNode, value: unknown): unknown {
  if (node.type === 'integer' && typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (node.type === 'array' && Array.isArray(value)) return value.map((v) => (node.items === undefined ? v : toCel(node.items, v)));
  if (node.type === 'object' && isObject(value)) {
    const out: Record<string, unknown> = {};
    const mapLike = node.properties === undefined && typeof node.additionalProperties === 'object';
    for (const [k, v] of Object.entries(value)) {
      const child = node.properties?.[k] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (child === undefined) continue;
      // Map keys are data, not property names: only declared properties are escaped.
      const name = mapLike ? k : escapeProperty(k);
      if (name !== null) out[name] = toCel(child, v);
    }
    return out;
  }
  return value;
}

/** null when the rule holds; else the message the API server would give. */
function evaluateRule(rule: CelRule, self: unknown): string | null {
  const result = run(rule.rule, { self: self as CelInput });
  if (isCelError(result)) return `rule evaluation error: ${result.message} (rule: ${rule.rule})`;
  if (result === true) return null;
  if (result !== false) return `rule did not return a bool (rule: ${rule.rule})`;
  return rule.message ?? `failed rule: ${rule.rule}`;
}
