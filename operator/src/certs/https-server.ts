// An HTTPS server presenting the ServingCertificate: it starts listening once the first
// certificate is there (until then connections are refused, which the API server treats as a
// webhook outage: failurePolicy decides), and swaps to each rotated certificate for new
// connections without a restart.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServingCertificate } from './serving-certificate.js';

export interface HttpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly serving: ServingCertificate;
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Keep-alive and header timeouts; long-poll servers raise requestTimeout. */
  readonly requestTimeoutMs?: number;
}

export class HttpsServer {
  private server: Server | null = null;
  private listening: Promise<number> | null = null;
  private offChange: (() => void) | null = null;
  private closed = false;
  private boundPort = 0;

  constructor(private readonly options: HttpsServerOptions) {}

  /** The port listened on, 0 before listening. */
  get port(): number {
    return this.boundPort;
  }

  /** Resolves with the port once listening (after the first certificate). */
  start(): Promise<number> {
    this.listening ??= this.options.serving.whenReady().then(async (material) => {
      if (this.closed) return 0;
      const server = createServer({ cert: material.certPem, key: material.keyPem, minVersion: 'TLSv1.2', requestTimeout: this.options.requestTimeoutMs ?? 30_000 }, this.options.handler);
      this.server = server;
      this.offChange = this.options.serving.onChange((m) => server.setSecureContext({ cert: m.certPem, key: m.keyPem, minVersion: 'TLSv1.2' }));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port, this.options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.boundPort = (server.address() as AddressInfo).port;
      return this.boundPort;
    });
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.offChange?.();
    const server = this.server;
    if (server === null) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
