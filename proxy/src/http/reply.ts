// An HTTP answer as plain data: what the pipeline and the probes return, and what the HTTP
// front writes. `body: null` sends no body (204, HEAD).

import type { ServerResponse } from 'node:http';

export interface HttpReply {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

export const JSON_CONTENT_TYPE = 'application/json';

/** Status, headers (plus `extra`: name, value, name, value...) and body; HEAD requests get the head only. */
export function writeReply(res: ServerResponse, r: HttpReply, extra?: readonly string[]): void {
  const head: string[] = [];
  for (const name in r.headers) head.push(name, r.headers[name] as string);
  if (extra !== undefined) for (const item of extra) head.push(item);
  const body = r.body === null || res.req.method === 'HEAD' ? null : r.body;
  if (r.body !== null) head.push('content-length', String(Buffer.byteLength(r.body)));
  res.writeHead(r.statusCode, head);
  if (body === null) res.end();
  else res.end(body);
}
