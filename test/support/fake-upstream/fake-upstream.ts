// A scriptable fake JSON-RPC upstream for tests: one server on 127.0.0.1 that answers HTTP
// POSTs and WebSocket messages on the same port, records every request, and lets each test say
// how to answer (a JSON-RPC result or error, any JSON or raw text, an HTTP status, a delay,
// dropping the connection, or never answering).
//
//   import { startFakeUpstream } from '../../support/fake-upstream/index.js';
//
//   const up = await startFakeUpstream();          // or { port: 18765 } for the conformance configs
//   up.on({ path: '/steemd.steemitdev.com', method: 'condenser_api.get_block' },
//         (req) => ({ result: { block_id: 'x', params: req.params } }));   // id echoed
//   up.on({ method: 'slow' }, () => ({ result: 1, delayMs: 500 }));
//   up.on({ method: 'down' }, () => ({ status: 502, body: 'bad gateway' }));
//   up.on({ transport: 'ws', method: 'gone' }, () => ({ drop: true }));
//   up.httpUrl('/steemd.steemitdev.com')          // http://127.0.0.1:<port>/steemd.steemitdev.com
//   up.wsUrl('/')                                 // ws://127.0.0.1:<port>/
//   ... run the code under test ...
//   assert.equal(up.count({ method: 'condenser_api.get_block' }), 1);
//   assert.equal(up.requests[0]?.headers['x-jussi-request-id'], '123');
//   await up.close();
//
// Routing: the most recently added route whose every given field matches wins (`path` is the
// request path with query, or the WebSocket upgrade path; `method` the JSON-RPC method; both
// take a string or a RegExp; `where` any predicate). No route: the `handler` option, or by
// default an echo: `{"jsonrpc":"2.0","id":<id>,"result":{"path":…,"method":…,"params":…}}`.
// A batch (JSON array) is answered item by item through the routes, unless a route with
// `batch: true` matches: that one gets the whole batch.

import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';

export type FakeTransport = 'http' | 'ws';

export interface FakeRequest {
  /** Arrival order, from 1. */
  readonly seq: number;
  readonly transport: FakeTransport;
  /** Request path with query (HTTP), or the path of the WebSocket upgrade request. */
  readonly path: string;
  /** HTTP method; 'MESSAGE' for a WebSocket message. */
  readonly httpMethod: string;
  /** HTTP request headers, or the WebSocket upgrade request's headers. */
  readonly headers: IncomingHttpHeaders;
  /** Body or message as received (UTF-8). */
  readonly body: string;
  /** Parsed body; undefined when it is not JSON. */
  readonly json: unknown;
  /** JSON-RPC `id`, `method` and `params` of a single (non-batch) request. */
  readonly id: unknown;
  readonly method: string | undefined;
  readonly params: unknown;
  /** Which TCP connection carried it (numbered from 1 per server). */
  readonly connection: number;
}

export interface FakeReply {
  /** Answer `{"jsonrpc":"2.0","id":<request id>,"result":result}`. */
  readonly result?: unknown;
  /** Answer `{"jsonrpc":"2.0","id":<request id>,"error":error}`. */
  readonly error?: unknown;
  /** Answer this JSON; an object without `id` gets the request's id unless `echoId` is false. */
  readonly json?: unknown;
  readonly echoId?: boolean;
  /** Answer this exact text (wins over result, error and json). */
  readonly body?: string;
  /** HTTP status (default 200); ignored on WebSocket. */
  readonly status?: number;
  /** Extra HTTP response headers; ignored on WebSocket. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (or dropping). */
  readonly delayMs?: number;
  /**
   * Cut the connection instead of answering: `true` sends nothing; `'mid-body'` (HTTP) sends the
   * status, headers and half of the body first. On WebSocket both terminate the connection,
   * failing every call in flight on it.
   */
  readonly drop?: true | 'mid-body';
  /** Never answer; the request stays open until the client gives up or the server closes. */
  readonly hang?: true;
}

export interface FakeContext {
  readonly upstream: FakeUpstream;
  /** Sends a raw text message on the WebSocket connection of this request (no-op on HTTP). */
  send(text: string): void;
}

export type FakeHandler = (request: FakeRequest, context: FakeContext) => FakeReply | Promise<FakeReply>;

