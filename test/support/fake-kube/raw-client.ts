// A bare HTTP client for the fake API server's own tests: plain requests and a watch reader that
// collects NDJSON events and tells how the stream ended (cleanly or with an error).

import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  readonly text: string;
}

export function rawRequest(base: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(new URL(path, base), {
      method,
      headers: payload === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': contentType },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface RawWatchEvent {
  readonly type: string;
  readonly object: { metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string> }; code?: number; [k: string]: unknown };
}

export interface RawWatch {
  readonly status: number;
  readonly events: RawWatchEvent[];
  /** 'end' when the server ended the response, 'error' when the connection broke. */
  readonly ended: Promise<'end' | 'error'>;
  close(): void;
}

export function rawWatch(base: string, path: string): Promise<RawWatch> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'GET' }, (res) => {
      const events: RawWatchEvent[] = [];
      let buffer = '';
      const ended = new Promise<'end' | 'error'>((done) => {
        res.on('end', () => done('end'));
        res.on('error', () => done('error'));
        res.on('aborted', () => done('error'));
        res.on('close', () => done(res.complete ? 'end' : 'error'));
      });
      res.on('data', (c: Buffer) => {
        buffer += c.toString('utf8');
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() !== '') events.push(JSON.parse(line) as RawWatchEvent);
          nl = buffer.indexOf('\n');
        }
      });
      resolve({ status: res.statusCode ?? 0, events, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
