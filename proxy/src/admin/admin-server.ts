// The admin port: /metrics (Prometheus), the health probes and /state (the operator's pull).
// A plain node:http server: a handful of GET routes, no body parsing, never on the hot path.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminSettings } from '../config/settings.js';
import { writeReply, type HttpReply } from '../http/reply.js';
import type { StateReport } from './state-report.js';

/** Every admin route takes these methods. */
const ADMIN_METHODS = 'GET, HEAD';

export interface AdminProvider {
  /** Only called when Prometheus is enabled. */
  metrics(): Promise<{ contentType: string; body: string }>;
  health(path: string, headers: IncomingHttpHeaders): HttpReply | null;
  state(): Promise<StateReport>;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startAdminServer(settings: AdminSettings, provider: AdminProvider, onError: (err: unknown) => void): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const method = req.method ?? 'GET';
    const write = (r: HttpReply): void => writeReply(res, r);
    const fail = (err: unknown): void => {
      onError(err);
      if (!res.headersSent) write(jsonReply(500, { error: 'internal error', reason: err instanceof Error ? err.message : String(err) }));
      else res.destroy();
    };
    if (method !== 'GET' && method !== 'HEAD') {
      write({ ...jsonReply(405, { error: `method ${method} not allowed on ${path}; use ${ADMIN_METHODS}` }), headers: { 'content-type': 'application/json', allow: ADMIN_METHODS } });
      return;
    }
    try {
      if (settings.prometheusEnabled && path === settings.prometheusPath) {
        provider.metrics().then((m) => write({ statusCode: 200, headers: { 'content-type': m.contentType }, body: m.body }), fail);
        return;
      }
      if (path === '/state') {
        provider.state().then((s) => write(jsonReply(200, s)), fail);
        return;
      }
      const health = provider.health(path, req.headers);
      if (health !== null) {
        write(health);
        return;
      }
      write(jsonReply(404, { error: `not found: ${path}`, paths: adminPaths(settings) }));
    } catch (err) {
      fail(err);
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function adminPaths(settings: AdminSettings): string[] {
  return [...(settings.prometheusEnabled ? [settings.prometheusPath] : []), '/health', '/health/live', '/health/ready', '/state'];
}

function jsonReply(statusCode: number, body: unknown): HttpReply {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
