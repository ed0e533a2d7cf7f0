// Builds `UpstreamCall`s for the upstream tests.
import type { UpstreamCall } from '@jussi/proxy/upstream/types';

export interface CallOptions {
  readonly params?: unknown;
  /** Default 10 s: generous, tests that need a timeout set their own. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly idempotent?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

export function makeCall(id: number, method: string, options: CallOptions = {}): UpstreamCall {
  const request: Record<string, unknown> = { jsonrpc: '2.0', id, method };
  if (options.params !== undefined) request.params = options.params;
  return {
    payload: JSON.stringify(request),
    upstreamId: id,
    signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 10_000),
    headers: options.headers ?? {},
    idempotent: options.idempotent ?? true,
  };
}

/** The rejection of `promise`, which must reject. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
