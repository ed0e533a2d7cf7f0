// JSON text spelled the way jussi's `ujson.dumps(value, ensure_ascii=False)` spells it (ujson 5,
// escape_forward_slashes=True): compact, `/` written `\/`, non-ASCII raw, control characters
// `\u00XX` except `\b\f\n\r\t`, U+2028/2029 raw, `true/false/null`, integers exact however long,
// a repeated key collapsed like a Python dict, floats in ujson's shortest spelling (see ujsonFloat).
//
// Two ways in: from a parsed value when the text is `plain` (see json-scan: `JSON.stringify` is
// then exact), or from the raw text, re-serialised token by token. Both take an optional sort of
// the top-level object keys (jussi's URN sorts them, in code-point order, and nothing deeper).
import type { JsonObject, JsonValue } from './types.js';
import { decodeStringToken, skipWhitespace, stringEnd } from './json-scan.js';

/**
 * A JSON value together with its raw text when the value alone would not spell it exactly
 * (floats, long integers, `-0`, integer-like or escaped keys). Slices come from `parseBody`,
 * which has checked their nesting depth; `raw` is undefined for plain values.
 */
export interface JsonSlice {
  readonly value: JsonValue;
  readonly raw: string | undefined;
}

/** double-conversion's `DCONV_DECIMAL_IN_SHORTEST_LOW` / `_HIGH` as ultrajson sets them. */
const DECIMAL_IN_SHORTEST_LOW = -4;
const DECIMAL_IN_SHORTEST_HIGH = 16;

export function valueSlice(value: JsonValue): JsonSlice {
  return { value, raw: undefined };
}

/** A string as ujson writes it: `JSON.stringify`'s escapes (the same set) plus `/` as `\/`. */
export function ujsonString(s: string): string {
  const j = JSON.stringify(s);
  return j.includes('/') ? j.replaceAll('/', '\\/') : j;
}

/**
 * A float as ujson 5 writes it: double-conversion's `ToShortest` as ultrajson configures it
 * (python/objToJSON.c: flags EMIT_TRAILING_DECIMAL_POINT | EMIT_TRAILING_ZERO_AFTER_POINT |
 * EMIT_POSITIVE_EXPONENT_SIGN, decimal form for 1e-4 <= |x| < 1e16, exponent character `e`).
 * The digits are the shortest that read back as `x` (V8 computes them with the same algorithm);
 * the decimal form gets `.0` when it has no fraction (`1000.0`); the exponent form puts a point
 * only between digits and writes the exponent with its sign and no padding (`1e-7`, `1.5e+300`).
 * `-0.0` keeps its sign. Python's `repr` differs only in padding the exponent (`1e-07`).
 */
export function ujsonFloat(x: number): string {
  // Infinities never reach here from a request (parseBody rejects them); keep the output JSON.
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '0', exponentText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  const exponent = Number(exponentText);
  if (exponent >= DECIMAL_IN_SHORTEST_LOW && exponent < DECIMAL_IN_SHORTEST_HIGH) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const point = exponent + 1;
    if (digits.length <= point) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const head = digits.length > 1 ? `${digits[0] as string}.${digits.slice(1)}` : digits;
  return `${sign}${head}e${exponent < 0 ? '' : '+'}${exponent}`;
}

/** A JSON number token spelled as ujson writes it back after `ujson.loads`: ints exact, floats by ujsonFloat. */
export function ujsonNumber(token: string): string {
  for (let k = 0; k < token.length; k += 1) {
    const c = token.charCodeAt(k);
    if (c === 0x2e || c === 0x65 || c === 0x45) return ujsonFloat(Number(token));
  }
  return token === '-0' ? '0' : token;
}

