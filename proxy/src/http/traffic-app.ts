// The traffic port: POST / for JSON-RPC, the health probes, and JSON-RPC error bodies for
// everything else (ARCHITECTURE item 9: 404 unknown path, 405 wrong method, 413 oversized body).
// The request body is taken as raw bytes whatever its Content-Type (jussi never checks it).

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerSettings } from '../config/settings.js';
import type { EdgeCall, EdgeEntry, EdgeGate } from '../edge/edge-gate.js';
import { writeReply, type HttpReply } from './reply.js';

export interface RpcHandler {
  /** `edge`: who is calling and which rate-limit buckets count them (absent: no edge protection). */
  handle(body: Buffer, headers: IncomingHttpHeaders, edge?: EdgeCall): Promise<HttpReply>;
}

/** Edge protection in front of the pipeline: CORS, security headers, credentials (edge/). */
export interface EdgeRoutes {
  readonly gate: EdgeGate;
  /** The HTTP 401 answer of refused credentials. */
  refused(refusal: Extract<EdgeEntry, { ok: false }>['refusal'], headers: IncomingHttpHeaders): HttpReply;
}

export type HttpErrorKind = 'NotFound' | 'MethodNotAllowed' | 'PayloadTooLarge' | 'InternalError';

export interface HttpErrorContext {
  readonly method: string;
  readonly path: string;
  readonly limit: number;
  /** The methods the path takes (`Allow`), for a 405. */
  readonly allowed?: string;
  readonly cause?: unknown;
}

export interface TrafficRoutes {
  readonly rpc: RpcHandler;
  /** GET|HEAD /health, /health/live, /health/ready and /monitor answers. */
  health(path: string, headers: IncomingHttpHeaders): HttpReply | null;
  /** A JSON-RPC error body for an HTTP-level failure. */
  httpError(kind: HttpErrorKind, headers: IncomingHttpHeaders, context: HttpErrorContext): HttpReply;
  readonly edge?: EdgeRoutes;
}

const HEALTH_PATHS = new Set(['/health', '/health/live', '/health/ready']);
const RPC_METHODS = 'POST';
const PROBE_METHODS = 'GET, HEAD';

/**
 * How often Node looks for requests past their headers or request timeout. Node's default (30 s)
 * let a slow client hold a connection up to 30 s past JUSSI_REQUEST_READ_TIMEOUT; the sweep
 * walks the open connections, cheap even for thousands.
 */
export function connectionsCheckingIntervalMs(requestReadTimeoutMs: number): number {
  return Math.max(50, Math.min(500, Math.floor(requestReadTimeoutMs / 2)));
}

export function buildTrafficApp(settings: ServerSettings, routes: TrafficRoutes): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: settings.requestMaxSize,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    requestTimeout: settings.requestReadTimeoutMs,
    // Node reads these when the server is created (fastify sets `requestTimeout` only after):
    // headers and the whole request must both arrive within JUSSI_REQUEST_READ_TIMEOUT, and
    // the check runs often enough to answer 408 within the timeout plus half a second.
    http: {
      requestTimeout: settings.requestReadTimeoutMs,
      headersTimeout: settings.requestReadTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(settings.requestReadTimeoutMs),
      keepAliveTimeout: settings.keepAliveTimeoutMs,
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
  });

  cutSilentConnections(app, settings.requestReadTimeoutMs);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    done(null, body);
  });

  // Every answer is written straight to Node's response, head and body in one system call:
  // fastify's reply machinery (hooks, serialisers, content-type rewriting) costs a cache hit
  // about a tenth of its time and would add `; charset=utf-8`, which jussi does not send.
  // With edge protection active, every answer also carries its CORS and security headers.
  const gate = routes.edge?.gate;
  const send = (reply: FastifyReply, r: HttpReply, extra?: readonly string[]): FastifyReply => {
    reply.hijack();
    if (gate !== undefined && gate.active) {
      const edgeHeaders = gate.answerHeaders(reply.request.headers);
      writeReply(reply.raw, r, extra === undefined ? edgeHeaders : [...extra, ...edgeHeaders]);
    } else {
      writeReply(reply.raw, r, extra);
    }
    return reply;
  };

  app.post('/', async (request: FastifyRequest, reply: FastifyReply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    if (gate === undefined || !gate.active) return send(reply, await routes.rpc.handle(body, request.headers));
    const entering = gate.enter(request.raw);
    const entered = entering instanceof Promise ? await entering : entering;
    if (!entered.ok) return send(reply, (routes.edge as EdgeRoutes).refused(entered.refusal, request.headers));
    return send(reply, await routes.rpc.handle(body, request.headers, entered.call));
  });

  // CORS preflight: answered here, never by the JSON-RPC pipeline; without CORS, OPTIONS is a
  // method not allowed on / like any other.
  app.options('/', async (request: FastifyRequest, reply: FastifyReply) => {
    const preflight = gate?.preflight(request.headers) ?? null;
    if (preflight === null) {
      return send(reply, routes.httpError('MethodNotAllowed', request.headers, { ...context(request, settings), allowed: RPC_METHODS }), ['allow', RPC_METHODS]);
    }
    reply.hijack();
    writeReply(reply.raw, { statusCode: 204, headers: {}, body: null }, preflight);
    return reply;
  });

  const healthHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const r = routes.health(request.routeOptions.url ?? request.url, request.headers);
    if (r === null) return send(reply, routes.httpError('NotFound', request.headers, context(request, settings)));
    return send(reply, r);
  };
  // Each path and the methods it takes: the routes, and the 405 (its message and `Allow`) of any other method.
  const probePaths = [...HEALTH_PATHS, ...(settings.monitorRoute ? ['/monitor'] : [])];
  for (const path of probePaths) app.route({ method: ['GET', 'HEAD'], url: path, handler: healthHandler });
  const allowedMethods = new Map<string, string>([['/', RPC_METHODS], ...probePaths.map((p): [string, string] => [p, PROBE_METHODS])]);

  app.setNotFoundHandler(async (request, reply) => {
    const allowed = allowedMethods.get(pathOf(request.url));
    if (allowed === undefined) return send(reply, routes.httpError('NotFound', request.headers, context(request, settings)));
    const r = routes.httpError('MethodNotAllowed', request.headers, { ...context(request, settings), allowed });
    return send(reply, r, ['allow', allowed]);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const code = (error as { code?: unknown }).code;
    const kind: HttpErrorKind = code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PayloadTooLarge' : 'InternalError';
    const r = routes.httpError(kind, request.headers, { ...context(request, settings), cause: error });
    return send(reply, r, kind === 'PayloadTooLarge' ? ['connection', 'close'] : undefined);
  });

  return app;
}

const EMPTY = Buffer.alloc(0);

/**
 * Node's request and headers timeouts start with a request's first byte: a connection that
 * never sends one would stay open for ever (thousands of them exhaust file descriptors). Like
 * nginx's client_header_timeout, a connection that has not brought a whole request's headers
 * within JUSSI_REQUEST_READ_TIMEOUT of opening is closed. Keep-alive connections are not
 * concerned: their first request arrived.
 */
function cutSilentConnections(app: FastifyInstance, timeoutMs: number): void {
  const served = new WeakSet<Socket>();
  app.server.on('request', (req: IncomingMessage) => served.add(req.socket));
  app.server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      if (!served.has(socket)) socket.destroy();
    }, timeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}


function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function context(request: FastifyRequest, settings: ServerSettings): HttpErrorContext {
  return { method: request.method, path: pathOf(request.url), limit: settings.requestMaxSize };
}
