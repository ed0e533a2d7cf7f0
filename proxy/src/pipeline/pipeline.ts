// The request path, once through: parse -> per item plan (URN, route, limits) -> cache read
// (memory, then one Redis MGET for the misses) -> identical cacheable calls in flight shared ->
// misses dispatched concurrently, each under its own timeout -> answers assembled in request
// order with the client's ids -> reply; cache writes and LIRB learning after the reply.
// Nothing a client sends can make it throw: anything unexpected is -32603 with an error id.

import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { TieredCacheGroup } from '../cache/cache-group.js';
import type { LirbTracker } from '../cache/lirb.js';
import type { Singleflight } from '../cache/singleflight.js';
import type { CacheHit } from '../cache/types.js';
import type { Settings } from '../config/settings.js';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import { MAX_URN_HEADER_LENGTH, cacheHitHeader, cacheHitRoom, clientText, requestIdFrom, urnHeaders } from '../jsonrpc/headers.js';
import type { ItemResult } from '../jsonrpc/items.js';
import { parseBody } from '../jsonrpc/parse.js';
import type { Urn } from '../jsonrpc/types.js';
import { NULL_ID, batchAnswer, errorAnswer, newErrorId, resultAnswer, upstreamAnswer } from '../jsonrpc/wire.js';
import { checkBatchSize } from '../limits/batch-size.js';
import { rateLimitedError, retryAfterSeconds } from '../edge/denial.js';
import type { EdgeCall } from '../edge/edge-gate.js';
import type { Admission, Denial } from '../edge/rate-limiter.js';
import type { AccessLog } from '../observability/access-log.js';
import { MethodLabeler, UNPARSED_LABELS } from '../observability/labels.js';
import { truncateBody } from '../observability/logger.js';
import { SpanAttribute, SpanName } from '../observability/span-names.js';
import type { LogError, LogFields, MethodLabels, SpanHandle, Telemetry } from '../observability/types.js';
import { JSON_CONTENT_TYPE, type HttpReply } from '../http/reply.js';
import type { RpcHandler } from '../http/traffic-app.js';
import type { Runtime } from '../runtime/runtime.js';
import type { RuntimeSnapshot } from '../runtime/snapshot.js';
import { afterReply } from './after-reply.js';
import { planItem, type ItemPlan, type PlannedItem } from './plan.js';
import type { RuleCounters } from './rule-counters.js';
import { callUpstream, type CallContext, type UpstreamOutcome } from './upstream-call.js';

export interface PipelineDeps {
  readonly settings: Settings;
  readonly runtime: Runtime;
  readonly cache: TieredCacheGroup;
  readonly lirb: LirbTracker;
  readonly telemetry: Telemetry;
  readonly accessLog: AccessLog;
  readonly rules: RuleCounters;
  readonly singleflight: Singleflight<UpstreamOutcome>;
}

/** How one item was answered. */
type ItemOutcome =
  | { readonly kind: 'hit'; readonly hit: CacheHit }
  | { readonly kind: 'upstream'; readonly outcome: UpstreamOutcome }
  | { readonly kind: 'error'; readonly error: RpcError };

/** Cache hits per plan: at once from the memory tier, or once Redis has answered. */
type Lookup = (CacheHit | undefined)[] | Promise<(CacheHit | undefined)[]>;

interface RequestState {
  readonly started: number;
  readonly requestId: string;
  readonly amznTraceId: string | undefined;
  readonly span: SpanHandle;
}

export class Pipeline implements RpcHandler {
  private readonly labelers = new WeakMap<RuntimeSnapshot, MethodLabeler>();

  constructor(private readonly deps: PipelineDeps) {}

