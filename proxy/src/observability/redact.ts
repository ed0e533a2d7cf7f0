// Secrets never reach a log line, a metric label or a span attribute. Pure functions: a string
// scrubber (credentials inside URLs, secret query parameters, Authorization values, secret
// members of JSON text) and a bounded walk over log fields that also hides secret-named keys.
//
// pino's own `redact` option only knows exact paths (with one-level wildcards) and cannot look
// inside strings; a Redis URL with a password or a header object at any depth needs both.

import type { LogError } from './types.js';

export const REDACTED = '[REDACTED]';

/** Names (headers, fields, JSON members) whose values are secrets wherever they appear. */
const SECRET_KEY =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|api[-_]?key|apikey|auth[-_]?token|access[-_]?token|refresh[-_]?token|token|secret|client[-_]?secret|password|passwd|pwd|private[-_]?key|wif)$/i;

// scheme://userinfo@host: the userinfo part (user, password or both) is dropped whole. JSON
// text written with escaped slashes (`redis:\/\/:pw@host`, as ujson does) is matched too.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:(?:\/\/|\\\/\\\/))[^\s/\\@?#"'<>]+@/gi;
// ?api_key=...&token=...: the value of a secret-named query parameter.
const SECRET_QUERY =
  /([?&;](?:api[-_]?key|apikey|access[-_]?token|auth[-_]?token|token|key|secret|password|passwd|pwd|auth|sig|signature)=)[^&#\s"'<>]*/gi;
// "Authorization: Bearer xyz" or a bare credential in free text.
const AUTH_SCHEME = /\b(Bearer|Basic|Digest)\s+[A-Za-z0-9._~+/=:-]+/g;
// "password":"..." inside JSON text (request bodies logged at DEBUG).
const SECRET_JSON_MEMBER =
  /("(?:authorization|cookie|x-api-key|api[-_]?key|apikey|auth[-_]?token|access[-_]?token|refresh[-_]?token|token|secret|client[-_]?secret|password|passwd|pwd|private[-_]?key|wif)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The string with every recognisable secret replaced by `[REDACTED]`; cheap when there is none. */
export function scrubString(text: string): string {
  let out = text;
  if (out.includes('@') && (out.includes('://') || out.includes(':\\/\\/'))) out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
  if (out.includes('=')) out = out.replace(SECRET_QUERY, `$1${REDACTED}`);
  if (out.includes('Bearer') || out.includes('Basic') || out.includes('Digest')) out = out.replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  if (out.includes('"')) out = out.replace(SECRET_JSON_MEMBER, `$1"${REDACTED}"`);
  return out;
}

/** A URL fit for a metric label or span attribute: no userinfo, no query, no fragment. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    const text = u.toString();
    // URL adds a trailing slash to a bare origin; keep the configured spelling otherwise.
    return text.endsWith('/') && !url.endsWith('/') && u.pathname === '/' ? text.slice(0, -1) : text;
  } catch {
    return scrubString(url);
  }
}

export interface ToLogErrorOptions {
  readonly code?: number | string;
  /** Include the stack (bugs, not expected failures such as timeouts). */
  readonly stack?: boolean;
}

/** Any thrown or error-like value as the `error` field of a log line. */
export function toLogError(error: unknown, options: ToLogErrorOptions = {}): LogError {
  let type = 'Error';
  let message: string;
  let code: number | string | undefined = options.code;
  let stack: string | undefined;
  if (error instanceof Error) {
    type = error.name;
    message = error.message;
    stack = error.stack;
  } else if (typeof error === 'object' && error !== null) {
    const rec = error as Record<string, unknown>;
    if (typeof rec['kind'] === 'string') type = rec['kind'];
    else if (typeof rec['type'] === 'string') type = rec['type'];
    else if (typeof rec['name'] === 'string') type = rec['name'];
    message = typeof rec['message'] === 'string' ? rec['message'] : safeStringify(error);
  } else {
    message = String(error);
  }
  if (code === undefined && typeof error === 'object' && error !== null) {
    const c = (error as Record<string, unknown>)['code'];
    if (typeof c === 'number' || typeof c === 'string') code = c;
  }
  const out: { type: string; message: string; code?: number | string; stack?: string } = {
    type: scrubString(type),
    message: scrubString(message),
  };
  if (code !== undefined) out.code = code;
  if (options.stack === true && stack !== undefined) out.stack = scrubString(stack);
  return out;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const MAX_DEPTH = 6;
const MAX_ARRAY = 100;

/**
 * Log fields with secrets removed: secret-named keys at any depth are replaced, strings are
 * scrubbed, Error instances become `LogError`s, BigInts become strings, and nesting deeper than
 * a few levels (or a cycle) is cut. Returns the same object when nothing had to change.
 */
export function scrubFields<T>(value: T): T {
  return scrubValue(value, 0) as T;
}

function scrubValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return scrubString(value);
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Error) return toLogError(value);
  if (Array.isArray(value)) {
    let changed = value.length > MAX_ARRAY;
    const items = changed ? value.slice(0, MAX_ARRAY) : value;
    const out = items.map((item: unknown) => {
      const next = scrubValue(item, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (value instanceof Date) return value;
  if (value instanceof Map || value instanceof Set) return scrubValue(Array.from(value), depth);
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  let copy: Record<string, unknown> | undefined;
  const rec = value as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    const item = rec[key];
    const next = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? REDACTED : scrubValue(item, depth + 1);
    if (next !== item) {
      copy ??= { ...rec };
      copy[key] = next;
    }
  }
  return copy ?? value;
}
