// How the API server exposes a CRD schema to CEL rules, modelled on Kubernetes' source:
//   - property names are escaped (k8s.io/apiserver/pkg/cel/escaping.go, `Escape`): a CEL reserved
//     word `w` is reached as `__w__` (so `self.namespace` does not compile: it is
//     `self.__namespace__`), `__` becomes `__underscores__`, `.` `__dot__`, `-` `__dash__`,
//     `/` `__slash__`; a name starting with a digit or holding any other character is not
//     reachable at all;
//   - each schema node becomes a declared type whose MaxElements bounds its size for the cost
//     estimator (k8s.io/apiserver/pkg/cel/common/schemas.go, `SchemaDeclType`): a string's
//     maxLength times 4 (maxLength counts code points, the estimate counts bytes,
//     `estimateMaxElementsFromMaxLength`), the longest enum value, a format's fixed size, or the
//     request size limit when unbounded (`estimateMaxStringLengthPerRequest`); a list's maxItems,
//     or as many of its smallest items as fit in a request (`estimateMaxArrayItemsFromMinSize`).
//     The request size limit is 3 MiB (k8s.io/apiserver/pkg/cel/limits.go, `MaxRequestSizeBytes`).

import type { SchemaNode } from './crd-files.js';

/** CEL's reserved words (celReservedSymbols in escaping.go). */
export const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** MaxRequestSizeBytes (k8s.io/apiserver/pkg/cel/limits.go). */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;
// Fixed sizes of formatted strings and the smallest JSON values (limits.go).
const MAX_DURATION_SIZE_JSON = 32;
const MAX_DATETIME_SIZE_JSON = 32;
const JSON_DATE_SIZE = 12;
const MIN_DURATION_SIZE_JSON = 3;
const MIN_DATETIME_SIZE_JSON = 21;
const MIN_STRING_SIZE = 2;
const MIN_BOOL_SIZE = 4;
const MIN_NUMBER_SIZE = 1;

/** The CEL identifier a property is reached by, or null when it cannot be reached (Escape). */
export function escapeProperty(name: string): string | null {
  if (name === '' || /^[0-9]/.test(name)) return null;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[A-Za-z0-9_./-]+$/.test(name)) return null;
  return name.replace(/__|[./-]/g, (m) => (m === '__' ? '__underscores__' : m === '.' ? '__dot__' : m === '-' ? '__dash__' : '__slash__'));
}

export type DeclKind = 'string' | 'bytes' | 'int' | 'uint' | 'double' | 'bool' | 'null' | 'timestamp' | 'duration' | 'list' | 'map' | 'object' | 'dyn';

export interface DeclField {
  /** The property name in the schema (before escaping). */
  readonly property: string;
  readonly type: DeclType;
}

export interface DeclType {
  readonly kind: DeclKind;
  /** Size bound the cost estimator uses: bytes of a string, items of a list, entries of a map. */
  readonly maxElements: number;
  /** Smallest JSON text of a value, for the "how many fit in a request" estimates. */
  readonly minSerializedSize: number;
  /** List items or map values. */
  readonly elem?: DeclType;
  /** Object fields by their CEL (escaped) name. */
  readonly fields?: ReadonlyMap<string, DeclField>;
}

export const SCALAR_DECLS: Readonly<Record<'int' | 'uint' | 'double' | 'bool' | 'null' | 'dyn', DeclType>> = {
  int: { kind: 'int', maxElements: 0, minSerializedSize: MIN_NUMBER_SIZE },
  uint: { kind: 'uint', maxElements: 0, minSerializedSize: MIN_NUMBER_SIZE },
  double: { kind: 'double', maxElements: 0, minSerializedSize: MIN_NUMBER_SIZE },
  bool: { kind: 'bool', maxElements: 0, minSerializedSize: MIN_BOOL_SIZE },
  null: { kind: 'null', maxElements: 0, minSerializedSize: 4 },
  dyn: { kind: 'dyn', maxElements: MAX_REQUEST_SIZE_BYTES - 2, minSerializedSize: 1 },
};

/** A string of unknown provenance (a literal's size is known where it is used). */
export const STRING_DECL: DeclType = { kind: 'string', maxElements: MAX_REQUEST_SIZE_BYTES - 2, minSerializedSize: MIN_STRING_SIZE };

