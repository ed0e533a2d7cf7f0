// A plain GET of one API path, authenticated exactly as client-node authenticates (the same
// `applyToHTTPSOptions`: bearer tokens, client certificates, CA, exec plugins), returning the
// parsed JSON untouched. The informer lists through this rather than through the typed APIs so
// that listed objects and watched objects are the same plain JSON (the typed APIs turn
// timestamps into Date objects, watch events do not).

import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttpError } from './errors.js';

export interface GetJsonOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Whole-request deadline (default 60 s). */
  readonly timeoutMs?: number;
  /** Largest body accepted (default 64 MiB). */
  readonly maxBytes?: number;
}

export async function getJson(kc: KubeConfig, path: string, options: GetJsonOptions = {}): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.headers !== undefined && !Array.isArray(opts.headers)) {
    for (const [k, v] of Object.entries(opts.headers)) if (typeof v === 'string') headers[k] = v;
  }
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<unknown>((resolve, reject) => {
    const req = send(url, { ...opts, method: 'GET', headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy(new Error(`response from ${url.pathname} exceeds ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          const hdrs: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') hdrs[k] = v;
          reject(new KubeHttpError(status, text, hdrs));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`invalid JSON from ${url.pathname}`));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}
