// The Kubernetes rules for a structural CRD schema (apiextensions "Specifying a structural
// schema"), plus the keyword restrictions the API server enforces on CRD schemas. An
// approximation of the API server's own check: the kind e2e applying the CRDs is authoritative.
import type { SchemaNode } from './crd-files.js';

const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
/** Keywords a CRD schema may not use at all. */
const FORBIDDEN = ['$ref', '$schema', 'definitions', 'dependencies', 'patternProperties', 'additionalItems', 'id', 'deprecated', 'discriminator', 'readOnly', 'writeOnly', 'xml'];
/** Not allowed inside allOf/anyOf/oneOf/not. */
const NOT_IN_JUNCTORS = ['description', 'type', 'default', 'additionalProperties', 'nullable'];
const SCALARS = new Set(['string', 'integer', 'number', 'boolean']);

export function structuralProblems(root: SchemaNode): string[] {
  const problems: string[] = [];
  if (root.type !== 'object') problems.push('(root): type must be object');
  walk(root, '', problems);
  return problems;
}

function walk(node: SchemaNode, path: string, problems: string[]): void {
  const at = path === '' ? '(root)' : path;
  const exempt = node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
  if ((typeof node.type !== 'string' || node.type === '') && !exempt) problems.push(`${at}: every node needs a type`);
  for (const k of FORBIDDEN) if (k in node) problems.push(`${at}: "${k}" is not allowed in a CRD schema`);
  if (node['uniqueItems'] === true) problems.push(`${at}: uniqueItems cannot be true (use x-kubernetes-list-type: set or map)`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
  }
  if (node.additionalProperties === false) problems.push(`${at}: additionalProperties: false is not allowed (unknown fields are pruned)`);
  if (node.type === 'array') {
    if (node.items === undefined || Array.isArray(node.items)) problems.push(`${at}: an array needs exactly one items schema`);
  } else if (node.items !== undefined) {
    problems.push(`${at}: items on a non-array`);
  }
  if (node.type !== 'object' && (node.properties !== undefined || node.required !== undefined)) {
    problems.push(`${at}: properties/required on a non-object`);
  }
  for (const req of node.required ?? []) {
    if (node.properties?.[req] === undefined) problems.push(`${at}: required field "${req}" has no schema`);
  }
  for (const j of JUNCTORS) {
    const value = node[j];
    if (value === undefined) continue;
    const branches = (Array.isArray(value) ? value : [value]) as SchemaNode[];
    for (const b of branches) for (const k of NOT_IN_JUNCTORS) if (k in b) problems.push(`${at}: "${k}" is not allowed inside ${j}`);
  }
  checkListType(node, at, problems);
  checkRules(node, at, problems);
  // metadata: only restrictions on name and generateName are allowed.
  if (path === 'metadata') {
    for (const key of Object.keys(node.properties ?? {})) {
      if (key !== 'name' && key !== 'generateName') problems.push(`metadata: only name and generateName may be restricted (found ${key})`);
    }
    return;
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, path === '' ? name : `${path}.${name}`, problems);
  if (node.items !== undefined && !Array.isArray(node.items)) walk(node.items, `${path}[]`, problems);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}{}`, problems);
}

function checkListType(node: SchemaNode, at: string, problems: string[]): void {
  const listType = node['x-kubernetes-list-type'];
  const keys = node['x-kubernetes-list-map-keys'];
  if (listType === undefined) {
    if (keys !== undefined) problems.push(`${at}: x-kubernetes-list-map-keys needs x-kubernetes-list-type: map`);
    return;
  }
  if (node.type !== 'array') problems.push(`${at}: x-kubernetes-list-type on a non-array`);
  if (!['atomic', 'set', 'map'].includes(listType)) problems.push(`${at}: unknown x-kubernetes-list-type ${listType}`);
  const items = node.items;
  if (listType === 'set' && (items === undefined || !SCALARS.has(items.type ?? ''))) problems.push(`${at}: a set lists scalars`);
  if (listType === 'map') {
    if (items?.type !== 'object') problems.push(`${at}: a map list lists objects`);
    if (keys === undefined || keys.length === 0) problems.push(`${at}: a map list needs x-kubernetes-list-map-keys`);
    for (const key of keys ?? []) {
      const keySchema = items?.properties?.[key];
      if (keySchema === undefined || !SCALARS.has(keySchema.type ?? '')) problems.push(`${at}: map key ${key} must be a scalar property`);
      if (!(items?.required ?? []).includes(key) && keySchema?.default === undefined) problems.push(`${at}: map key ${key} must be required or defaulted`);
    }
  }
}

const RULE_REASONS = new Set(['FieldValueInvalid', 'FieldValueRequired', 'FieldValueForbidden', 'FieldValueDuplicate']);

function checkRules(node: SchemaNode, at: string, problems: string[]): void {
  for (const r of node['x-kubernetes-validations'] ?? []) {
    if (typeof r.rule !== 'string' || r.rule.trim() === '') problems.push(`${at}: a validation needs a rule`);
    if (r.message !== undefined && (r.message.trim() === '' || /[\r\n]/.test(r.message))) {
      problems.push(`${at}: a validation message must be non-empty and on one line`);
    }
    if (r.reason !== undefined && !RULE_REASONS.has(r.reason)) problems.push(`${at}: reason must be one of ${[...RULE_REASONS].join(', ')}`);
    // fieldPath must name a field under the node (the server checks it with ValidFieldPath).
    if (r.fieldPath !== undefined) {
      const first = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(r.fieldPath)?.[1];
      if (first === undefined || node.properties?.[first] === undefined) problems.push(`${at}: fieldPath ${r.fieldPath} is not a field of this node`);
    }
  }
}

/** Fields `kubectl explain` would show without a description (metadata excepted). */
export function undocumented(root: SchemaNode): string[] {
  const out: string[] = [];
  const visit = (node: SchemaNode, path: string): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const p = path === '' ? name : `${path}.${name}`;
      if (p === 'metadata') continue;
      if (typeof child.description !== 'string' || child.description.trim() === '') out.push(p);
      visit(child, p);
    }
    if (node.items !== undefined) visit(node.items, `${path}[]`);
  };
  visit(root, '');
  return out;
}

/**
 * Strings without maxLength (or enum/format) and arrays without maxItems: the API server's CEL
 * cost estimator assumes the worst for them. apiVersion and kind are the API's own fields.
 */
export function unbounded(root: SchemaNode): string[] {
  const out: string[] = [];
  const visit = (node: SchemaNode, path: string): void => {
    if (node.type === 'string' && node['maxLength'] === undefined && node.enum === undefined && node['format'] === undefined) out.push(path);
    if (node.type === 'array' && node['maxItems'] === undefined) out.push(path);
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const p = path === '' ? name : `${path}.${name}`;
      if (p === 'apiVersion' || p === 'kind' || p === 'metadata') continue;
      visit(child, p);
    }
    if (node.items !== undefined) visit(node.items, `${path}[]`);
  };
  visit(root, '');
  return out;
}
