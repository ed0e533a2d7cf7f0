// Config problems and warnings are values that name a JSON path (RFC 6901 pointer) and say what
// is expected; these helpers build the paths and the human-readable text.

import type { ConfigProblem, ConfigWarning } from './document.js';

/** RFC 6901 escaping of one path segment. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends segments to a JSON pointer: `pointer('/upstreams', 0, 'urls')` = `/upstreams/0/urls`. */
export function pointer(base: string, ...segments: readonly (string | number)[]): string {
  let out = base;
  for (const s of segments) out += `/${typeof s === 'number' ? String(s) : escapePointer(s)}`;
  return out;
}

const PREVIEW_MAX = 60;

/** A short description of a JSON value for messages: its type and, when short, the value. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      const text = JSON.stringify(value);
      return `the string ${text.length > PREVIEW_MAX ? `${text.slice(0, PREVIEW_MAX)}..."` : text}`;
    }
    case 'number':
      return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object': {
      const n = Object.keys(value as object).length;
      return `an object with ${n} member${n === 1 ? '' : 's'}`;
    }
    default:
      return typeof value;
  }
}

/** One line per problem or warning: `/upstreams/0/ttls/3/1: expected ...`. */
export function formatConfigProblems(items: readonly (ConfigProblem | ConfigWarning)[]): string {
  return items.map((p) => `${p.path === '' ? '(document)' : p.path}: ${p.message}`).join('\n');
}
