// jussi conformance of config loading, routing, TTL and timeout tables and the appbase
// translation: ttl_cases, timeout_cases, translation_cases, account_transfer_route_cases and
// cache_key_cases. Requests go through the real parser and URN (jsonrpc) and then routing.
// `cache_behaviour` fields belong to the cache suite; upstream payload text and x-jussi-*
// headers to the jsonrpc suite.
import { test } from 'node:test';
import { cacheHitHeader, urnHeaders } from '@jussi/proxy/jsonrpc/headers';
import { parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import { translatedPayload, upstreamPayload } from '@jussi/proxy/jsonrpc/payload';
import { hasId, type JsonRpcRequest, type JsonValue, type Urn } from '@jussi/proxy/jsonrpc/types';
import { buildUrn, parseUrn } from '@jussi/proxy/jsonrpc/urn';
import { isAccountTransferPath } from '@jussi/proxy/routing/account-transfer';
import { resolveItem, type ResolveResult } from '@jussi/proxy/routing/resolve';
import { buildRoutingTable, type RoutingTable } from '@jussi/proxy/routing/routing-table';
import { all, conformanceConfig as config, defineSuite, expectEqual, fail, PASS, runConformance, type Outcome } from './harness.js';

const RESPONSE_TIMEOUT_MS = 65_000;


function table(configName: string, env: Readonly<Record<string, string>> | undefined): RoutingTable {
  return buildRoutingTable(config(configName), {
    accountTransferUrl: env?.['JUSSI_ACCOUNT_TRANSFER_STEEMD_URL'] ?? null,
    responseTimeoutMs: RESPONSE_TIMEOUT_MS,
  });
}

type Parsed = { ok: true; urn: Urn; resolved: ResolveResult } | { ok: false; detail: string };

/** The request as the proxy sees it: body parse, URN, then routing (with translation). */
function resolveRequest(t: RoutingTable, request: unknown): Parsed {
  const body = parseBodyText(JSON.stringify(request));
  if (body.kind !== 'single' || !body.item.ok) return { ok: false, detail: `request not accepted: ${JSON.stringify(body)}` };
  const urn = parseUrn({ request: body.item.request, params: body.item.params });
  if (!urn.ok) return { ok: false, detail: `no URN: ${JSON.stringify(urn.error)}` };
  return { ok: true, urn: urn.urn, resolved: resolveItem(t, body.item.request, body.item.params, urn.urn) };
}

/** Vectors that call jussi's routing with a hand-built URN (`test.api.method.params=false`). */
function urnFromKey(key: string): Urn {
  const m = /^([^.]+)\.([^.]+)\.([^.]+)\.params=(.*)$/.exec(key);
  if (m === null) throw new Error(`unexpected URN-only vector ${key}`);
  return buildUrn({ namespace: m[1] as string, api: m[2], method: m[3] as string, params: JSON.parse(m[4] as string) as JsonValue, paramsText: m[4] });
}

const INVALID_REQUEST = -32600;

interface RouteCase {
  request?: unknown;
  config: string;
  env?: Record<string, string>;
  urn: string;
  translated_from_urn?: string;
  translate_to_appbase?: boolean;
  error?: string;
  url?: string;
  ttl?: number | null;
  timeout_config?: number | null;
  timeout?: number | null;
}

/** Routing of one ttl/timeout vector: the URN, then either the -32600 or the route. */
function checkRouting(c: RouteCase, check: (route: Extract<ResolveResult, { ok: true }>['item']['route']) => Outcome): Outcome {
  const t = table(c.config, c.env);
  if (c.request === undefined) {
    const urn = urnFromKey(c.urn);
    const r = t.route(urn);
    if (!r.ok) return fail(`not routable: ${JSON.stringify(r.error)}`);
    return all(
      check(r.route),
      c.translate_to_appbase === undefined ? PASS : expectEqual(t.translatesToAppbase(urn.namespace), c.translate_to_appbase, 'translate_to_appbase'),
    );
  }
  const p = resolveRequest(t, c.request);
  if (!p.ok) return fail(p.detail);
  if (c.error !== undefined) {
    return all(
      expectEqual(p.urn.key, c.urn, 'urn'),
      p.resolved.ok ? fail(`expected ${c.error}, got a route to ${JSON.stringify(p.resolved.item.route.urls)}`) : expectEqual(p.resolved.error.code, INVALID_REQUEST, 'error code'),
    );
  }
  if (!p.resolved.ok) return fail(`not routable: ${JSON.stringify(p.resolved.error)}`);
  const item = p.resolved.item;
  return all(
    expectEqual(item.urn.key, c.urn, 'urn'),
    expectEqual(item.translatedFrom?.key, c.translated_from_urn, 'translated_from_urn'),
    check(item.route),
  );
}

function checkUrl(route: { urls: readonly string[] }, url: string | undefined): Outcome {
  return expectEqual(route.urls, url === undefined ? [] : [url], 'url');
}

const ttlSuite = defineSuite<RouteCase>({
  file: 'ttl_cases.json',
  check: (c) => checkRouting(c, (route) => all(checkUrl(route, c.url), expectEqual(route.ttl, c.ttl ?? null, 'ttl'))),
});

const timeoutSuite = defineSuite<RouteCase>({
  file: 'timeout_cases.json',
  check: (c) =>
    checkRouting(c, (route) => {
      // jussi: 0 (or no rule) = no per-request timeout, bounded only by the 65 s response
      // timeout (1050); a configured n = n seconds (1000).
      const effective = c.timeout ?? null;
      return all(
        checkUrl(route, c.url),
        expectEqual(route.timeout.configured, c.timeout_config ?? null, 'timeout_config'),
        effective === null
          ? expectEqual([route.timeout.ms, route.timeout.kind], [RESPONSE_TIMEOUT_MS, 'ResponseTimeout'], 'effective timeout')
          : expectEqual([route.timeout.ms, route.timeout.kind], [effective * 1000, 'RequestTimeout'], 'effective timeout'),
      );
    }),
});

interface TranslationCase {
  request: Record<string, unknown>;
  config: string;
  original_urn: string;
  translated: boolean;
  translated_request?: Record<string, unknown>;
  urn: string;
  cache_key: string;
  upstream_url: string;
  ttl: number | null;
  timeout: number | null;
  upstream_request: Record<string, unknown>;
  response_headers: Readonly<Record<string, string>>;
}

/** The vector writes an absent member as {"$empty": true}. */
function withoutEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => !(typeof v === 'object' && v !== null && (v as Record<string, unknown>)['$empty'] === true)),
  );
}

