// Values of jussi's `x-jussi-*` response headers (reference §12). They always pass Node's header
// validation: printable ASCII only, anything else written `\u` plus four hex digits, bounded length.
// `x-jussi-params` is compact JSON rather than jussi's Python repr (ARCHITECTURE item 8).
import { randomFillSync } from 'node:crypto';
import { maxHeaderSize } from 'node:http';
import type { Urn } from './types.js';

/** jussi's rendering of an absent api or params. */
export const EMPTY_HEADER_VALUE = '<Empty>';
/** Longest `x-jussi-*` URN header value; longer values are cut and end in `...`. */
export const MAX_URN_HEADER_LENGTH = 1024;
/** Longest client `x-jussi-request-id` taken as is; longer ones are replaced by a generated id. */
export const MAX_REQUEST_ID_LENGTH = 128;

const ELLIPSIS = '...';
const HEX = '0123456789abcdef';
const PRINTABLE_REQUEST_ID = /^[\x21-\x7e]+$/;
/** Anything but printable ASCII, or a backslash: such text needs escaping. */
const NEEDS_ESCAPING = /[^\x20-\x5b\x5d-\x7e]/;
/** Anything but printable ASCII. */
const NOT_PRINTABLE = /[^\x20-\x7e]/;
/**
 * Bytes of an answer's head that the caller of `cacheHitRoom` does not count: the status line,
 * `Date`, `Connection`, `Keep-Alive`, `Content-Type`, `Content-Length`, `x-jussi-response-time`
 * and the `x-jussi-cache-hit` name (about 250 bytes; the rest is margin).
 */
const UNCOUNTED_HEAD_BYTES = 512;

// A type alias (not an interface) so a value fits `Record<string, string>` and can be extended in place.
export type UrnHeaders = {
  readonly 'x-jussi-namespace': string;
  readonly 'x-jussi-api': string;
  readonly 'x-jussi-method': string;
  readonly 'x-jussi-params': string;
};

