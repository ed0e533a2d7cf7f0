// validation_cases.json at the HTTP level, against the real proxy: rejected bodies get jussi's
// status, error object and x-jussi-error-id; accepted bodies are dispatched to the upstream the
// vector names with the request it names (minus the id: the proxy assigns its own, item 12),
// under the per-call timeout it names. The TEST config's wss:// URLs are pointed at one fake
// WebSocket upstream (the host becomes the path), so the URL each call went to is visible.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import { parseUrn } from '@jussi/proxy/jsonrpc/urn';
import { resolveItem } from '@jussi/proxy/routing/resolve';
import { buildRoutingTable, type RoutingTable } from '@jussi/proxy/routing/routing-table';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream/index.js';
import { startTestProxy, type TestProxy } from '../support/proxy.js';
import { conformanceConfigPath } from '../support/repo.js';
import { isRecord, matchesExpected, stableAnswer, subsetOf } from './compare.js';
import { PASS, all, defineSuite, differs, fail, runConformance, type Outcome } from './harness.js';

interface DispatchCall {
  readonly upstream_url: string;
  readonly upstream_request: Record<string, unknown>;
  readonly timeout: number | null;
}

interface ValidationCase {
  readonly body: string;
  readonly valid: boolean;
  readonly expected_http_status?: number;
  readonly expected_response?: unknown;
  readonly expected_headers_present?: readonly string[];
  readonly dispatch?: { readonly kind: 'single' | 'batch'; readonly calls: readonly DispatchCall[] };
}

const HEADERS = { 'x-jussi-request-id': '123', 'x-amzn-trace-id': '123', 'content-type': 'application/json' };
const WSS = /wss:\/\/([a-z0-9.-]+)/g;

function pathOf(url: string): string {
  return `/${url.replace(/^wss?:\/\//, '').replace(/\/$/, '')}`;
}

/** The per-call timeouts the proxy uses for an accepted body (seconds; null = the global cap only). */
function timeoutsOf(body: string, table: RoutingTable): (number | null)[] {
  const parsed = parseBodyText(body);
  const items = parsed.kind === 'single' ? [parsed.item] : parsed.kind === 'batch' ? parsed.items : [];
  return items.map((item) => {
    if (!item.ok) return null;
    const urn = parseUrn(item);
    if (!urn.ok) return null;
    const resolved = resolveItem(table, item.request, item.params, urn.urn);
    if (!resolved.ok) return null;
    const configured = resolved.item.route.timeout.configured;
    return configured === null || configured === 0 ? null : configured;
  });
}

async function checkCase(c: ValidationCase, proxy: TestProxy, up: FakeUpstream, table: RoutingTable): Promise<Outcome> {
  const before = up.requests.length;
  const res = await fetch(`${proxy.url}/`, { method: 'POST', headers: HEADERS, body: c.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // The proxy answers after every upstream call it makes has been received: nothing comes later.
  const seen = up.requests.slice(before);
  if (!c.valid) {
    const errorId = res.headers.get('x-jussi-error-id');
    const checks: Outcome[] = [];
    if (res.status !== c.expected_http_status) checks.push(differs('status', res.status, `HTTP ${res.status}, expected ${c.expected_http_status}`));
    const d = matchesExpected(c.expected_response, json, errorId);
    if (d !== null) checks.push(differs('body', stableAnswer(json) ?? text, `body ${d}: ${text.slice(0, 400)}`));
    for (const h of c.expected_headers_present ?? []) if (res.headers.get(h) === null) checks.push(differs(`header ${h}`, null, `header ${h} missing`));
    if (seen.length > 0) checks.push(differs('upstream calls', seen.length, 'a rejected body reached the upstream'));
    return all(...checks);
  }
  const calls = c.dispatch?.calls ?? [];
  if (res.status !== 200 && res.status !== 204) return differs('status', res.status, `HTTP ${res.status}: ${text.slice(0, 300)}`);
  const answers = Array.isArray(json) ? json : json === undefined ? [] : [json];
  const errors = answers.filter((a) => isRecord(a) && a['error'] !== undefined);
  if (errors.length > 0) return differs('body', stableAnswer(json), `accepted body answered with errors: ${JSON.stringify(errors).slice(0, 400)}`);
  if (seen.length !== calls.length) return differs('upstream calls', seen.length, `upstream received ${seen.length} calls, expected ${calls.length}`);
  const remaining = [...seen];
  for (const call of calls) {
    const { id: _id, ...expected } = call.upstream_request;
    const at = remaining.findIndex((r) => {
      if (r.path !== pathOf(call.upstream_url) || !isRecord(r.json) || !Number.isInteger(r.json['id'])) return false;
      const { id: _rid, ...actual } = r.json;
      return subsetOf(expected, actual) && subsetOf(actual, expected);
    });
    if (at < 0) return fail(`no upstream call to ${call.upstream_url} with ${JSON.stringify(expected)}; got ${JSON.stringify(remaining.map((r) => [r.path, r.json]))}`);
    remaining.splice(at, 1);
  }
  const timeouts = timeoutsOf(c.body, table);
  const expectedTimeouts = calls.map((call) => call.timeout);
  if (JSON.stringify(timeouts) !== JSON.stringify(expectedTimeouts)) return differs('timeouts', timeouts, `per-call timeouts ${JSON.stringify(timeouts)}, expected ${JSON.stringify(expectedTimeouts)}`);
  return PASS;
}

test('jussi validation_cases at the HTTP level, with dispatch', async (t) => {
  const up = await startFakeUpstream();
  let proxy: TestProxy | null = null;
  try {
    let table: RoutingTable | null = null;
    const configText = (): string => readFileSync(conformanceConfigPath('TEST_UPSTREAM_CONFIG.json'), 'utf8').replace(WSS, (_m, host: string) => up.wsUrl(`/${host}`));
    await runConformance(t, [
      defineSuite<ValidationCase>({
        file: 'validation_cases.json',
        name: 'validation_cases.json (HTTP and dispatch)',
        async check(c) {
          if (proxy === null) {
            // No cache: every case's calls must reach the upstream, whatever earlier cases asked.
            proxy = await startTestProxy(configText(), { JUSSI_WEBSOCKET_POOL_MINSIZE: '0', JUSSI_MEMORY_CACHE_MAX_BYTES: '0' });
            const loaded = loadConfigDocument(configText());
            if (!loaded.ok) throw new Error('TEST config does not load');
            table = buildRoutingTable(loaded.config, { accountTransferUrl: null, responseTimeoutMs: 65_000 });
          }
          return checkCase(c, proxy, up, table as RoutingTable);
        },
      }),
    ]);
  } finally {
    await (proxy as TestProxy | null)?.stop();
    await up.close();
  }
});
