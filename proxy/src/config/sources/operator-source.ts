// The config document from the operator (JUSSI_CONFIG_OPERATOR_URL), for injected sidecars:
// application pods hold no Kubernetes API rights, so instead of watching the ConfigMap the
// sidecar long-polls the operator (protocol in ../operator-protocol.ts) with a projected
// service-account token bound to the operator's audience, re-read from its file on every poll
// (the kubelet rotates it). A change reaches the sidecar as soon as the operator publishes it.
//
// It starts with the current document (a poll that does not wait). While the operator cannot be
// reached and no document has come from it yet, the fallback source (the mounted ConfigMap file,
// JUSSI_UPSTREAM_CONFIG_FILE) provides one; once the operator has answered, its documents win
// and an operator outage keeps the last good one serving. Each poll reports the hash the proxy
// runs, which is how the operator counts sidecars in its resources' status.

import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { configHash } from '../load.js';
import { ADMIN_PORT_HEADER, CONFIG_PATH, RUNNING_CONFIG_HEADER, etag } from '../operator-protocol.js';
import type { ConfigDocumentText, ConfigSource, ConfigSourceListener } from './source.js';

export interface OperatorSourceOptions {
  /** Base URL of the operator's config server, e.g. https://jussi-operator.jussi.svc:9444. */
  readonly url: string;
  readonly tokenFile: string;
  /** CA bundle (PEM) that signed the operator's certificate; null: the system's CAs. */
  readonly caPem: string | null;
  /** Seconds a poll may be held open by the operator. */
  readonly waitSeconds: number;
  /** Told to the operator, which samples the proxy's /state there. */
  readonly adminPort: number | null;
  /** Used until the operator has answered (the mounted ConfigMap file); null: none. */
  readonly fallback: ConfigSource | null;
  /** Back-off after a failed poll: doubling from min to max, jittered (default 0.5 s .. 15 s). */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** Deadline of a poll that does not wait (default 10 s). */
  readonly requestTimeoutMs?: number;
}

type PollResult =
  | { readonly kind: 'document'; readonly text: string; readonly hash: string }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'error'; readonly message: string; readonly retryAfterMs: number | null };

export class OperatorConfigSource implements ConfigSource {
  readonly description: string;
  private readonly agent: Agent;
  private listener: ConfigSourceListener | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private abort = new AbortController();
  /** Hash of the last document the operator sent (If-None-Match). */
  private operatorHash: string | null = null;
  private fromOperator = false;
  private delivered: string | null = null;
  private running = '';
  private lastError: string | null = null;
  private fallbackStarted = false;
  private failures = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly options: OperatorSourceOptions) {
    this.description = `operator ${options.url}`;
    this.agent = new Agent({
      connect: options.caPem === null ? {} : { ca: options.caPem },
      headersTimeout: (options.waitSeconds + 15) * 1000,
      bodyTimeout: 30_000,
      keepAliveTimeout: 60_000,
    });
  }

  async start(listener: ConfigSourceListener): Promise<void> {
    if (this.listener !== null) throw new Error(`${this.description}: already started`);
    this.listener = listener;
    const first = await this.poll(0);
    if (first.kind === 'document') this.deliver(first.text, first.hash);
    else await this.useFallback(first.kind === 'error' ? first.message : 'no document');
    this.loop = this.run(first.kind === 'error');
  }

  /** The proxy applied (or rejected) a document: the next poll reports what it runs. */
  applied(doc: ConfigDocumentText, ok: boolean): void {
    if (ok) this.running = configHash(doc.text);
  }

  async reload(): Promise<void> {
    const r = await this.poll(0, true);
    if (r.kind === 'document') this.deliver(r.text, r.hash, true);
    else if (!this.fromOperator) await this.options.fallback?.reload();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
    await this.options.fallback?.stop();
    await this.agent.close().catch(() => undefined);
  }

  private async run(failedFirst: boolean): Promise<void> {
    if (failedFirst) await this.backoff(null);
    while (!this.stopped) {
      const r = await this.poll(this.options.waitSeconds);
      if (this.stopped) return;
      if (r.kind === 'document') this.deliver(r.text, r.hash);
      if (r.kind === 'error') {
        this.report(r.message);
        await this.backoff(r.retryAfterMs);
      } else {
        this.failures = 0;
      }
    }
  }

  private async poll(waitSeconds: number, fresh = false): Promise<PollResult> {
    let token: string;
    try {
      token = (await readFile(this.options.tokenFile, 'utf8')).trim();
    } catch (err) {
      return { kind: 'error', message: `cannot read the service-account token ${this.options.tokenFile}: ${err instanceof Error ? err.message : String(err)}`, retryAfterMs: null };
    }
    const url = new URL(CONFIG_PATH, this.options.url);
    url.searchParams.set('wait', String(waitSeconds));
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', [RUNNING_CONFIG_HEADER]: this.running };
    if (this.options.adminPort !== null) headers[ADMIN_PORT_HEADER] = String(this.options.adminPort);
    if (!fresh && this.operatorHash !== null) headers['if-none-match'] = etag(this.operatorHash);
    const signal = waitSeconds === 0 ? AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000)]) : this.abort.signal;
    try {
      const res = await request(url, { method: 'GET', headers, dispatcher: this.agent, signal });
      const text = await res.body.text();
      if (res.statusCode === 304) return { kind: 'unchanged' };
      if (res.statusCode === 200) {
        const hash = configHash(text);
        this.operatorHash = hash;
        return { kind: 'document', text, hash };
      }
      let message = text.slice(0, 300);
      try {
        const body: unknown = JSON.parse(text);
        if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') message = (body as { message: string }).message;
      } catch {
        // Not JSON: the text itself says what is wrong.
      }
      const retryAfter = Number(res.headers['retry-after']);
      return { kind: 'error', message: `GET ${url.origin}${CONFIG_PATH}: HTTP ${res.statusCode}: ${message}`, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null };
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return { kind: 'error', message: `GET ${url.origin}${CONFIG_PATH}: ${err instanceof Error ? err.message : String(err)}${cause}`, retryAfterMs: null };
    }
  }

  private deliver(text: string, hash: string, always = false): void {
    this.lastError = null;
    if (!this.fromOperator) {
      this.fromOperator = true;
      // The operator answers: the fallback file is no longer needed.
      if (this.fallbackStarted) void this.options.fallback?.stop();
    }
    if (!always && this.delivered === hash) return;
    this.delivered = hash;
    this.listener?.document({ text, origin: this.description });
  }

  /** Problems are told once per distinct message (each poll would repeat them). */
  private report(message: string): void {
    if (message === this.lastError) return;
    this.lastError = message;
    const suffix = this.fromOperator ? '; the last document from the operator keeps serving' : '';
    this.listener?.error({ origin: this.description, message: `${message}${suffix}` });
  }

  private async useFallback(reason: string): Promise<void> {
    const fallback = this.options.fallback;
    this.report(reason);
    if (fallback === null || this.fallbackStarted) return;
    this.fallbackStarted = true;
    await fallback.start({
      document: (doc) => {
        if (!this.fromOperator) this.listener?.document(doc);
      },
      error: (err) => {
        if (!this.fromOperator) this.listener?.error(err);
      },
    });
  }

  private backoff(retryAfterMs: number | null): Promise<void> {
    this.failures += 1;
    const min = this.options.backoffMinMs ?? 500;
    const max = this.options.backoffMaxMs ?? 15_000;
    const base = Math.min(max, min * 2 ** Math.min(this.failures - 1, 20));
    const delay = Math.max(retryAfterMs ?? 0, base / 2 + Math.random() * (base / 2));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, delay);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
