// A small scanner over JSON text that `JSON.parse` has already accepted: it finds where values
// start and end without building them, so the proxy can keep the client's exact spelling (number
// forms, key order) where JavaScript values lose it. Every loop advances, and nothing recurses, so
// any text (even invalid or nested 200,000 levels deep) ends the scan without throwing.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const ZERO = 0x30;
const NINE = 0x39;

/** JavaScript integer-index keys (`"0"`..`"4294967294"`) are the ones objects reorder. */
const MAX_ARRAY_INDEX = 4294967294;
/** Integer literals up to this many digits are exact as JavaScript numbers (< 2^53). */
const SAFE_INTEGER_DIGITS = 15;

/** What a scan learned about one value's text. */
export interface ValueScan {
  /** Index just after the value. */
  readonly end: number;
  /** Deepest nesting of arrays/objects inside the value (0 for a scalar). */
  readonly depth: number;
  /**
   * True when `JSON.stringify` of the parsed value spells it exactly as the text does by ujson
   * rules: every number is an integer literal of at most 15 digits (not `-0`), and no object key
   * is integer-like or written with escapes (JavaScript would reorder such keys).
   */
  readonly plain: boolean;
  /** False when a float literal overflows to an infinity (Python's ujson cannot write it back). */
  readonly finite: boolean;
}

/** One member of an object: its decoded key and the span of its value. */
export interface MemberSpan {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/** A member whose value was scanned (see `ValueScan`). */
export interface ScannedMember extends MemberSpan {
  readonly scan: ValueScan;
}

export interface Span {
  readonly start: number;
  readonly end: number;
}

export function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipWhitespace(text: string, i: number): number {
  const n = text.length;
  while (i < n && isJsonWhitespace(text.charCodeAt(i))) i += 1;
  return i;
}

/** `i` is at an opening quote; returns the index after the closing quote (or the text length). */
export function stringEnd(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return text.length;
    let k = q - 1;
    while (k > i && text.charCodeAt(k) === BACKSLASH) k -= 1;
    // An even run of backslashes before the quote escapes only itself: the quote closes.
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Decodes a string token (quotes included); only tokens with escapes need `JSON.parse`. */
export function decodeStringToken(token: string): string {
  const inner = token.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  try {
    const decoded: unknown = JSON.parse(token);
    return typeof decoded === 'string' ? decoded : inner;
  } catch {
    return inner;
  }
}

function isNumberChar(c: number): boolean {
  // digits, '-', '+', '.', 'e', 'E'
  return (c >= ZERO && c <= NINE) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

function hasBackslash(text: string, start: number, end: number): boolean {
  for (let k = start; k < end; k += 1) if (text.charCodeAt(k) === BACKSLASH) return true;
  return false;
}

function isIntegerLikeKey(text: string, start: number, end: number): boolean {
  // [start, end) is the key between its quotes.
  const len = end - start;
  if (len === 0 || len > 10) return false;
  const first = text.charCodeAt(start);
  if (first < ZERO || first > NINE) return false;
  if (first === ZERO) return len === 1;
  for (let k = start + 1; k < end; k += 1) {
    const c = text.charCodeAt(k);
    if (c < ZERO || c > NINE) return false;
  }
  return Number(text.slice(start, end)) <= MAX_ARRAY_INDEX;
}

const NOT_PLAIN = 1;
const NOT_FINITE = 2;

/** The `plain`/`finite` rules of `ValueScan` for the number token text[start, end), as NOT_* flags. */
function numberFlags(text: string, start: number, end: number): number {
  for (let k = start; k < end; k += 1) {
    const c = text.charCodeAt(k);
    if (c === 0x2e || c === 0x65 || c === 0x45) {
      return Number.isFinite(Number(text.slice(start, end))) ? NOT_PLAIN : NOT_PLAIN | NOT_FINITE;
    }
  }
  const negative = text.charCodeAt(start) === 0x2d;
  const digits = negative ? end - start - 1 : end - start;
  const minusZero = negative && digits === 1 && text.charCodeAt(start + 1) === ZERO;
  return digits > SAFE_INTEGER_DIGITS || minusZero ? NOT_PLAIN : 0;
}

/**
 * Scans the value starting at `i` (whitespace before it is skipped). Iterative: the nesting
 * depth is counted, never recursed into.
 */
export function scanValue(text: string, i: number): ValueScan {
  const n = text.length;
  i = skipWhitespace(text, i);
  let depth = 0;
  let maxDepth = 0;
  let plain = true;
  let finite = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (depth === 0) return { end, depth: maxDepth, plain, finite };
      if (plain) {
        const after = skipWhitespace(text, end);
        if (text.charCodeAt(after) === COLON) {
          if (hasBackslash(text, i + 1, end - 1) || isIntegerLikeKey(text, i + 1, end - 1)) plain = false;
        }
      }
      i = end;
    } else if (c === LBRACE || c === LBRACKET) {
      depth += 1;
      if (depth > maxDepth) maxDepth = depth;
      i += 1;
    } else if (c === RBRACE || c === RBRACKET) {
      depth -= 1;
      i += 1;
      if (depth <= 0) return { end: i, depth: maxDepth, plain, finite };
    } else if (isNumberChar(c)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j += 1;
      const flags = numberFlags(text, i, j);
      if ((flags & NOT_PLAIN) !== 0) plain = false;
      if ((flags & NOT_FINITE) !== 0) finite = false;
      i = j;
      if (depth === 0) return { end: i, depth: maxDepth, plain, finite };
    } else if (c === COMMA || c === COLON || isJsonWhitespace(c)) {
      i += 1;
    } else {
      // true / false / null (or anything else): a run of letters.
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d < 0x61 || d > 0x7a) break;
        j += 1;
      }
      i = j;
      if (depth === 0) return { end: i, depth: maxDepth, plain, finite };
    }
  }
  return { end: n, depth: maxDepth, plain, finite };
}