export interface FakeMatch {
  readonly transport?: FakeTransport;
  readonly path?: string | RegExp;
  readonly method?: string | RegExp;
  readonly where?: (request: FakeRequest) => boolean;
  /**
   * Routes: true answers whole batches (JSON arrays); otherwise a route sees batch items one by
   * one. Counting: true/false selects batches/single requests; omitted counts both.
   */
  readonly batch?: boolean;
}

export interface FakeUpstreamOptions {
  /** Port to listen on (default 0: any free port). */
  readonly port?: number;
  /** Answers requests no route matches (default: the echo described above). */
  readonly handler?: FakeHandler;
  /** Answer WebSocket pings (default true); false makes a peer that looks dead. */
  readonly autoPong?: boolean;
}

interface Route {
  readonly match: FakeMatch;
  readonly handler: FakeHandler;
}

export function matches(match: FakeMatch, request: FakeRequest): boolean {
  if (match.batch !== undefined && match.batch !== Array.isArray(request.json)) return false;
  if (match.transport !== undefined && match.transport !== request.transport) return false;
  if (match.path !== undefined && !test(match.path, request.path)) return false;
  if (match.method !== undefined && (request.method === undefined || !test(match.method, request.method))) return false;
  return match.where === undefined || match.where(request);
}

function test(pattern: string | RegExp, value: string): boolean {
  return typeof pattern === 'string' ? pattern === value : pattern.test(value);
}

export const echoHandler: FakeHandler = (request) => ({
  result: { path: request.path, method: request.method ?? null, params: request.params ?? null },
});

