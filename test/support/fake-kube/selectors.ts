// Label and field selectors, parsed the way the apiserver reads them. Label selectors:
// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, joined by commas. Field
// selectors: `path=value`, `path==value`, `path!=value`, joined by commas.

export type LabelRequirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'notexists'; readonly key: string };

export interface FieldRequirement {
  readonly op: 'eq' | 'neq';
  readonly path: string;
  readonly value: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

export function parseLabelSelector(text: string | undefined): Parsed<LabelRequirement[]> {
  if (text === undefined || text.trim() === '') return { ok: true, value: [] };
  const out: LabelRequirement[] = [];
  for (const part of splitTopLevel(text)) {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (set !== null) {
      const [, key = '', op, list = ''] = set;
      if (!KEY.test(key)) return { ok: false, message: `invalid label key "${key}"` };
      out.push({ op: op === 'in' ? 'in' : 'notin', key, values: list.split(',').map((v) => v.trim()).filter((v) => v !== '') });
      continue;
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (cmp !== null) {
      const [, key = '', op, value = ''] = cmp;
      if (!KEY.test(key)) return { ok: false, message: `invalid label key "${key}"` };
      out.push({ op: op === '!=' ? 'neq' : 'eq', key, value });
      continue;
    }
    const exists = /^(!?)([^=!\s()]+)$/.exec(part);
    if (exists !== null) {
      const [, bang, key = ''] = exists;
      if (!KEY.test(key)) return { ok: false, message: `invalid label key "${key}"` };
      out.push({ op: bang === '!' ? 'notexists' : 'exists', key });
      continue;
    }
    return { ok: false, message: `unable to parse requirement: "${part}"` };
  }
  return { ok: true, value: out };
}

export function labelsMatch(reqs: readonly LabelRequirement[], labels: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq': return has && v === r.value;
      case 'neq': return !has || v !== r.value;
      case 'in': return has && v !== undefined && r.values.includes(v);
      case 'notin': return !has || v === undefined || !r.values.includes(v);
      case 'exists': return has;
      case 'notexists': return !has;
    }
  });
}

export function parseFieldSelector(text: string | undefined, allowed: readonly string[]): Parsed<FieldRequirement[]> {
  if (text === undefined || text.trim() === '') return { ok: true, value: [] };
  const out: FieldRequirement[] = [];
  for (const part of splitTopLevel(text)) {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (m === null) return { ok: false, message: `invalid selector: '${part}'; can't understand '${part}'` };
    const [, path = '', op, value = ''] = m;
    if (path !== 'metadata.name' && path !== 'metadata.namespace' && !allowed.includes(path)) {
      return { ok: false, message: `field label not supported: ${path}` };
    }
    out.push({ op: op === '!=' ? 'neq' : 'eq', path, value: value.trim() });
  }
  return { ok: true, value: out };
}

export function fieldsMatch(reqs: readonly FieldRequirement[], read: (path: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const v = read(r.path) ?? '';
    return r.op === 'eq' ? v === r.value : v !== r.value;
  });
}

/** A parsed `labelSelector` + `fieldSelector` pair, as sent with LIST and WATCH. */
export interface Selection {
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
}

export function parseSelection(labelSelector: string | undefined, fieldSelector: string | undefined, allowedFields: readonly string[]): Parsed<Selection> {
  const labels = parseLabelSelector(labelSelector);
  if (!labels.ok) return { ok: false, message: `unable to parse requirement: ${labels.message}` };
  const fields = parseFieldSelector(fieldSelector, allowedFields);
  if (!fields.ok) return fields;
  return { ok: true, value: { labels: labels.value, fields: fields.value } };
}

export function selectionMatches(sel: Selection, labels: Readonly<Record<string, string>>, readField: (path: string) => string | undefined): boolean {
  return labelsMatch(sel.labels, labels) && fieldsMatch(sel.fields, readField);
}