  async handle(body: Buffer, headers: IncomingHttpHeaders, edge?: EdgeCall): Promise<HttpReply> {
    const { telemetry } = this.deps;
    const state: RequestState = {
      started: performance.now(),
      requestId: requestIdFrom(headers['x-jussi-request-id']),
      amznTraceId: traceIdHeader(headers['x-amzn-trace-id']),
      span: telemetry.tracer.startRequest(singleHeader(headers['traceparent']), singleHeader(headers['tracestate'])),
    };
    if (telemetry.tracer.enabled) state.span.setAttribute(SpanAttribute.requestId, state.requestId);
    telemetry.metrics.requestStarted();
    if (telemetry.logger.isDebugEnabled()) telemetry.logger.debug({ request_id: state.requestId, body: truncateBody(body.toString('utf8')) }, 'request body');
    try {
      return await this.process(body, state, edge);
    } catch (err) {
      // A bug of ours, never the client's fault: answer, log the stack, keep serving.
      const error = rpcError('InternalError', {}, 'unexpected proxy error; see the proxy log for this error_id');
      const errorId = newErrorId();
      telemetry.logger.error(
        { request_id: state.requestId, error_id: errorId, error: { type: err instanceof Error ? err.name : 'Error', message: String(err), ...(err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {}) } },
        'request failed inside the proxy',
      );
      state.span.recordError(err, error.code);
      telemetry.metrics.requestError(error.code);
      return this.reply(state, errorAnswer(NULL_ID, error, errorId, state.requestId), { 'x-jussi-error-id': errorId }, 200);
    } finally {
      telemetry.metrics.requestFinished();
      state.span.end();
    }
  }

  private async process(body: Buffer, state: RequestState, edge: EdgeCall | undefined): Promise<HttpReply> {
    const { telemetry } = this.deps;
    const snapshot = this.deps.runtime.current();
    if (snapshot === null) {
      const error = rpcError('InternalError', {}, 'no valid config loaded yet: the proxy is not ready');
      return this.wholeError(state, NULL_ID, error, 503);
    }

    const parseSpan = telemetry.tracer.enabled ? telemetry.tracer.startChild(state.span, SpanName.parse) : null;
    const parsed = parseBody(body);
    parseSpan?.end();
    if (parsed.kind === 'rejected') return this.wholeError(state, NULL_ID, parsed.error, 200);

    const labeler = this.labelerFor(snapshot);
    if (parsed.kind === 'single') {
      state.span.setAttribute(SpanAttribute.requestType, 'single');
      return this.single(parsed.item, snapshot, labeler, state, edge);
    }
    const items = parsed.items;
    state.span.setAttribute(SpanAttribute.requestType, 'batch');
    state.span.setAttribute(SpanAttribute.batchSize, items.length);
    telemetry.metrics.batchSize(items.length);
    const tooLarge = checkBatchSize(items.length, snapshot.limits.batchSize);
    if (tooLarge !== null) return this.wholeError(state, NULL_ID, tooLarge, 200);
    return this.batch(items, snapshot, labeler, state, edge);
  }

  // ------------------------------------------------------------------------------------------
  // Single request

