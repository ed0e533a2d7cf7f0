// JSON-RPC error bodies for failures outside the JSON-RPC path (ARCHITECTURE item 9): unknown
// path 404, wrong method 405, oversized body 413, and anything unexpected 500. Each carries the
// error id in the body and the `x-jussi-error-id` header, and the request id.

import type { IncomingHttpHeaders } from 'node:http';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import { requestIdFrom } from '../jsonrpc/headers.js';
import { NULL_ID, errorAnswer, newErrorId } from '../jsonrpc/wire.js';
import type { HttpErrorContext, HttpErrorKind } from './traffic-app.js';
import type { HttpReply } from './reply.js';

const STATUS: Readonly<Record<HttpErrorKind, number>> = {
  NotFound: 404,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  InternalError: 500,
};

export function httpErrorFor(kind: HttpErrorKind, context: HttpErrorContext): RpcError {
  switch (kind) {
    case 'NotFound':
      return rpcError('NotFound', { path: context.path }, 'JSON-RPC requests go to POST /; probes are /health, /health/live and /health/ready');
    case 'MethodNotAllowed':
      return rpcError('MethodNotAllowed', { method: context.method, path: context.path, allowed: context.allowed ?? 'POST' });
    case 'PayloadTooLarge':
      return rpcError('PayloadTooLarge', { limit: context.limit }, `the body is larger than JUSSI_REQUEST_MAX_SIZE (${context.limit} bytes)`);
    case 'InternalError':
      return rpcError('InternalError', {}, 'the request could not be read');
  }
}

export function httpErrorReply(kind: HttpErrorKind, headers: IncomingHttpHeaders, context: HttpErrorContext): HttpReply {
  const requestId = requestIdFrom(headers['x-jussi-request-id']);
  const errorId = newErrorId();
  const body = errorAnswer(NULL_ID, httpErrorFor(kind, context), errorId, requestId);
  return {
    statusCode: STATUS[kind],
    headers: { 'content-type': 'application/json', 'x-jussi-request-id': requestId, 'x-jussi-error-id': errorId },
    body,
  };
}

/** HTTP 401 with a JSON-RPC error body (1910 or 1911) and a `WWW-Authenticate` challenge. */
export function authRefusedReply(error: RpcError, challenge: string, headers: IncomingHttpHeaders): HttpReply {
  const requestId = requestIdFrom(headers['x-jussi-request-id']);
  const errorId = newErrorId();
  return {
    statusCode: 401,
    headers: {
      'content-type': 'application/json',
      'www-authenticate': challenge,
      'x-jussi-request-id': requestId,
      'x-jussi-error-id': errorId,
    },
    body: errorAnswer(NULL_ID, error, errorId, requestId),
  };
}
