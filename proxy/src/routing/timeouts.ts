// The per-item timeout: a prefix's configured seconds, capped by the global
// JUSSI_RESPONSE_TIMEOUT. The error on expiry tells which one fired: RequestTimeout (1000) when
// the configured timeout did, ResponseTimeout (1050) when only the global cap applied (no
// prefix timeout, a timeout of 0 = none, or one longer than the cap).

import type { ErrorKind } from '../jsonrpc/errors.js';

export type TimeoutKind = Extract<ErrorKind, 'RequestTimeout' | 'ResponseTimeout'>;

export interface ItemTimeout {
  /** Milliseconds the upstream call may take. */
  readonly ms: number;
  /** The error to answer with when it expires. */
  readonly kind: TimeoutKind;
  /** Configured seconds, as written (0 kept); null when no timeout prefix matched. */
  readonly configured: number | null;
  /** The timeout prefix that matched; null when none did. */
  readonly prefix: string | null;
}

export function effectiveTimeout(configured: number | null, prefix: string | null, globalMs: number): ItemTimeout {
  if (configured === null || configured <= 0) return { ms: globalMs, kind: 'ResponseTimeout', configured, prefix };
  const ms = configured * 1000;
  return ms <= globalMs
    ? { ms, kind: 'RequestTimeout', configured, prefix }
    : { ms: globalMs, kind: 'ResponseTimeout', configured, prefix };
}
