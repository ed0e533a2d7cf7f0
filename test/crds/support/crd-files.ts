// Reads the CRDs in crds/ and multi-document YAML manifests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../support/repo.js';

export const crdsDir = join(repoRoot, 'crds');
export const examplesDir = join(crdsDir, 'examples');
export const invalidDir = join(repoRoot, 'test', 'crds', 'invalid');

export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  /** FieldValueInvalid (default), FieldValueRequired, FieldValueForbidden or FieldValueDuplicate. */
  readonly reason?: string;
}

/** An OpenAPI v3 schema node as CRDs use it. */
export interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
  readonly 'x-kubernetes-list-type'?: string;
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly [keyword: string]: unknown;
}

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly subresources?: { readonly status?: object };
  readonly additionalPrinterColumns?: readonly PrinterColumn[];
  readonly schema: { readonly openAPIV3Schema: SchemaNode };
}

export interface Crd {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly scope: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames?: readonly string[];
      readonly categories?: readonly string[];
    };
    readonly versions: readonly CrdVersion[];
  };
}

/** Parses every document of a YAML file; throws on YAML errors (a broken fixture is a test bug). */
export function readYamlDocuments(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as unknown;
  }).filter((d) => d !== null && d !== undefined);
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadCrds(): Crd[] {
  return yamlFiles(crdsDir).flatMap((f) => readYamlDocuments(f) as Crd[]);
}

export function crdForKind(crds: readonly Crd[], kind: string): Crd {
  const crd = crds.find((c) => c.spec.names.kind === kind);
  if (crd === undefined) throw new Error(`no CRD for kind ${kind} in ${crdsDir}`);
  return crd;
}

export function storageSchema(crd: Crd): SchemaNode {
  const v = crd.spec.versions.find((x) => x.storage);
  if (v === undefined) throw new Error(`${crd.metadata.name} has no storage version`);
  return v.schema.openAPIV3Schema;
}