export class FakeUpstream {
  /** Every request received, in arrival order. */
  readonly requests: FakeRequest[] = [];
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly socketIds = new WeakMap<Socket, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wss: WebSocketServer;
  private nextSocketId = 1;
  private seq = 0;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly fallback: FakeHandler,
    wss: WebSocketServer,
  ) {
    this.wss = wss;
  }

  /** Starts a fake upstream; resolves once it listens. */
  static async start(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
    const server = createServer({ keepAliveTimeout: 60_000 });
    const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('fake upstream: no TCP address');
    const up = new FakeUpstream(server, address.port, options.handler ?? echoHandler, wss);
    up.attach();
    return up;
  }

  httpUrl(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  wsUrl(path = '/'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** Adds a route (it takes precedence over earlier ones); returns a function removing it. */
  on(match: FakeMatch, handler: FakeHandler): () => void {
    const route = { match, handler };
    this.routes.unshift(route);
    return () => {
      const i = this.routes.indexOf(route);
      if (i >= 0) this.routes.splice(i, 1);
    };
  }

  /** Shorthand: always answer `reply` to matching requests. */
  reply(match: FakeMatch, reply: FakeReply): () => void {
    return this.on(match, () => reply);
  }

  clearRoutes(): void {
    this.routes.length = 0;
  }

  /** Requests matching `match` (all when omitted). */
  received(match: FakeMatch = {}): FakeRequest[] {
    return this.requests.filter((r) => matches(match, r));
  }

  count(match: FakeMatch = {}): number {
    return this.received(match).length;
  }

  /** Forgets recorded requests (routes stay). */
  reset(): void {
    this.requests.length = 0;
  }

  /** Open TCP connections (HTTP keep-alive and WebSocket). */
  get connections(): number {
    return this.sockets.size;
  }

  /** Open WebSocket connections. */
  get wsConnections(): number {
    return this.wss.clients.size;
  }

  /** Cuts every open connection at once, as a crashing server would; keeps listening. */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.sockets) socket.destroy();
  }

  /** Stops listening, cuts every connection, cancels pending delayed answers. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      this.dropConnections();
      this.wss.close();
    });
    return this.closing;
  }

  // -----------------------------------------------------------------------------------------

  private attach(): void {
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.socketIds.set(socket, this.nextSocketId++);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onHttp(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onWebSocket(ws, req, socket));
    });
  }

  private record(transport: FakeTransport, path: string, httpMethod: string, headers: IncomingHttpHeaders, body: string, socket: Socket): FakeRequest {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const single = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
    const request: FakeRequest = {
      seq: ++this.seq,
      transport,
      path,
      httpMethod,
      headers,
      body,
      json,
      id: single?.id,
      method: typeof single?.method === 'string' ? single.method : undefined,
      params: single?.params,
      connection: this.socketIds.get(socket) ?? 0,
    };
    this.requests.push(request);
    return request;
  }

  private handlerFor(request: FakeRequest): FakeHandler {
    return this.routes.find((r) => this.takes(r, request))?.handler ?? this.fallback;
  }

  /** Whether `route` answers `request`: batch routes take only batches, the others only single requests. */
  private takes(route: Route, request: FakeRequest): boolean {
    return (route.match.batch === true) === Array.isArray(request.json) && matches(route.match, request);
  }

  private async answer(request: FakeRequest, context: FakeContext): Promise<FakeReply> {
    if (Array.isArray(request.json) && this.routes.every((r) => !this.takes(r, request))) {
      const items = await Promise.all(request.json.map((item: unknown, i) => this.answerItem(request, item, i, context)));
      return { json: items, echoId: false };
    }
    return this.handlerFor(request)(request, context);
  }

  /** One item of a batch, through the routes as if it came alone. */
  private async answerItem(batch: FakeRequest, item: unknown, index: number, context: FakeContext): Promise<unknown> {
    const single = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const request: FakeRequest = {
      ...batch,
      body: JSON.stringify(item),
      json: item,
      id: single.id,
      method: typeof single.method === 'string' ? single.method : undefined,
      params: single.params,
      seq: batch.seq,
    };
    const reply = await this.handlerFor(request)(request, context);
    return JSON.parse(replyText(reply, request.id)) as unknown;
  }

  private later(ms: number | undefined, run: () => void): void {
    if (ms === undefined || ms <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request = this.record('http', req.url ?? '/', req.method ?? 'GET', req.headers, body, req.socket);
      const context: FakeContext = { upstream: this, send: () => {} };
      this.answer(request, context).then(
        (reply) => this.later(reply.delayMs, () => this.writeHttp(req, res, request, reply)),
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake upstream handler threw: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    });
  }

  private writeHttp(req: IncomingMessage, res: ServerResponse, request: FakeRequest, reply: FakeReply): void {
    if (reply.hang === true) return;
    if (reply.drop === true) {
      req.socket.destroy();
      return;
    }
    const text = Buffer.from(replyText(reply, request.id), 'utf8');
    res.writeHead(reply.status ?? 200, {
      'content-type': 'application/json',
      'content-length': String(text.length),
      ...reply.headers,
    });
    if (reply.drop === 'mid-body') {
      res.write(text.subarray(0, Math.floor(text.length / 2)), () => req.socket.destroy());
      return;
    }
    res.end(text);
  }

  private onWebSocket(ws: WebSocket, req: IncomingMessage, socket: Socket): void {
    const path = req.url ?? '/';
    ws.on('error', () => {});
    ws.on('message', (data: WebSocket.RawData) => {
      const body = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      const request = this.record('ws', path, 'MESSAGE', req.headers, body, socket);
      const context: FakeContext = {
        upstream: this,
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
      };
      this.answer(request, context).then(
        (reply) =>
          this.later(reply.delayMs, () => {
            if (reply.hang === true || ws.readyState !== ws.OPEN) return;
            if (reply.drop !== undefined) ws.terminate();
            else ws.send(replyText(reply, request.id));
          }),
        () => ws.terminate(),
      );
    });
  }
}

/** The text a reply sends for a request with `id`. */
export function replyText(reply: FakeReply, id: unknown): string {
  if (reply.body !== undefined) return reply.body;
  const echoed = id === undefined ? null : id;
  if (reply.json !== undefined) {
    const json = reply.json;
    if (reply.echoId !== false && typeof json === 'object' && json !== null && !Array.isArray(json) && !('id' in json)) {
      return JSON.stringify({ ...json, id: echoed });
    }
    return JSON.stringify(json);
  }
  if (reply.error !== undefined) return JSON.stringify({ jsonrpc: '2.0', id: echoed, error: reply.error });
  return JSON.stringify({ jsonrpc: '2.0', id: echoed, result: reply.result ?? null });
}

export function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  return FakeUpstream.start(options);
}
