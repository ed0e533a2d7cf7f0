// Pulls GET /state from each proxy endpoint, at most `concurrency` at a time, each under its own
// deadline; every endpoint gets a result: the parsed report or an error saying what went wrong.

import { mapWithConcurrency } from './concurrency.js';
import type { ProxyEndpoint } from './proxy-discovery.js';
import { parseStateReport, type ParsedState } from './state-report-parse.js';

export interface PullOptions {
  /** Requests in flight at once (default 8). */
  readonly concurrency?: number;
  /** Deadline of each request (default 2 s). */
  readonly timeoutMs?: number;
  /** Path of the report (default /state). */
  readonly path?: string;
  /** Largest answer accepted (default 1 MiB). */
  readonly maxBytes?: number;
}

export interface PulledState {
  readonly endpoint: ProxyEndpoint;
  readonly result: ParsedState;
}

export async function fetchState(endpoint: ProxyEndpoint, options: PullOptions = {}): Promise<ParsedState> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const url = `${endpoint.baseUrl}${options.path ?? '/state'}`;
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    text = await res.text();
    if (res.status !== 200) return { ok: false, error: `GET ${url}: HTTP ${res.status}` };
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: `GET ${url}: no answer within ${timeoutMs} ms` };
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { ok: false, error: `GET ${url}: ${err instanceof Error ? err.message : String(err)}${cause}` };
  }
  if (Buffer.byteLength(text) > maxBytes) return { ok: false, error: `GET ${url}: answer larger than ${maxBytes} bytes` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: `GET ${url}: the answer is not JSON` };
  }
  const parsed = parseStateReport(body);
  return parsed.ok ? parsed : { ok: false, error: `GET ${url}: ${parsed.error}` };
}

/** One result per endpoint, in the endpoints' order. */
export function pullStates(endpoints: readonly ProxyEndpoint[], options: PullOptions = {}): Promise<PulledState[]> {
  return mapWithConcurrency(endpoints, options.concurrency ?? 8, async (endpoint) => ({ endpoint, result: await fetchState(endpoint, options) }));
}
