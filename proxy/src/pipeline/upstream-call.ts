// Stage 3 of an item that missed the cache: one upstream call under the item's own timeout, and
// the answer checked. Empty, non-JSON and non-object bodies become 1100 in jussi's words; an
// upstream JSON-RPC error object passes through untouched; a transport failure becomes the
// error jussi sends (1000/1050 on timeout, -32603 otherwise) with a reason naming the upstream.

import { performance } from 'node:perf_hooks';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/types.js';
import { upstreamPayload } from '../jsonrpc/payload.js';
import type { TimeoutKind } from '../routing/timeouts.js';
import { SpanAttribute, SpanName } from '../observability/span-names.js';
import type { SpanHandle, Telemetry } from '../observability/types.js';
import { callAbortReason } from '../upstream/abort.js';
import { hostsOnly, redactText } from '../upstream/redact.js';
import { UpstreamError, type UpstreamErrorKind } from '../upstream/types.js';
import type { PlannedItem } from './plan.js';
import { nextUpstreamId } from './upstream-ids.js';

export type UpstreamOutcome =
  | { readonly ok: true; readonly text: string; readonly answer: JsonObject; readonly url: string }
  | { readonly ok: false; readonly error: RpcError };

export interface CallContext {
  /** JUSSI_EXPOSE_UPSTREAM_URLS: name the upstream by its (redacted) URL in client-facing reasons. */
  readonly exposeUpstreamUrls: boolean;
  readonly requestId: string;
  readonly amznTraceId: string | undefined;
  readonly span: SpanHandle;
  readonly telemetry: Telemetry;
}

export async function callUpstream(plan: PlannedItem, ctx: CallContext): Promise<UpstreamOutcome> {
  const { upstream } = plan;
  const { route } = plan.resolved;
  const { telemetry } = ctx;
  const id = nextUpstreamId();
  const payload = upstreamPayload({ request: plan.resolved.request, notification: plan.notification, params: plan.resolved.params }, id);
  const span = telemetry.tracer.enabled
    ? telemetry.tracer.startChild(ctx.span, upstream.protocol === 'http' ? SpanName.upstreamHttp : SpanName.upstreamWebsocket, {
        [SpanAttribute.upstreamUrl]: upstream.url,
        [SpanAttribute.namespace]: plan.labels.namespace,
        [SpanAttribute.method]: plan.labels.method,
      })
    : null;
  const headers: Record<string, string> = { 'x-jussi-request-id': ctx.requestId };
  if (ctx.amznTraceId !== undefined) headers['x-amzn-trace-id'] = ctx.amznTraceId;
  const traceparent = span?.traceparent();
  if (traceparent !== undefined) headers.traceparent = traceparent;

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(callAbortReason('timeout')), route.timeout.ms);
  const started = performance.now();
  try {
    const reply = await upstream.send({ payload, upstreamId: id, signal: controller.signal, headers, idempotent: plan.idempotent });
    // The name clients see is built only when an answer is refused (off the hot path).
    const shown = (): string => clientUpstreamName(plan.labels.namespace, reply.url, ctx.exposeUpstreamUrls);
    const checked = checkAnswer(reply.status, reply.body, reply.json, reply.url);
    const outcome = checked.ok ? checkAnswerFits(checked, reply.status, id, shown) : checkAnswer(reply.status, reply.body, reply.json, shown());
    telemetry.metrics.upstreamRequest(reply.url, upstream.protocol, (performance.now() - started) / 1000, outcome.ok ? null : 'invalid_response');
    if (!outcome.ok) span?.recordError(outcome.error.message, outcome.error.code);
    return outcome;
  } catch (err) {
    const kind: UpstreamErrorKind = err instanceof UpstreamError ? err.kind : 'protocol';
    telemetry.metrics.upstreamRequest(upstream.url, upstream.protocol, (performance.now() - started) / 1000, kind);
    const error = transportError(err, clientUpstreamName(plan.labels.namespace, upstream.url, ctx.exposeUpstreamUrls), ctx.exposeUpstreamUrls, route.timeout.kind, route.timeout.ms);
    span?.recordError(err, error.code);
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
    span?.end();
  }
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The upstream body as an answer, or 1100 with what was wrong with it. */
export function checkAnswer(status: number, body: string, json: unknown, url: string): UpstreamOutcome {
  let answer: unknown = json;
  if (answer === undefined) {
    if (body.trim() === '') return { ok: false, error: upstreamResponseError(`upstream returned empty body with HTTP ${status}`, url) };
    try {
      answer = JSON.parse(body);
    } catch {
      return { ok: false, error: invalidJsonError(status, body, url) };
    }
  }
  if (!isJsonObject(answer)) {
    const what = Array.isArray(answer) ? 'an array' : answer === null ? 'null' : `a ${typeof answer}`;
    return { ok: false, error: upstreamResponseError(`upstream returned ${what}, not a JSON-RPC response object`, url) };
  }
  return { ok: true, text: body, answer, url };
}