function codeUnitForOrder(c: number): number {
  // Surrogates (U+10000 and up) must sort after U+E000..U+FFFF, as code points do.
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** Code-point order of two strings (Python's `str` order), not UTF-16 code-unit order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return codeUnitForOrder(x) - codeUnitForOrder(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

/** True when the keys are already in code-point order. */
export function inCodePointOrder(keys: readonly string[]): boolean {
  for (let k = 1; k < keys.length; k += 1) if (compareCodePoints(keys[k - 1] as string, keys[k] as string) > 0) return false;
  return true;
}

function isPlainObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringifyValue(value: JsonValue): string {
  const j = JSON.stringify(value);
  return j.includes('/') ? j.replaceAll('/', '\\/') : j;
}

function fromValue(value: JsonValue, sortTopKeys: boolean): string {
  if (!sortTopKeys || !isPlainObject(value)) return stringifyValue(value);
  const keys = Object.keys(value).sort(compareCodePoints);
  let out = '{';
  for (let k = 0; k < keys.length; k += 1) {
    const key = keys[k] as string;
    if (k > 0) out += ',';
    out += `${ujsonString(key)}:${stringifyValue(value[key] as JsonValue)}`;
  }
  return `${out}}`;
}

/** Re-serialises valid JSON text token by token; recursion depth is the text's nesting depth. */
class RawWriter {
  private i = 0;
  constructor(private readonly text: string) {}

  write(sortTopKeys: boolean): string {
    return this.value(sortTopKeys);
  }

  private value(sortKeys: boolean): string {
    const t = this.text;
    this.i = skipWhitespace(t, this.i);
    const c = t.charCodeAt(this.i);
    if (c === 0x22) return this.string();
    if (c === 0x7b) return this.object(sortKeys);
    if (c === 0x5b) return this.array();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    return this.number();
  }

  private literal(word: string): string {
    this.i += word.length;
    return word;
  }

  private number(): string {
    const t = this.text;
    const start = this.i;
    let j = start;
    while (j < t.length) {
      const c = t.charCodeAt(j);
      if (!((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45)) break;
      j += 1;
    }
    this.i = j;
    return ujsonNumber(t.slice(start, j));
  }

  private stringToken(): string {
    const start = this.i;
    this.i = stringEnd(this.text, start);
    return this.text.slice(start, this.i);
  }

  private string(): string {
    return respellString(this.stringToken());
  }

  private array(): string {
    const t = this.text;
    this.i = skipWhitespace(t, this.i + 1);
    if (t.charCodeAt(this.i) === 0x5d) {
      this.i += 1;
      return '[]';
    }
    let out = '[';
    for (;;) {
      out += this.value(false);
      this.i = skipWhitespace(t, this.i);
      const c = t.charCodeAt(this.i);
      this.i += 1;
      if (c !== 0x2c) return `${out}]`;
      out += ',';
    }
  }

  private object(sortKeys: boolean): string {
    const t = this.text;
    this.i = skipWhitespace(t, this.i + 1);
    if (t.charCodeAt(this.i) === 0x7d) {
      this.i += 1;
      return '{}';
    }
    // A Python dict: a repeated key keeps its first position and takes the last value.
    const keys: string[] = [];
    const members: string[] = [];
    let index: Map<string, number> | undefined;
    for (;;) {
      this.i = skipWhitespace(t, this.i);
      const token = this.stringToken();
      const key = decodeStringToken(token);
      this.i = skipWhitespace(t, this.i) + 1; // past ':'
      const member = `${respellString(token)}:${this.value(false)}`;
      let at = -1;
      if (index !== undefined) at = index.get(key) ?? -1;
      else if (keys.length > 0) at = keys.indexOf(key);
      if (at >= 0) {
        members[at] = member;
      } else {
        keys.push(key);
        members.push(member);
        if (index !== undefined) index.set(key, keys.length - 1);
        else if (keys.length > 16) index = new Map(keys.map((k, n) => [k, n]));
      }
      this.i = skipWhitespace(t, this.i);
      const c = t.charCodeAt(this.i);
      this.i += 1;
      if (c !== 0x2c) break;
    }
    if (!sortKeys || keys.length < 2) return `{${members.join(',')}}`;
    const order = keys.map((_k, n) => n).sort((a, b) => compareCodePoints(keys[a] as string, keys[b] as string));
    return `{${order.map((n) => members[n]).join(',')}}`;
  }
}

/** A string token (quotes included) re-spelled by ujson's rules. */
function respellString(token: string): string {
  if (token.includes('\\')) return ujsonString(decodeStringToken(token));
  return token.includes('/') ? token.replaceAll('/', '\\/') : token;
}

/**
 * Arrays ujson writes exactly as they are spelled: no whitespace, no objects, integers short
 * enough to be exact (and no `-0`), strings of characters ujson never escapes.
 */
const SPELLED_AS_UJSON = /^(?:[[\],]|"[A-Za-z0-9_.:@-]*"|(?:0|-?[1-9][0-9]{0,14})(?![0-9.eE])|true|false|null)*$/;

/**
 * Texts already written for a slice in the client's key order. The URN text of array params is
 * the same text as the upstream payload's, so a request serialises its params once.
 */
const writtenInClientOrder = new WeakMap<JsonSlice, string>();

/**
 * The slice as ujson text. `sortTopKeys` sorts the keys of a top-level object (the URN form);
 * without it the client's key order is kept (the upstream payload form).
 */
export function ujsonText(slice: JsonSlice, sortTopKeys: boolean): string {
  // Most params (`[]`, `[123]`, `[["alice"]]`) are written exactly as the client spelled them.
  if (slice.raw !== undefined && slice.raw.charCodeAt(0) === 0x5b && SPELLED_AS_UJSON.test(slice.raw)) return slice.raw;
  const value = slice.value;
  // A plain object whose keys already come in order is written the same either way.
  const sorts = sortTopKeys && isPlainObject(value) && !(slice.raw === undefined && inCodePointOrder(Object.keys(value)));
  if (sorts) return slice.raw === undefined ? fromValue(value, true) : new RawWriter(slice.raw).write(true);
  const known = writtenInClientOrder.get(slice);
  if (known !== undefined) return known;
  const text = slice.raw === undefined ? fromValue(value, false) : new RawWriter(slice.raw).write(false);
  writtenInClientOrder.set(slice, text);
  return text;
}