// The vectors' README: routing vectors for get_state account-transfer paths assume this env.
const ACCOUNT_TRANSFER_ENV = { JUSSI_ACCOUNT_TRANSFER_STEEMD_URL: 'account_transfer_url' };

function translated(c: TranslationCase) {
  const p = resolveRequest(table(c.config, ACCOUNT_TRANSFER_ENV), c.request);
  if (!p.ok) return fail(p.detail);
  if (!p.resolved.ok) return fail(`not routable: ${JSON.stringify(p.resolved.error)}`);
  return { urn: p.urn, item: p.resolved.item };
}

const translationSuite = defineSuite<TranslationCase>({
  file: 'translation_cases.json',
  check: (c) => {
    const p = translated(c);
    if ('ok' in p) return p;
    const item = p.item;
    const headers = urnHeaders(item.urn);
    const sent: JsonRpcRequest = item.request;
    // The upstream request text, built by the jsonrpc payload function from what routing hands
    // over; a non-deterministic jussi id (id(object) + index) is replaced by ours.
    const upstreamId = typeof c.upstream_request['id'] === 'number' ? c.upstream_request['id'] : 42;
    const notification = !hasId(sent);
    const payload = upstreamPayload({ request: sent, notification, params: item.params }, upstreamId);
    const expectedPayload = { ...c.upstream_request, id: upstreamId };
    return all(
      expectEqual(p.urn.key, c.original_urn, 'original_urn'),
      expectEqual(item.translatedFrom !== null, c.translated, 'translated'),
      c.translated_request === undefined ? PASS : expectEqual({ ...sent }, withoutEmpty(c.translated_request), 'translated_request'),
      expectEqual(item.urn.key, c.urn, 'urn'),
      expectEqual(item.urn.key, c.cache_key, 'cache_key'),
      expectEqual(item.route.urls, [c.upstream_url], 'upstream_url'),
      expectEqual(item.route.ttl, c.ttl, 'ttl'),
      expectEqual(item.route.timeout.configured === 0 ? null : item.route.timeout.configured, c.timeout, 'timeout'),
      expectEqual(JSON.parse(payload) as unknown, expectedPayload, 'upstream_request'),
      item.translatedFrom === null
        ? PASS
        : expectEqual(payload, translatedPayload(item.urn, upstreamId, notification), 'payload from the translated URN'),
      ...(['x-jussi-namespace', 'x-jussi-api', 'x-jussi-method'] as const).map((h) => expectEqual(headers[h], c.response_headers[h], `header ${h}`)),
    );
  },
});

