// The abort-reason convention between the request pipeline and the upstream transports.
//
// The pipeline aborts a call's signal with `callAbortReason('timeout')` when the item's timeout
// expires and with `callAbortReason('aborted')` when the client went away. A signal from
// `AbortSignal.timeout(ms)` (reason: a DOMException named "TimeoutError") also counts as a
// timeout, so `AbortSignal.any([AbortSignal.timeout(ms), clientGone])` works as is. Any other
// reason is treated as 'aborted'. The transports turn the reason into an `UpstreamError` of
// that kind, so the pipeline can map 'timeout' to 1000 and 'aborted' to whatever it sends when
// nobody is listening.

import { UpstreamError } from './types.js';

export type CallAbortKind = 'timeout' | 'aborted';

/** The reason object the pipeline passes to `AbortController.abort(reason)`. */
export class CallAbortReason extends Error {
  readonly kind: CallAbortKind;
  constructor(kind: CallAbortKind, message?: string) {
    super(message ?? (kind === 'timeout' ? 'upstream call timed out' : 'upstream call aborted'));
    this.name = 'CallAbortReason';
    this.kind = kind;
  }
}

export function callAbortReason(kind: CallAbortKind, message?: string): CallAbortReason {
  return new CallAbortReason(kind, message);
}

/** Which kind of abort a signal's reason stands for. */
export function abortKind(reason: unknown): CallAbortKind {
  if (reason instanceof CallAbortReason) return reason.kind;
  if (reason instanceof Error && reason.name === 'TimeoutError') return 'timeout';
  return 'aborted';
}

/** The error a call rejects with once its signal has fired. */
export function abortError(signal: AbortSignal, url: string): UpstreamError {
  const reason: unknown = signal.reason;
  const kind = abortKind(reason);
  const detail = reason instanceof Error ? reason.message : kind === 'timeout' ? 'timed out' : 'aborted';
  return new UpstreamError(kind, url, `call to ${url} ${kind === 'timeout' ? 'timed out' : 'was aborted'}: ${detail}`);
}