export function listOf(elem: DeclType, maxItems: number): DeclType {
  return { kind: 'list', elem, maxElements: maxItems, minSerializedSize: 2 };
}

function num(node: SchemaNode, key: string): number | undefined {
  const v = node[key];
  return typeof v === 'number' ? Math.max(0, v) : undefined;
}

function stringDecl(node: SchemaNode): DeclType {
  const maxLength = num(node, 'maxLength');
  switch (node['format']) {
    case 'byte':
      return { kind: 'bytes', maxElements: maxLength ?? MAX_REQUEST_SIZE_BYTES - 2, minSerializedSize: MIN_STRING_SIZE };
    case 'duration':
      return { kind: 'duration', maxElements: MAX_DURATION_SIZE_JSON, minSerializedSize: MIN_DURATION_SIZE_JSON };
    case 'date':
      return { kind: 'timestamp', maxElements: JSON_DATE_SIZE, minSerializedSize: JSON_DATE_SIZE };
    case 'date-time':
      return { kind: 'timestamp', maxElements: MAX_DATETIME_SIZE_JSON, minSerializedSize: MIN_DATETIME_SIZE_JSON };
    default:
      break;
  }
  let maxElements: number;
  if (maxLength !== undefined) maxElements = maxLength * 4;
  else if (node.enum !== undefined && node.enum.length > 0) maxElements = Math.max(0, ...node.enum.map((v) => (typeof v === 'string' ? v.length : 0)));
  else maxElements = MAX_REQUEST_SIZE_BYTES - 2;
  return { kind: 'string', maxElements, minSerializedSize: MIN_STRING_SIZE };
}

/** The API server's always-present fields at the root of a resource (WithTypeAndObjectMeta). */
function withTypeAndObjectMeta(node: SchemaNode): SchemaNode {
  const str: SchemaNode = { type: 'string' };
  return {
    ...node,
    properties: {
      ...node.properties,
      apiVersion: str,
      kind: str,
      metadata: { type: 'object', properties: { name: str, generateName: str } },
    },
  };
}

/** The declared type of a schema node, or null when CEL does not see it (SchemaDeclType). */
export function declTypeOf(schema: SchemaNode, isResourceRoot = false): DeclType | null {
  if (schema['x-kubernetes-int-or-string'] === true) {
    const maxLength = num(schema, 'maxLength');
    return { kind: 'dyn', maxElements: maxLength !== undefined ? maxLength * 4 : MAX_REQUEST_SIZE_BYTES - 2, minSerializedSize: 1 };
  }
  const node = isResourceRoot ? withTypeAndObjectMeta(schema) : schema;
  switch (node.type) {
    case 'array': {
      if (node.items === undefined) return null;
      const elem = declTypeOf(node.items, node.items['x-kubernetes-embedded-resource'] === true);
      if (elem === null) return null;
      const maxItems = num(node, 'maxItems') ?? Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (elem.minSerializedSize + 1));
      return listOf(elem, maxItems);
    }
    case 'object': {
      if (typeof node.additionalProperties === 'object') {
        const value = declTypeOf(node.additionalProperties, node.additionalProperties['x-kubernetes-embedded-resource'] === true);
        if (value === null) return null;
        // key/value pair: two quotes, a colon and a comma around the smallest value (estimateMaxAdditionalPropertiesFromMinSize)
        const maxProperties = num(node, 'maxProperties') ?? Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (value.minSerializedSize + 6));
        return { kind: 'map', elem: value, maxElements: maxProperties, minSerializedSize: 2 };
      }
      const fields = new Map<string, DeclField>();
      const required = new Set(node.required ?? []);
      let minSerializedSize = 2;
      for (const [name, prop] of Object.entries(node.properties ?? {})) {
        const type = declTypeOf(prop, prop['x-kubernetes-embedded-resource'] === true);
        if (type === null) continue;
        const escaped = escapeProperty(name);
        if (escaped !== null) fields.set(escaped, { property: name, type });
        if (required.has(name) && prop.default === undefined) minSerializedSize += name.length + type.minSerializedSize + 4;
      }
      return { kind: 'object', fields, maxElements: 0, minSerializedSize };
    }
    case 'string':
      return stringDecl(node);
    case 'boolean':
      return SCALAR_DECLS.bool;
    case 'number':
      return SCALAR_DECLS.double;
    case 'integer':
      return SCALAR_DECLS.int;
    default:
      return null;
  }
}