  private async single(result: ItemResult, snapshot: RuntimeSnapshot, labeler: MethodLabeler, state: RequestState, edge: EdgeCall | undefined): Promise<HttpReply> {
    const plan = planItem(result, snapshot, labeler);
    this.tagSpan(state.span, plan);
    if (plan.kind === 'rejected') {
      this.finishItem(plan.labels, 'single', false, state);
      const extra = plan.urn !== null && plan.routed ? urnHeaders(plan.urn) : {};
      const reply = this.wholeError(state, plan.idText, plan.error, 200, extra, plan);
      // A notification gets no response object, even when it fails (JSON-RPC 2.0 §4.1).
      return plan.notification ? { ...reply, statusCode: 204, body: null } : reply;
    }
    // Rate limits: decided here when known locally, else in the same round trip as the cache read.
    const admission = this.admit([plan], edge);
    if (admission !== null && !(admission instanceof Promise) && admission[0] != null) return this.limitedSingle(plan, admission[0], state);
    const looked = this.lookup([plan], state);
    if (admission instanceof Promise) {
      const denial = (await admission)[0];
      if (denial != null) return this.limitedSingle(plan, denial, state);
    }
    const hit = (Array.isArray(looked) ? looked : await looked)[0];
    const outcome: ItemOutcome = hit !== undefined ? { kind: 'hit', hit } : await this.answer(plan, undefined, state);
    const ok = this.succeeded(outcome, state);
    this.finishItem(plan.labels, 'single', ok, state);
    const headers: Record<string, string> = urnHeaders(plan.resolved.urn);
    if (outcome.kind === 'hit') {
      // reply() adds the request id and the trace id: count them too (name, ': ', CRLF).
      const later = 24 + state.requestId.length + (state.amznTraceId === undefined ? 0 : 21 + state.amznTraceId.length);
      headers['x-jussi-cache-hit'] = cacheHitHeader(plan.resolved.urn.key, cacheHitRoom(headers, later));
    }
    if (this.deps.telemetry.tracer.enabled) state.span.setAttribute(SpanAttribute.cacheHit, outcome.kind === 'hit');
    const formatSpan = this.deps.telemetry.tracer.enabled ? this.deps.telemetry.tracer.startChild(state.span, SpanName.responseFormat) : null;
    const text = this.itemText(plan.idText, outcome, state, headers);
    formatSpan?.end();
    this.access(state, plan, outcome);
    if (plan.notification) return this.reply(state, null, headers, 204);
    return this.reply(state, text, headers, 200);
  }

  // ------------------------------------------------------------------------------------------
  // Batch

  private async batch(items: readonly ItemResult[], snapshot: RuntimeSnapshot, labeler: MethodLabeler, state: RequestState, edge: EdgeCall | undefined): Promise<HttpReply> {
    const plans: ItemPlan[] = items.map((item) => planItem(item, snapshot, labeler));
    const planned = plans.filter((p): p is PlannedItem => p.kind === 'planned');
    // Rate limits count each item; items over a limit get error 1900 in place, the others are served.
    const admitting = this.admit(planned, edge);
    let admission: Admission | null = admitting instanceof Promise ? null : admitting;
    const looked = admission === null ? planned : planned.filter((_p, i) => admission?.[i] == null);
    const lookup = this.lookup(looked, state);
    if (admitting instanceof Promise) admission = await admitting;
    const hits = await lookup;
    const hitOf = new Map<PlannedItem, CacheHit | undefined>();
    looked.forEach((p, i) => hitOf.set(p, hits[i]));
    let limited = 0;
    let retryAfterMs = 0;
    const outcomes = await Promise.all(
      planned.map(async (p, i): Promise<ItemOutcome> => {
        const denial = admission?.[i];
        if (denial == null) return this.answer(p, hitOf.get(p), state);
        limited += 1;
        retryAfterMs = Math.max(retryAfterMs, denial.retryAfterMs);
        return { kind: 'error', error: rateLimitedError(denial) };
      }),
    );
    const byIndex = new Map<number, ItemOutcome>();
    planned.forEach((p, i) => byIndex.set(p.index, outcomes[i] as ItemOutcome));

    const texts: string[] = [];
    const headers: Record<string, string> = {};
    let allHits = plans.length > 0;
    let errors = 0;
    const { tracer } = this.deps.telemetry;
    for (const plan of plans) {
      const outcome: ItemOutcome = plan.kind === 'rejected' ? { kind: 'error', error: plan.error } : (byIndex.get(plan.index) as ItemOutcome);
      const ok = this.succeeded(outcome, state);
      if (outcome.kind !== 'hit') allHits = false;
      if (!ok) errors += 1;
      this.finishItem(plan.labels, 'batch', ok, state);
      if (plan.notification) continue;
      // One response.format span per item (only when tracing).
      const formatSpan = tracer.enabled ? tracer.startChild(state.span, SpanName.responseFormat, { [SpanAttribute.method]: plan.labels.method }) : null;
      texts.push(this.itemText(plan.idText, outcome, state, null));
      formatSpan?.end();
    }
    if (allHits) headers['x-jussi-cache-hit'] = 'batch';
    if (limited > 0) headers['retry-after'] = String(retryAfterSeconds(retryAfterMs));
    // A batch line is sampled like a success: its failed items are counted, not detailed.
    if (this.deps.accessLog.wants(false)) {
      this.deps.accessLog.write({
        ...this.baseLogFields(state),
        batch_size: plans.length,
        batch_errors: errors,
        cache_hit: allHits,
        duration_ms: elapsedMs(state),
      });
    }
    // HTTP 429 only when the whole batch was refused by rate limits; otherwise the items say it.
    const status = limited > 0 && limited === plans.length ? 429 : 200;
    if (texts.length === 0) return this.reply(state, null, headers, status === 429 ? 429 : 204);
    return this.reply(state, batchAnswer(texts), headers, status);
  }

