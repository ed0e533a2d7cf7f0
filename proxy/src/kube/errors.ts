// What went wrong with a Kubernetes API call, read from whatever the client library threw:
// client-node's ApiException (typed APIs), the watch's `Error & { statusCode }`, node-fetch and
// Node network errors, aborts, and our own KubeHttpError. One shape, so callers decide on retry
// with a switch instead of probing error classes.

import { isRecord } from './objects.js';

export interface KubeErrorInfo {
  /** HTTP status, or null when no response arrived (network error, timeout, abort). */
  readonly status: number | null;
  /** `Status.reason` from the body (`Conflict`, `AlreadyExists`, `Expired`, ...), when there was one. */
  readonly reason: string | null;
  readonly message: string;
  /** From `Retry-After` (seconds) or `Status.details.retryAfterSeconds`. */
  readonly retryAfterMs: number | null;
  /** The request timed out or was aborted by us. */
  readonly aborted: boolean;
}

/** An HTTP error answer from the API, thrown by our raw requests (see get-json.ts). */
export class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(`HTTP ${statusCode}`);
    this.name = 'KubeHttpError';
  }
}

function parseStatusBody(body: unknown): { reason: string | null; message: string | null; retryAfterSeconds: number | null } {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { reason: null, message: body.trim() === '' ? null : body.slice(0, 300), retryAfterSeconds: null };
    }
  }
  if (!isRecord(value)) return { reason: null, message: null, retryAfterSeconds: null };
  const details = isRecord(value['details']) ? value['details'] : {};
  return {
    reason: typeof value['reason'] === 'string' ? value['reason'] : null,
    message: typeof value['message'] === 'string' ? value['message'] : null,
    retryAfterSeconds: typeof details['retryAfterSeconds'] === 'number' ? details['retryAfterSeconds'] : null,
  };
}

function header(headers: unknown, name: string): string | null {
  if (!isRecord(headers)) return null;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name && typeof v === 'string') return v;
  }
  return null;
}

/** `Retry-After` in seconds or as an HTTP date, as milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

export function kubeErrorInfo(err: unknown): KubeErrorInfo {
  if (!isRecord(err)) return { status: null, reason: null, message: String(err), retryAfterMs: null, aborted: false };
  const name = typeof err['name'] === 'string' ? err['name'] : '';
  const baseMessage = err instanceof Error ? err.message : String(err['message'] ?? 'unknown error');
  const aborted = name === 'AbortError' || name === 'TimeoutError' || err['type'] === 'aborted';
  // ApiException carries `code` (HTTP status) and `body` (text); the watch sets `statusCode`.
  const status = typeof err['statusCode'] === 'number' ? err['statusCode']
    : typeof err['code'] === 'number' ? err['code'] : null;
  if (status === null) {
    const code = typeof err['code'] === 'string' ? ` (${err['code']})` : '';
    return { status: null, reason: null, message: `${baseMessage}${code}`, retryAfterMs: null, aborted };
  }
  const parsed = parseStatusBody(err['body']);
  const headerDelay = parseRetryAfter(header(err['headers'], 'retry-after'));
  const retryAfterMs = headerDelay ?? (parsed.retryAfterSeconds === null ? null : parsed.retryAfterSeconds * 1000);
  const message = parsed.message === null ? `HTTP ${status}` : `HTTP ${status}: ${parsed.message}`;
  return { status, reason: parsed.reason, message, retryAfterMs, aborted: false };
}

/** Worth retrying: no answer at all, 429 Too Many Requests, or a server-side 5xx. */
export function isTransient(info: KubeErrorInfo): boolean {
  return info.status === null || info.status === 429 || info.status >= 500;
}