/** How much of a body that is not JSON the reason quotes. */
const QUOTED_BODY_CHARS = 32;

/**
 * jussi's 1100 `Upstream response error: upstream returned invalid JSON: ...`, ending in a short
 * description of ours instead of the JSON parser's wording (which changes between Node versions
 * and quotes the body); the reason adds the status, the size and the start of the body.
 */
function invalidJsonError(status: number, body: string, url: string): RpcError {
  const start = body.trimStart();
  const first = start.charCodeAt(0);
  const what = first === 0x3c ? 'an HTML or XML page' : first === 0x7b || first === 0x5b ? 'malformed or truncated JSON' : 'text that is not JSON';
  const reason = `upstream returned invalid JSON: ${what}`;
  const quoted = start.length > QUOTED_BODY_CHARS ? `${JSON.stringify(start.slice(0, QUOTED_BODY_CHARS))}...` : JSON.stringify(start);
  const detail = `HTTP ${status}, ${Buffer.byteLength(body)} bytes starting ${quoted}`;
  return rpcError('UpstreamResponse', { reason }, `${reason} (upstream ${url}: ${detail})`);
}

/**
 * An answer that parsed must also be the answer to what was sent, or it is neither served nor
 * cached: its id must be the id the proxy sent (an error may carry null, when the upstream could
 * not read the request), and an HTTP status outside 2xx passes only with a JSON-RPC error body
 * (a `result` under a 5xx is not trusted). Anything else is 1100 with the reason.
 */
export function checkAnswerFits(outcome: UpstreamOutcome, status: number, sentId: number, shown: () => string): UpstreamOutcome {
  if (!outcome.ok) return outcome;
  const { answer } = outcome;
  const isError = answer['error'] !== undefined && answer['result'] === undefined;
  if (status < 200 || status > 299) {
    if (!isError) return { ok: false, error: upstreamResponseError(`upstream answered HTTP ${status} without a JSON-RPC error`, shown()) };
  }
  const id = answer['id'];
  if (!sameId(id, sentId) && !(isError && (id === null || id === undefined))) {
    return { ok: false, error: upstreamResponseError(`upstream answered another id (sent ${sentId}, got ${describeId(id)})`, shown()) };
  }
  return outcome;
}

/** jussi reads an upstream id as `int(id)`: the number, or its decimal string. */
function sameId(id: unknown, sentId: number): boolean {
  if (typeof id === 'number') return id === sentId;
  return typeof id === 'string' && /^-?\d+$/.test(id) && Number(id) === sentId;
}

function describeId(id: unknown): string {
  if (id === undefined) return 'none';
  const text = JSON.stringify(id);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function upstreamResponseError(reason: string, url: string): RpcError {
  return rpcError('UpstreamResponse', { reason }, `${reason} (upstream ${url})`);
}

/**
 * How a client-facing reason names an upstream: by namespace and host (`appbase (api.example.com)`),
 * or, with JUSSI_EXPOSE_UPSTREAM_URLS, by its redacted URL. Logs, /state and metrics always
 * carry the redacted URL.
 */
export function clientUpstreamName(namespace: string, url: string, expose: boolean): string {
  if (expose) return url;
  const hosts = [...new Set(url.split(' | ').map((u) => hostsOnly(u)))].join(', ');
  return `${namespace} (${hosts})`;
}

/** What went wrong, without the URL the message starts with; URLs inside cut down to what a client may see. */
function clientDetail(err: UpstreamError, expose: boolean): string {
  const prefix = `${err.url}: `;
  const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return expose ? redactText(detail) : hostsOnly(detail);
}

function transportError(err: unknown, shown: string, expose: boolean, timeoutKind: TimeoutKind, timeoutMs: number): RpcError {
  if (err instanceof UpstreamError) {
    if (err.kind === 'timeout') {
      return rpcError(timeoutKind, {}, `upstream ${shown} did not answer within ${timeoutMs / 1000} s`);
    }
    // The peer broke the protocol (an answer over the size limit, a bad frame): its answer was bad.
    if (err.kind === 'protocol') return upstreamResponseError(clientDetail(err, expose), shown);
    return rpcError('InternalError', {}, `upstream ${shown} failed (${err.kind}): ${clientDetail(err, expose)}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return rpcError('InternalError', {}, `upstream ${shown} failed: ${expose ? redactText(message) : hostsOnly(message)}`);
}