function unicodeEscape(c: number): string {
  return `\\u${HEX[(c >> 12) & 15]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
}

function isPrintableAscii(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/** Cuts to `max` characters ending in `...`, never in the middle of a `\u` escape. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const escapeAt = text.lastIndexOf('\\', end - 1);
  if (escapeAt >= 0 && end - escapeAt < 6) end = escapeAt;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * Client text copied into a header we echo or a log line (x-amzn-trace-id, the method in the
 * access log, an error message quoting it): at most `max` characters, a longer one cut to end
 * in `...`. Short text is returned as is, with no copy.
 */
export function clientText(value: string, max = MAX_URN_HEADER_LENGTH): string {
  return value.length <= max ? value : value.slice(0, max - ELLIPSIS.length) + ELLIPSIS;
}

/**
 * A client-provided string (namespace, api, method) as a header value: printable ASCII kept,
 * `\` written `\\`, everything else `\u` plus four hex digits (JSON string escaping without the quotes).
 */
export function headerText(value: string, max = MAX_URN_HEADER_LENGTH): string {
  // Escaping only lengthens: the first max + 1 characters decide the value.
  if (value.length > max + 1) value = value.slice(0, max + 1);
  if (!NEEDS_ESCAPING.test(value)) return cut(value, max);
  let out = '';
  for (let i = 0; i < value.length && out.length <= max; i += 1) {
    const c = value.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else out += isPrintableAscii(c) ? value[i] : unicodeEscape(c);
  }
  return cut(out, max);
}

/**
 * URN params text (ujson) as compact ASCII-only JSON: non-ASCII as `\u` plus four hex digits, `\/` as `/`;
 * truncated to `max` characters ending in `...`. Only as much of the text as fits is read.
 */
export function paramsHeader(paramsText: string, max = MAX_URN_HEADER_LENGTH): string {
  // At worst (`\/` -> `/`) two characters give one: 2 * max + 2 characters decide the value.
  if (paramsText.length > 2 * max + 2) paramsText = paramsText.slice(0, 2 * max + 2);
  if (!NEEDS_ESCAPING.test(paramsText)) return cut(paramsText, max);
  let out = '';
  let i = 0;
  const n = paramsText.length;
  while (i < n && out.length <= max) {
    const c = paramsText.charCodeAt(i);
    if (c === 0x5c) {
      // Escapes occur only inside strings; `\/` is ujson's, plain JSON writes `/`.
      const next = paramsText[i + 1] ?? '';
      out += next === '/' ? '/' : `\\${next}`;
      i += 2;
    } else {
      out += isPrintableAscii(c) ? paramsText[i] : unicodeEscape(c);
      i += 1;
    }
  }
  return cut(out, max);
}

/**
 * `x-jussi-cache-hit` of a single cache hit: the cache key as stored, jussi's spelling kept (`\/`
 * and every other escape of its params text), with characters outside printable ASCII written
 * `\u` plus four hex digits (jussi sends raw UTF-8, which clients read as Latin-1). Cut, ending in
 * `...`, only when longer than `max` characters (see `cacheHitRoom`).
 */
export function cacheHitHeader(key: string, max = Number.POSITIVE_INFINITY): string {
  if (!NOT_PRINTABLE.test(key)) return cut(key, max);
  let out = '';
  for (let i = 0; i < key.length && out.length <= max; i += 1) {
    const c = key.charCodeAt(i);
    out += isPrintableAscii(c) ? key[i] : unicodeEscape(c);
  }
  return cut(out, max);
}

/**
 * How long `x-jussi-cache-hit` may be so that the answer's whole head stays within the server's
 * header limit (Node's `--max-http-header-size`, 16 KiB by default): a client with the same limit
 * as the server (Node's fetch and http, for one) can read every answer. `headers` are the other
 * headers the caller sets; `uncounted` the characters of any it sets later.
 */
export function cacheHitRoom(headers: Readonly<Record<string, string>>, uncounted: number): number {
  let used = UNCOUNTED_HEAD_BYTES + uncounted;
  for (const name in headers) used += name.length + (headers[name] as string).length + 4; // ': ' and CRLF
  return Math.max(maxHeaderSize - used, ELLIPSIS.length);
}

/** The four `x-jussi-*` headers of a single request's final URN. */
export function urnHeaders(urn: Urn): UrnHeaders {
  return {
    'x-jussi-namespace': headerText(urn.namespace),
    'x-jussi-api': urn.api === undefined ? EMPTY_HEADER_VALUE : headerText(urn.api),
    'x-jussi-method': headerText(urn.method),
    'x-jussi-params': urn.paramsText === undefined ? EMPTY_HEADER_VALUE : paramsHeader(urn.paramsText),
  };
}

// Random words are drawn 1,024 at a time: one getrandom() system call per 512 request ids
// instead of one per request (the call was a tenth of a cache hit's CPU time).
const RANDOM_WORDS = 1024;
const randomWords = new Uint32Array(RANDOM_WORDS);
let nextWord = RANDOM_WORDS;

function randomWord(): number {
  if (nextWord >= RANDOM_WORDS) {
    randomFillSync(randomWords);
    nextWord = 0;
  }
  return randomWords[nextWord++] as number;
}

/** jussi's generated request id: `'%018d' % getrandbits(50)`. */
export function generateRequestId(): string {
  const high = randomWord() & 0x3ffff; // 18 bits + 32 bits = 50 bits, exact as a double
  const value = high * 0x100000000 + randomWord();
  return String(value).padStart(18, '0');
}

/**
 * The request id for a request, decided once and used everywhere (ARCHITECTURE item 7): the
 * client's `x-jussi-request-id` when it is 1..128 printable ASCII characters without spaces,
 * otherwise a generated one.
 */
export function requestIdFrom(header: string | readonly string[] | undefined): string {
  const value = typeof header === 'string' ? header : header?.[0];
  if (value !== undefined && value.length <= MAX_REQUEST_ID_LENGTH && PRINTABLE_REQUEST_ID.test(value)) return value;
  return generateRequestId();
}