/**
 * Index after the value starting at `i`, without inspecting it: strings are jumped over with
 * `indexOf`, only brackets are counted (this skips large upstream answers quickly).
 */
export function valueEnd(text: string, i: number): number {
  const n = text.length;
  i = skipWhitespace(text, i);
  if (i >= n) return n;
  const first = text.charCodeAt(i);
  if (first === QUOTE) return stringEnd(text, i);
  if (first !== LBRACE && first !== LBRACKET) {
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === RBRACE || c === RBRACKET || isJsonWhitespace(c)) break;
      j += 1;
    }
    return j;
  }
  let depth = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      depth += 1;
    } else if (c === RBRACE || c === RBRACKET) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  return n;
}

function membersOf<M extends MemberSpan>(
  text: string,
  open: number,
  member: (key: string, start: number) => M,
): { members: M[]; end: number } | undefined {
  if (text.charCodeAt(open) !== LBRACE) return undefined;
  const members: M[] = [];
  const n = text.length;
  let i = skipWhitespace(text, open + 1);
  if (text.charCodeAt(i) === RBRACE) return { members, end: i + 1 };
  while (i < n) {
    if (text.charCodeAt(i) !== QUOTE) return { members, end: n };
    const keyEnd = stringEnd(text, i);
    const key = hasBackslash(text, i + 1, keyEnd - 1) ? decodeStringToken(text.slice(i, keyEnd)) : text.slice(i + 1, keyEnd - 1);
    i = skipWhitespace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return { members, end: n };
    const m = member(key, skipWhitespace(text, i + 1));
    members.push(m);
    i = skipWhitespace(text, Math.max(m.end, m.start + 1));
    const c = text.charCodeAt(i);
    if (c === COMMA) i = skipWhitespace(text, i + 1);
    else if (c === RBRACE) return { members, end: i + 1 };
    else return { members, end: n };
  }
  return { members, end: n };
}

/**
 * The members of the object whose `{` is at `open`, in text order (duplicates included), and
 * the index after its `}`. Undefined when `open` is not at `{`.
 */
export function objectMembers(text: string, open: number): { members: MemberSpan[]; end: number } | undefined {
  return membersOf(text, open, (key, start) => ({ key, start, end: valueEnd(text, start) }));
}

/** As `objectMembers`, with each value scanned for depth, plainness and finiteness. */
export function scannedMembers(text: string, open: number): { members: ScannedMember[]; end: number } | undefined {
  return membersOf(text, open, (key, start) => {
    const scan = scanValue(text, start);
    return { key, start, end: scan.end, scan };
  });
}

/** The element spans of the array whose `[` is at `open`; undefined when `open` is not at `[`. */
export function arrayElements(text: string, open: number): { elements: Span[]; end: number } | undefined {
  if (text.charCodeAt(open) !== LBRACKET) return undefined;
  const elements: Span[] = [];
  const n = text.length;
  let i = skipWhitespace(text, open + 1);
  if (text.charCodeAt(i) === RBRACKET) return { elements, end: i + 1 };
  while (i < n) {
    const end = valueEnd(text, i);
    if (end <= i) return { elements, end: n };
    elements.push({ start: i, end });
    i = skipWhitespace(text, end);
    const c = text.charCodeAt(i);
    if (c === COMMA) i = skipWhitespace(text, i + 1);
    else if (c === RBRACKET) return { elements, end: i + 1 };
    else return { elements, end: n };
  }
  return { elements, end: n };
}