  // ------------------------------------------------------------------------------------------
  // Rate limits (edge/)

  /** The rate-limit decision for planned items; null when no bucket applies to this request. */
  private admit(planned: readonly PlannedItem[], edge: EdgeCall | undefined): Admission | Promise<Admission> | null {
    const buckets = edge?.buckets;
    if (edge === undefined || buckets == null || planned.length === 0) return null;
    const tier = edge.identity.tier;
    return edge.limiter.admit(
      planned.map((p) => buckets.bucketsFor(tier, p.resolved.urn.key)),
      edge.caller,
    );
  }

  /** HTTP 429 with Retry-After and error 1900 for a single request over a limit. */
  private limitedSingle(plan: PlannedItem, denial: Denial, state: RequestState): HttpReply {
    this.finishItem(plan.labels, 'single', false, state);
    const extra = { ...urnHeaders(plan.resolved.urn), 'retry-after': String(retryAfterSeconds(denial.retryAfterMs)) };
    const reply = this.wholeError(state, plan.idText, rateLimitedError(denial), 429, extra, plan);
    return plan.notification ? { ...reply, body: null } : reply;
  }

  // ------------------------------------------------------------------------------------------
  // Stages shared by single and batch

  /**
   * Cache read for the cacheable plans (the result array matches `plans`). A single key found in
   * the memory tier is answered synchronously: the hot path of a cache hit allocates no promise.
   */
  private lookup(plans: readonly PlannedItem[], state: RequestState): Lookup {
    const { cache, telemetry } = this.deps;
    const at: number[] = [];
    const keys: string[] = [];
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i] as PlannedItem;
      if (p.cacheable) {
        keys.push(p.resolved.urn.key);
        at.push(i);
      }
    }
    if (keys.length === 0) return new Array<CacheHit | undefined>(plans.length).fill(undefined);
    const span = telemetry.tracer.enabled ? telemetry.tracer.startChild(state.span, SpanName.cacheLookup, { [SpanAttribute.batchSize]: keys.length }) : null;
    if (keys.length === 1) {
      const memoryHit = cache.getFromMemory(keys[0] as string);
      if (memoryHit !== undefined) return this.placeHits(plans, at, [memoryHit], span);
      return cache.getFromRedis(keys).then((hits) => this.placeHits(plans, at, hits, span));
    }
    return cache.getMany(keys).then((hits) => this.placeHits(plans, at, hits, span));
  }

  /** Hits (one per key, in `at` order) placed at their plans' positions, counted per rule. */
  private placeHits(plans: readonly PlannedItem[], at: readonly number[], hits: readonly (CacheHit | undefined)[], span: SpanHandle | null): (CacheHit | undefined)[] {
    const out = new Array<CacheHit | undefined>(plans.length).fill(undefined);
    let found = 0;
    for (let j = 0; j < at.length; j++) {
      const plan = plans[at[j] as number] as PlannedItem;
      // get_block entries are checked against their block when written and when read from
      // Redis (cache-group.ts), so a hit always answers the block its key asks for.
      const hit = hits[j];
      out[at[j] as number] = hit;
      if (hit !== undefined) found += 1;
      const prefix = plan.resolved.route.ttlPrefix;
      if (prefix !== null) this.deps.rules.record(prefix, hit !== undefined);
    }
    span?.setAttribute(SpanAttribute.cacheHit, found === at.length);
    span?.end();
    return out;
  }

  /** A cache hit, or the upstream answer (shared with identical calls in flight). */
  private async answer(plan: PlannedItem, hit: CacheHit | undefined, state: RequestState): Promise<ItemOutcome> {
    if (hit !== undefined) return { kind: 'hit', hit };
    const ctx: CallContext = {
      exposeUpstreamUrls: this.deps.settings.jsonrpc.exposeUpstreamUrls,
      requestId: state.requestId,
      amznTraceId: state.amznTraceId,
      span: state.span,
      telemetry: this.deps.telemetry,
    };
    let landed: Promise<void> | undefined;
    const call = async (): Promise<UpstreamOutcome> => {
      const outcome = await callUpstream(plan, ctx);
      landed = afterReply(plan, outcome, { cache: this.deps.cache, lirb: this.deps.lirb, settings: this.deps.settings.cache, telemetry: this.deps.telemetry }, state.span);
      return outcome;
    };
    // Only cacheable reads are merged: broadcasts and uncacheable methods always go out alone.
    // A merged call stays joinable until its cache write has landed: a request whose lookup
    // missed just before it landed joins the answer rather than calling upstream again.
    const outcome = plan.cacheable && plan.idempotent && !plan.notification ? await this.deps.singleflight.do(plan.resolved.urn.key, call, () => landed) : await call();
    return { kind: 'upstream', outcome };
  }

  /**
   * Whether an item was answered with a result. An upstream's own JSON-RPC error object is passed
   * through untouched, but counts as an error (by its code) in metrics and on the span.
   */
  private succeeded(outcome: ItemOutcome, state: RequestState): boolean {
    if (outcome.kind === 'hit') return true;
    if (outcome.kind === 'error' || !outcome.outcome.ok) return false;
    const error = outcome.outcome.answer['error'];
    if (error === undefined) return true;
    const code = typeof error === 'object' && error !== null && !Array.isArray(error) && typeof error['code'] === 'number' ? error['code'] : Number.NaN;
    this.deps.telemetry.metrics.requestError(code);
    state.span.recordError('upstream answered with a JSON-RPC error', code);
    return false;
  }

  /** The answer text of one item. */
  private itemText(idText: string, outcome: ItemOutcome, state: RequestState, headers: Record<string, string> | null): string {
    if (outcome.kind === 'hit') return resultAnswer(idText, outcome.hit.resultText);
    if (outcome.kind === 'upstream' && outcome.outcome.ok) {
      const text = upstreamAnswer(idText, outcome.outcome.text);
      if (text !== undefined) return text;
      return this.errorText(idText, rpcError('UpstreamResponse', { reason: 'upstream returned a response that is not a JSON object' }), state, headers);
    }
    const error = outcome.kind === 'error' ? outcome.error : (outcome.outcome as { error: RpcError }).error;
    return this.errorText(idText, error, state, headers);
  }

  private errorText(idText: string, error: RpcError, state: RequestState, headers: Record<string, string> | null): string {
    const errorId = newErrorId();
    if (headers !== null) headers['x-jussi-error-id'] = errorId;
    this.deps.telemetry.metrics.requestError(error.code);
    state.span.recordError(error.message, error.code);
    return errorAnswer(idText, error, errorId, state.requestId);
  }

  private wholeError(state: RequestState, idText: string, error: RpcError, status: number, extra: Record<string, string> = {}, plan?: ItemPlan): HttpReply {
    const headers: Record<string, string> = { ...extra };
    const text = this.errorText(idText, error, state, headers);
    this.deps.accessLog.log({
      ...this.baseLogFields(state),
      ...(plan !== undefined && plan.kind === 'rejected' && plan.urn !== null ? urnLogFields(plan.urn) : {}),
      ...(plan !== undefined && plan.kind === 'planned' ? urnLogFields(plan.resolved.urn) : {}),
      duration_ms: elapsedMs(state),
      error: errorLogFields(error),
    });
    if (plan === undefined) this.deps.telemetry.metrics.itemFinished(UNPARSED_LABELS, 'single', false, elapsedMs(state) / 1000);
    return this.reply(state, text, headers, status);
  }

  private reply(state: RequestState, body: string | null, extra: Readonly<Record<string, string>>, status: number): HttpReply {
    // Filled in place, in wire order: this runs once per request.
    const headers: Record<string, string> = {};
    if (body !== null) headers['content-type'] = JSON_CONTENT_TYPE;
    headers['x-jussi-request-id'] = state.requestId;
    for (const name in extra) headers[name] = extra[name] as string;
    headers['x-jussi-response-time'] = (elapsedMs(state) / 1000).toFixed(6);
    if (state.amznTraceId !== undefined) headers['x-amzn-trace-id'] = state.amznTraceId;
    const { logger } = this.deps.telemetry;
    if (body !== null && logger.isDebugEnabled()) logger.debug({ request_id: state.requestId, status, body: truncateBody(body) }, 'response body');
    return { statusCode: status, headers, body };
  }

  private finishItem(labels: MethodLabels, type: 'single' | 'batch', ok: boolean, state: RequestState): void {
    this.deps.telemetry.metrics.itemFinished(labels, type, ok, elapsedMs(state) / 1000);
  }

  private tagSpan(span: SpanHandle, plan: ItemPlan): void {
    if (!this.deps.telemetry.tracer.enabled) return;
    span.setAttribute(SpanAttribute.namespace, plan.labels.namespace);
    span.setAttribute(SpanAttribute.api, plan.labels.api);
    span.setAttribute(SpanAttribute.method, plan.labels.method);
  }

  private access(state: RequestState, plan: PlannedItem, outcome: ItemOutcome): void {
    const error = outcome.kind === 'error' ? outcome.error : outcome.kind === 'upstream' && !outcome.outcome.ok ? outcome.outcome.error : null;
    if (!this.deps.accessLog.wants(error !== null)) return;
    const fields: LogFields = {
      ...this.baseLogFields(state),
      ...urnLogFields(plan.resolved.urn),
      upstream: plan.upstream.url,
      cache_hit: outcome.kind === 'hit' ? outcome.hit.tier : false,
      duration_ms: elapsedMs(state),
    };
    this.deps.accessLog.write(error === null ? fields : { ...fields, error: errorLogFields(error) });
  }

  private baseLogFields(state: RequestState): LogFields {
    const fields: Record<string, unknown> = { request_id: state.requestId };
    if (state.span.traceId !== undefined) fields['trace_id'] = state.span.traceId;
    if (state.span.spanId !== undefined) fields['span_id'] = state.span.spanId;
    return fields;
  }

  private labelerFor(snapshot: RuntimeSnapshot): MethodLabeler {
    let labeler = this.labelers.get(snapshot);
    if (labeler === undefined) {
      labeler = MethodLabeler.fromConfig(snapshot.config);
      this.labelers.set(snapshot, labeler);
    }
    return labeler;
  }
}

function singleHeader(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

function elapsedMs(state: RequestState): number {
  return performance.now() - state.started;
}

/** The x-amzn-trace-id echoed back and sent upstream: client text, so bounded like the x-jussi-* headers. */
function traceIdHeader(value: string | readonly string[] | undefined): string | undefined {
  const text = singleHeader(value);
  return text === undefined ? undefined : clientText(text);
}

/** The URN's names for a log line; client text, each cut to 1,024 characters. */
function urnLogFields(urn: Urn): LogFields {
  const namespace = clientText(urn.namespace);
  const method = clientText(urn.method);
  return urn.api === undefined ? { namespace, method } : { namespace, api: clientText(urn.api), method };
}

/** An error for a log line; its message may quote client text (an unknown namespace), so it is cut too. */
function errorLogFields(error: RpcError): LogError {
  const message = error.reason === undefined ? error.message : `${error.message}: ${error.reason}`;
  return { type: error.kind, message: clientText(message, 2 * MAX_URN_HEADER_LENGTH), code: error.code };
}
