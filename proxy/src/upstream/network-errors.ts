// Sorts the errors undici, ws and node's sockets raise into the kinds of `UpstreamError`.

import { redactText } from './redact.js';
import type { UpstreamErrorKind } from './types.js';

const CONNECT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
]);

const CLOSED_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const SHUTDOWN_CODES = new Set(['UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);
const PROTOCOL_CODES = new Set([
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_INFO',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return codeOf((err as { cause?: unknown }).cause);
}

/** The kind of a transport error; an error nobody recognises is a dropped connection. */
export function networkErrorKind(err: unknown): UpstreamErrorKind {
  const code = codeOf(err);
  if (code === undefined) return 'closed';
  if (CONNECT_CODES.has(code)) return 'connect';
  if (CLOSED_CODES.has(code)) return 'closed';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (SHUTDOWN_CODES.has(code)) return 'shutdown';
  if (PROTOCOL_CODES.has(code) || code.startsWith('HPE_') || code.startsWith('WS_ERR_')) return 'protocol';
  return 'closed';
}

/** A one-line description of a library error, without credentials: "ECONNREFUSED: connect ...". */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0]);
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const text = code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
  return redactText(text || (code ?? 'unknown error'));
}
