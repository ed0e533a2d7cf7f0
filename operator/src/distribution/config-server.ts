// Serves the config document to injected sidecars (the protocol is in
// @jussi/proxy/config/operator-protocol): each poll is authenticated by its projected token
// (TokenReview, audience-bound), answered at once when the sidecar's hash differs from the
// published one, else held until the document changes or `wait` runs out (long poll). Every
// poll also tells the registry which pod runs which hash. Peers (other operator replicas) read
// this replica's registry at /v1/sidecars with the shared peer token.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADMIN_PORT_HEADER, CONFIG_PATH, DEFAULT_WAIT_SECONDS, RUNNING_CONFIG_HEADER, etag, parseEtag } from '@jussi/proxy/config/operator-protocol';
import type { Logger } from '@jussi/proxy/observability/types';
import { pathOf, sendJson } from '../http/request-body.js';
import type { ConfigFeed, FeedDocument } from './config-feed.js';
import type { SidecarRegistry } from './sidecar-registry.js';
import type { Review } from './token-reviewer.js';

export const PEERS_PATH = '/v1/sidecars';

export interface ConfigServerOptions {
  readonly feed: ConfigFeed;
  readonly registry: SidecarRegistry;
  readonly review: (token: string) => Promise<Review>;
  /** Namespaces whose pods may read the document; empty = any. */
  readonly allowedNamespaces: readonly string[];
  readonly maxWaitSeconds: number;
  /** The token peers present; null while there is no certificate. */
  readonly peerToken: () => string | null;
  readonly logger: Logger;
}

export interface ConfigServerCounts {
  served: number;
  notModified: number;
  unauthorized: number;
  waiting: number;
  /** The last document change: polls it woke, and ms until their answers were handed to the sockets. */
  lastFanout: { polls: number; ms: number } | null;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? null;
}

function remoteAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

export class ConfigServer {
  readonly counts: ConfigServerCounts = { served: 0, notModified: 0, unauthorized: 0, waiting: 0, lastFanout: null };
  private readonly waiters = new Set<(doc: FeedDocument) => void>();

  constructor(private readonly options: ConfigServerOptions) {
    options.feed.onChange((doc) => {
      const started = performance.now();
      const ws = [...this.waiters];
      this.waiters.clear();
      for (const w of ws) w(doc);
      setImmediate(() => {
        this.counts.lastFanout = { polls: ws.length, ms: performance.now() - started };
      });
    });
  }

  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req);
    if (req.method !== 'GET') {
      sendJson(res, 405, { message: `${req.method ?? ''} not allowed: GET ${CONFIG_PATH}` }, { allow: 'GET' });
      return;
    }
    if (path === CONFIG_PATH) {
      void this.poll(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: `config server error: ${String(err)}` });
      });
      return;
    }
    if (path === PEERS_PATH) {
      const token = this.options.peerToken();
      if (token === null || bearer(req) !== token) {
        sendJson(res, 401, { message: 'peers authenticate with the shared peer token' });
        return;
      }
      sendJson(res, 200, { sidecars: this.options.registry.live() });
      return;
    }
    sendJson(res, 404, { message: `not found: ${path} (sidecars poll GET ${CONFIG_PATH})` });
  };

  private async poll(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = bearer(req);
    if (token === null) {
      this.counts.unauthorized += 1;
      sendJson(res, 401, { message: 'a projected service-account token is required (Authorization: Bearer)' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    const review = await this.options.review(token);
    if (!review.ok) {
      if (review.status === 401) this.counts.unauthorized += 1;
      sendJson(res, review.status, { message: review.message }, review.status === 503 ? { 'retry-after': '2' } : { 'www-authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    const id = review.identity;
    const allowed = this.options.allowedNamespaces;
    if (allowed.length > 0 && !allowed.includes(id.namespace)) {
      this.counts.unauthorized += 1;
      sendJson(res, 403, { message: `pods of namespace ${id.namespace} may not read the config (allowed: ${allowed.join(', ')})` });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://operator');
    const waitRaw = Number(url.searchParams.get('wait') ?? DEFAULT_WAIT_SECONDS);
    const waitMs = Math.max(0, Math.min(Number.isFinite(waitRaw) ? waitRaw : DEFAULT_WAIT_SECONDS, this.options.maxWaitSeconds)) * 1000;
    const portRaw = Number(req.headers[ADMIN_PORT_HEADER]);
    const running = req.headers[RUNNING_CONFIG_HEADER];
    const ip = remoteAddress(req);
    const ended = this.options.registry.opened({
      key: id.podUid ?? `${id.username}@${ip}`,
      namespace: id.namespace,
      pod: id.podName ?? id.serviceAccount,
      ip,
      adminPort: Number.isInteger(portRaw) && portRaw >= 1 && portRaw <= 65535 ? portRaw : null,
      runningHash: typeof running === 'string' && /^[0-9a-f]{64}$/.test(running) ? running : '',
    });
    res.on('close', ended);
    const doc = this.options.feed.get();
    if (doc === null) {
      sendJson(res, 503, { message: 'no config has been published yet' }, { 'retry-after': '2' });
      return;
    }
    const have = parseEtag(req.headers['if-none-match']);
    if (have !== doc.hash) {
      this.send(res, doc);
      return;
    }
    if (waitMs === 0) {
      this.notModified(res, doc);
      return;
    }
    this.counts.waiting += 1;
    const done = (next: FeedDocument | null): void => {
      clearTimeout(timer);
      this.waiters.delete(onChange);
      this.counts.waiting -= 1;
      if (res.destroyed || res.headersSent) return;
      if (next === null || next.hash === have) this.notModified(res, next ?? doc);
      else this.send(res, next);
    };
    const onChange = (next: FeedDocument): void => done(next);
    const timer = setTimeout(() => done(null), waitMs);
    this.waiters.add(onChange);
    res.on('close', () => {
      if (this.waiters.delete(onChange)) {
        clearTimeout(timer);
        this.counts.waiting -= 1;
      }
    });
  }

  private send(res: ServerResponse, doc: FeedDocument): void {
    this.counts.served += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(doc.text), etag: etag(doc.hash), 'cache-control': 'no-store' });
    res.end(doc.text);
  }

  private notModified(res: ServerResponse, doc: FeedDocument): void {
    this.counts.notModified += 1;
    res.writeHead(304, { etag: etag(doc.hash), 'cache-control': 'no-store' });
    res.end();
  }
}