// x-jussi-params is compact JSON, not jussi's Python repr (item 8): the listed differences give our value.
const translationParamsHeaderSuite = defineSuite<TranslationCase>({
  file: 'translation_cases.json',
  name: 'translation_cases.json x-jussi-params',
  check: (c) => {
    const p = translated(c);
    if ('ok' in p) return p;
    return expectEqual(urnHeaders(p.item.urn)['x-jussi-params'], c.response_headers['x-jussi-params'], 'header x-jussi-params');
  },
});

interface AccountTransferCase {
  get_state_path: string;
  routes_to_JUSSI_ACCOUNT_TRANSFER_STEEMD_URL: boolean;
}

const accountTransferSuite = defineSuite<AccountTransferCase>({
  file: 'account_transfer_route_cases.json',
  check: (c) => {
    const direct = expectEqual(isAccountTransferPath(c.get_state_path), c.routes_to_JUSSI_ACCOUNT_TRANSFER_STEEMD_URL, 'pattern');
    // And end to end through a routing table, for both apis jussi checks.
    const t = table('TEST_UPSTREAM_CONFIG.json', ACCOUNT_TRANSFER_ENV);
    const viaTable = ['get_state', 'condenser_api.get_state'].map((method) => {
      const p = resolveRequest(t, { id: 1, jsonrpc: '2.0', method, params: [c.get_state_path] });
      if (!p.ok) return fail(p.detail);
      if (!p.resolved.ok) return fail(`not routable: ${JSON.stringify(p.resolved.error)}`);
      return expectEqual(p.resolved.item.route.accountTransfer, c.routes_to_JUSSI_ACCOUNT_TRANSFER_STEEMD_URL, `${method} override`);
    });
    return all(direct, ...viaTable);
  },
});

interface CacheKeyCase {
  request: unknown;
  cache_key: string;
  'x-jussi-cache-hit': string;
  config: string;
  ttl: number | null;
}

const cacheKeySuite = defineSuite<CacheKeyCase>({
  file: 'cache_key_cases.json',
  check: (c) => {
    const p = resolveRequest(table(c.config, undefined), c.request);
    if (!p.ok) return fail(p.detail);
    if (!p.resolved.ok) return fail(`not routable: ${JSON.stringify(p.resolved.error)}`);
    return all(
      expectEqual(p.resolved.item.urn.key, c.cache_key, 'cache_key'),
      // The value the pipeline sends on a hit, from the function it sends it with.
      expectEqual(cacheHitHeader(p.resolved.item.urn.key), c['x-jussi-cache-hit'], 'header x-jussi-cache-hit'),
      expectEqual(p.resolved.item.route.ttl, c.ttl, 'ttl'),
    );
  },
});

test('jussi conformance: routing, ttls, timeouts, translation', async (t) => {
  await runConformance(t, [ttlSuite, timeoutSuite, translationSuite, translationParamsHeaderSuite, accountTransferSuite, cacheKeySuite]);
});
