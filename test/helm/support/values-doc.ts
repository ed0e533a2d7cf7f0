// Reads the `# --` comments of values.yaml (helm-docs convention) into one row per documented
// key, and renders the README's values table from them. A documented key whose children carry
// no comments of their own (e.g. `resources`) is one row with its whole default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { chartDir } from './helm.js';

export const valuesPath = join(chartDir, 'values.yaml');
export const schemaPath = join(chartDir, 'values.schema.json');
export const readmePath = join(chartDir, 'README.md');

export interface ValueRow {
  /** Dotted path, e.g. `proxy.autoscaling.enabled`. */
  readonly key: string;
  readonly default: unknown;
  readonly description: string;
}

export interface ValuesDoc {
  readonly rows: ValueRow[];
  /** Keys that have no `# --` comment and are not inside a documented row. */
  readonly undocumented: string[];
  /** Every key path in values.yaml. */
  readonly allKeys: string[];
}

/** The `-- ...` paragraph of a comment block (a block may hold earlier paragraphs). */
function docComment(comment: string | null | undefined): string | undefined {
  if (comment === null || comment === undefined) return undefined;
  const lines = comment.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith('--'));
  if (start === -1) return undefined;
  const para: string[] = [];
  for (const line of lines.slice(start)) {
    if (line === '' && para.length > 0) break;
    para.push(line);
  }
  return para.join(' ').replace(/^--\s*/, '').trim();
}

/** The doc comment of a map's i-th key: on the key, or (first key) on the map itself. */
function commentOf(map: YAML.YAMLMap, i: number): string | undefined {
  const key = map.items[i]?.key;
  const own = docComment(YAML.isNode(key) ? key.commentBefore : undefined);
  return own ?? (i === 0 ? docComment(map.commentBefore) : undefined);
}

export function readValuesDoc(source: string = readFileSync(valuesPath, 'utf8')): ValuesDoc {
  const doc = YAML.parseDocument(source);
  const rows: ValueRow[] = [];
  const undocumented: string[] = [];
  const allKeys: string[] = [];

  const hasDocumentedChild = (node: unknown): boolean =>
    YAML.isMap(node) && node.items.some((pair, i) => commentOf(node, i) !== undefined || hasDocumentedChild(pair.value));

  const walk = (node: unknown, prefix: string, covered: boolean): void => {
    if (!YAML.isMap(node)) return;
    node.items.forEach((pair, i) => {
      const keyNode = pair.key;
      const name = YAML.isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const key = prefix === '' ? name : `${prefix}.${name}`;
      allKeys.push(key);
      const comment = commentOf(node, i);
      const value = pair.value;
      if (comment !== undefined && !hasDocumentedChild(value)) {
        rows.push({ key, default: YAML.isNode(value) ? value.toJSON() : value, description: comment });
        walkCovered(value, key);
        return;
      }
      if (comment === undefined && !covered && !(YAML.isMap(value) && hasDocumentedChild(value))) undocumented.push(key);
      walk(value, key, covered);
    });
  };
  const walkCovered = (node: unknown, prefix: string): void => {
    if (!YAML.isMap(node)) return;
    for (const pair of node.items) {
      const key = `${prefix}.${YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key)}`;
      allKeys.push(key);
      walkCovered(pair.value, key);
    }
  };
  // The first key's comment block also carries the file's header paragraph: docComment skips it.
  walk(doc.contents, '', false);
  return { rows, undocumented, allKeys };
}

/** Schema node at a dotted key path, following `properties`. */
export function schemaAt(schema: unknown, key: string): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const part of key.split('.')) {
    const props = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)['properties'] : undefined;
    if (props === null || typeof props !== 'object') return undefined;
    node = (props as Record<string, unknown>)[part];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

/**
 * The schema with each documented key's description and default copied from values.yaml (the
 * types and constraints stay as written): what UPDATE_GOLDEN=1 writes back.
 */
export function withDocsFromValues(schema: unknown, rows: readonly ValueRow[]): unknown {
  const copy: unknown = structuredClone(schema);
  for (const row of rows) {
    const node = schemaAt(copy, row.key);
    if (node === undefined) continue;
    node['description'] = row.description;
    node['default'] = row.default;
  }
  return copy;
}

function typeOf(node: Record<string, unknown> | undefined, value: unknown): string {
  const t = node?.['type'];
  if (Array.isArray(t)) return t.join(' or ');
  if (typeof t === 'string') return t;
  if (node?.['anyOf'] !== undefined) return 'int or string';
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export const TABLE_START = '<!-- values-table:start (generated from values.yaml by test/helm/values-doc.test.ts) -->';
export const TABLE_END = '<!-- values-table:end -->';

export function renderValuesTable(rows: readonly ValueRow[], schema: unknown): string {
  const lines = ['| Key | Type | Default | Description |', '|-----|------|---------|-------------|'];
  for (const row of rows) {
    const def = JSON.stringify(row.default);
    lines.push(`| \`${row.key}\` | ${typeOf(schemaAt(schema, row.key), row.default)} | \`${cell(def)}\` | ${cell(row.description)} |`);
  }
  return [TABLE_START, ...lines, TABLE_END].join('\n');
}

/** The README with its values table replaced by `table` (markers included). */
export function spliceTable(readme: string, table: string): string | undefined {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme.slice(0, start) + table + readme.slice(end + TABLE_END.length);
}
