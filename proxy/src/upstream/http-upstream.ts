// An HTTP JSON-RPC upstream: `POST` to one exact URL over the undici Pool of its origin.
//
// The body is returned as UTF-8 text whatever the status (the pipeline decides what a non-200
// means). Errors are `UpstreamError`s: the call's signal gives 'timeout' or 'aborted' (see
// abort.ts), a refused or unresolvable connection 'connect', a connection lost mid-call
// 'closed', `close()` after its grace period 'shutdown'. Credentials in the URL are sent as
// HTTP Basic authorization and appear nowhere else.

import type { Dispatcher } from 'undici';
import { abortError } from './abort.js';
import { InFlightCounter } from './in-flight.js';
import { describeError, networkErrorKind } from './network-errors.js';
import type { HttpPoolOptions, OriginPools, PoolLease } from './origin-pools.js';
import { redactUrl } from './redact.js';
import { UpstreamError } from './types.js';
import type { Upstream, UpstreamCall, UpstreamReply, UpstreamStats } from './types.js';

class ShutdownSignal extends Error {
  constructor() {
    super('upstream is shutting down');
    this.name = 'ShutdownSignal';
  }
}

function isOversized(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE';
}

export class HttpUpstream implements Upstream {
  readonly url: string;
  readonly protocol = 'http' as const;
  private readonly path: string;
  private readonly authorization: string | undefined;
  private readonly lease: PoolLease;
  private readonly inFlight = new InFlightCounter();
  /** Per-call controllers, so `close()` can abort this URL's calls without touching a shared pool's others. */
  private readonly controllers = new Set<AbortController>();
  private closing = false;
  private closed: Promise<void> | null = null;
  private lastError: string | null = null;
  private readonly maxResponseSize: number | null;

  /** `rawUrl` may carry credentials; it must be an http: or https: URL (see createUpstream). */
  constructor(rawUrl: string, pools: OriginPools, options: HttpPoolOptions) {
    const parsed = new URL(rawUrl);
    this.url = redactUrl(rawUrl);
    this.path = `${parsed.pathname || '/'}${parsed.search}`;
    this.authorization =
      parsed.username !== '' || parsed.password !== ''
        ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`
        : undefined;
    this.lease = pools.acquire(parsed.origin, options);
    this.maxResponseSize = options.maxResponseSize;
  }

  async send(call: UpstreamCall): Promise<UpstreamReply> {
    if (this.closing) throw new UpstreamError('shutdown', this.url, `upstream ${this.url} is closing`);
    if (call.signal.aborted) throw abortError(call.signal, this.url);
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(call.signal.reason);
    call.signal.addEventListener('abort', onAbort, { once: true });
    this.controllers.add(controller);
    this.inFlight.increment();
    try {
      const reply = await this.request(call, controller.signal);
      this.lastError = null;
      return reply;
    } catch (err) {
      const error = this.toUpstreamError(err, call.signal, controller.signal);
      this.lastError = error.message;
      throw error;
    } finally {
      call.signal.removeEventListener('abort', onAbort);
      this.controllers.delete(controller);
      this.inFlight.decrement();
    }
  }

  private async request(call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply> {
    const headers: Record<string, string> = { ...call.headers, 'content-type': 'application/json' };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    const response: Dispatcher.ResponseData = await this.lease.pool.request({
      method: 'POST',
      path: this.path,
      headers,
      body: call.payload,
      signal,
    });
    try {
      const body = await response.body.text();
      return { status: response.statusCode, body, url: this.url };
    } catch (err) {
      // Make sure a half-read body does not keep the connection busy.
      response.body.destroy();
      throw err;
    }
  }

  private toUpstreamError(err: unknown, callSignal: AbortSignal, ownSignal: AbortSignal): UpstreamError {
    if (err instanceof UpstreamError) return err;
    if (callSignal.aborted) return abortError(callSignal, this.url);
    if (ownSignal.aborted) return new UpstreamError('shutdown', this.url, `upstream ${this.url} closed while the call was in flight`);
    const kind = networkErrorKind(err);
    if (isOversized(err)) {
      return new UpstreamError(kind, this.url, `${this.url}: answer larger than ${this.maxResponseSize ?? 0} bytes (JUSSI_UPSTREAM_MAX_RESPONSE_SIZE); connection closed`, { cause: err });
    }
    return new UpstreamError(kind, this.url, `${this.url}: ${describeError(err)}`, { cause: err });
  }

  stats(): UpstreamStats {
    const pool = this.lease.pool.stats;
    return {
      url: this.url,
      protocol: 'http',
      size: pool.connected,
      active: pool.connected - pool.free,
      idle: pool.free,
      pending: pool.pending,
      inFlight: this.inFlight.value,
      healthy: !this.closing,
      lastError: this.lastError,
    };
  }

  close(graceMs: number): Promise<void> {
    if (this.closed === null) this.closed = this.shutdown(graceMs);
    return this.closed;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    const drained = await this.inFlight.drained(graceMs);
    if (!drained) {
      for (const controller of this.controllers) controller.abort(new ShutdownSignal());
      await this.inFlight.drained();
    }
    await this.lease.release();
  }
}
