// The published text of a config document: one canonical form, so the same document always
// hashes the same. Object keys are sorted (UTF-16 code unit order), two-space indentation;
// arrays of scalars and prefix entries (`["hive", 3]`, `["hive", ["https://a", "https://b"]]`)
// stay on one line, so a list of entries reads one entry per line. Ends with a newline.

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json | undefined };

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function isScalarList(value: unknown): boolean {
  return Array.isArray(value) && value.every(isScalar);
}

/** Scalars only, or a `[scalar, scalar or scalar list]` pair. */
function isFlat(list: readonly unknown[]): boolean {
  if (list.every(isScalar)) return true;
  return list.length === 2 && isScalar(list[0]) && isScalarList(list[1]);
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  return scalar(value);
}

function scalar(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`canonical JSON has no form for ${String(value)}`);
  }
  return JSON.stringify(value);
}

function write(value: unknown, indent: string, out: string[]): void {
  if (isScalar(value)) {
    out.push(scalar(value));
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0 || isFlat(value)) {
      out.push(inline(value));
      return;
    }
    out.push('[\n');
    value.forEach((item, i) => {
      out.push(inner);
      write(item, inner, out);
      out.push(i < value.length - 1 ? ',\n' : '\n');
    });
    out.push(`${indent}]`);
    return;
  }
  const record = value as Readonly<Record<string, unknown>>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{\n');
  keys.forEach((key, i) => {
    out.push(`${inner}${JSON.stringify(key)}: `);
    write(record[key], inner, out);
    out.push(i < keys.length - 1 ? ',\n' : '\n');
  });
  out.push(`${indent}}`);
}

/** Canonical text of a JSON value (see above). Throws only for non-JSON numbers (NaN, Infinity). */
export function documentText(value: Json | object): string {
  const out: string[] = [];
  write(value, '', out);
  out.push('\n');
  return out.join('');
}
