// Reading a request body with a size cap, and writing small JSON answers: shared by the
// operator's webhook and config servers.

import type { IncomingMessage, ServerResponse } from 'node:http';

export type Body = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly status: 413 | 400; readonly message: string };

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? { ok: false, status: 413, message: `the body exceeds ${maxBytes} bytes` } : { ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', (err) => resolve({ ok: false, status: 400, message: `reading the body failed: ${err.message}` }));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The path without the query string. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0] ?? '/';
}
