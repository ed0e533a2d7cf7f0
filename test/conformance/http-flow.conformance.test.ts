// jussi's black-box HTTP scenarios (http_flow_cases.json) against the real proxy and a fake
// upstream. Each case gets a fresh proxy (empty cache) on the case's config, with every
// `127.0.0.1:18765` URL pointed at the fake upstream's port. Comparison rules that follow from
// ARCHITECTURE (documented, narrow): upstream ids are the proxy's own integers (item 12), so
// an expected upstream `id` only requires an integer; error `data` may carry an extra `reason`
// (item 10). Everything else must match or be listed in deliberate-differences.json.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startFakeUpstream, type FakeRequest, type FakeUpstream } from '../support/fake-upstream/index.js';
import { startTestProxy, type TestProxy } from '../support/proxy.js';
import { conformanceConfigPath } from '../support/repo.js';
import { isRecord, matchesExpected, stableAnswer, subsetOf } from './compare.js';
import { PASS, all, defineSuite, differs, runConformance, type Outcome } from './harness.js';

interface FlowRequest {
  readonly method: string;
  readonly path: string;
  readonly json?: unknown;
  readonly body?: string;
  readonly body_size?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

interface UpstreamExpect {
  readonly path: string;
  readonly json?: unknown;
  readonly json_keys?: readonly string[];
  readonly headers_subset?: Readonly<Record<string, string>>;
}

interface UpstreamReply {
  readonly path: string;
  readonly match?: Readonly<Record<string, unknown>>;
  readonly status: number;
  readonly json?: unknown;
  readonly body?: string;
  readonly delay_ms?: number;
}

interface FlowExpect {
  readonly status: number;
  readonly content_type?: string;
  readonly json?: unknown;
  readonly json_subset?: Readonly<Record<string, unknown>>;
  readonly json_keys?: readonly string[];
  readonly error_code?: number;
  readonly error_message_prefix?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly headers_present?: readonly string[];
  readonly headers_absent?: readonly string[];
  readonly connection_closed?: boolean;
  readonly elapsed_ms_between?: readonly [number, number];
}

interface FlowStep {
  readonly wait_ms?: number;
  readonly request: FlowRequest;
  readonly upstream_expect?: readonly UpstreamExpect[];
  readonly upstream_reply?: readonly UpstreamReply[];
  readonly expect: FlowExpect;
}

interface FlowCase {
  readonly name: string;
  readonly config: string;
  readonly steps: readonly FlowStep[];
}

const JUSSI_TEST_HEADERS = { 'x-jussi-request-id': '123', 'x-amzn-trace-id': '123' };
function configFor(c: FlowCase, port: number): string {
  const file = c.config.split(' ')[0] as string;
  return readFileSync(conformanceConfigPath(file), 'utf8').replaceAll('127.0.0.1:18765', `127.0.0.1:${port}`);
}

function program(up: FakeUpstream, replies: readonly UpstreamReply[]): void {
  for (const r of replies) {
    up.on(
      { path: r.path, where: (req: FakeRequest) => r.match === undefined || subsetOf(r.match, req.json) },
      (req) => {
        const delayMs = r.delay_ms ?? 0;
        if (r.body !== undefined) return { status: r.status, body: r.body, delayMs };
        // Item 12: the proxy sends its own integer id upstream, and an answer must carry the id
        // it was sent (jussi's vectors show the client's id, which jussi forwarded).
        const json = isRecord(r.json) && 'id' in r.json ? { ...r.json, id: req.id } : r.json;
        return { status: r.status, json, echoId: false, delayMs };
      },
    );
  }
}

/** What an upstream received, with the proxy's own ids (item 12) written "<proxy id>". */
function received(r: FakeRequest): unknown {
  return isRecord(r.json) && Number.isInteger(r.json['id']) ? { ...r.json, id: '<proxy id>' } : r.json ?? r.body;
}

function checkUpstream(expects: readonly UpstreamExpect[], seen: readonly FakeRequest[], step: string): Outcome {
  for (const e of expects) {
    const candidates = seen.filter((r) => r.path === e.path);
    const what = `${step}upstream ${e.path} received`;
    if (candidates.length === 0) return differs(what, [], `upstream ${e.path} received nothing`);
    const ok = candidates.some((r) => {
      if (e.headers_subset !== undefined && !Object.entries(e.headers_subset).every(([k, v]) => r.headers[k] === v)) return false;
      if (e.json_keys !== undefined && !(isRecord(r.json) && [...Object.keys(r.json)].sort().join() === [...e.json_keys].sort().join())) return false;
      if (e.json !== undefined) {
        // Item 12: the upstream id is the proxy's own integer.
        if (!isRecord(r.json) || !isRecord(e.json) || !Number.isInteger(r.json['id'])) return false;
        const { id: _a, ...actual } = r.json;
        const { id: _b, ...expected } = e.json;
        return subsetOf(expected, actual) && subsetOf(actual, expected);
      }
      return true;
    });
    if (!ok) return differs(what, candidates.map(received), `upstream ${e.path} got ${JSON.stringify(candidates.map((r) => ({ json: r.json, headers: r.headers })))}, expected ${JSON.stringify(e)}`);
  }
  return PASS;
}

async function send(proxy: TestProxy, r: FlowRequest): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const headers: Record<string, string> = { ...JUSSI_TEST_HEADERS, ...r.headers };
  let body: string | undefined;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers['content-type'] = 'application/json';
  } else if (r.body !== undefined) body = r.body;
  else if (r.body_size !== undefined) body = 'x'.repeat(r.body_size);
  const res = await fetch(`${proxy.url}${r.path}`, { method: r.method, headers, ...(body === undefined || r.method === 'GET' || r.method === 'HEAD' ? {} : { body }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Every way the answer differs from what the step expects, each with our exact value. */
function checkExpect(e: FlowExpect, res: { status: number; headers: Headers; json: unknown }, elapsedMs: number, step: string): Outcome {
  const errorId = res.headers.get('x-jussi-error-id');
  const checks: Outcome[] = [];
  const differ = (what: string, ours: unknown, detail: string) => checks.push(differs(`${step}${what}`, ours, detail));
  if (res.status !== e.status) differ('status', res.status, `HTTP ${res.status}, expected ${e.status}`);
  const contentType = res.headers.get('content-type');
  if (e.content_type !== undefined && !(contentType ?? '').startsWith(e.content_type)) differ('content-type', contentType, `content-type ${contentType}`);
  if (e.json !== undefined) {
    const d = matchesExpected(e.json, res.json, errorId);
    if (d !== null) differ('body', stableAnswer(res.json) ?? null, `body ${d}`);
  }
  if (e.json_subset !== undefined && !subsetOf(e.json_subset, res.json)) differ('body', stableAnswer(res.json) ?? null, `body ${JSON.stringify(res.json)} lacks ${JSON.stringify(e.json_subset)}`);
  if (e.json_keys !== undefined && !(isRecord(res.json) && Object.keys(res.json).sort().join() === [...e.json_keys].sort().join())) {
    const keys = isRecord(res.json) ? Object.keys(res.json) : typeof res.json;
    differ('body keys', keys, `body keys ${JSON.stringify(keys)}, expected ${e.json_keys.join(',')}`);
  }
  if (e.error_code !== undefined) {
    const err = isRecord(res.json) && isRecord(res.json['error']) ? res.json['error'] : null;
    const ours = err === null ? null : { code: err['code'], message: err['message'] };
    if (err === null || err['code'] !== e.error_code) differ('error', ours, `error ${JSON.stringify(err)}, expected code ${e.error_code}`);
    else if (e.error_message_prefix !== undefined && !String(err['message']).startsWith(e.error_message_prefix)) differ('error', ours, `message ${String(err['message'])}`);
  }
  for (const [k, v] of Object.entries(e.headers ?? {})) if (res.headers.get(k) !== v) differ(`header ${k}`, res.headers.get(k), `header ${k}: ${res.headers.get(k)}, expected ${v}`);
  for (const k of e.headers_present ?? []) if (res.headers.get(k) === null) differ(`header ${k}`, null, `header ${k} missing`);
  for (const k of e.headers_absent ?? []) if (res.headers.get(k) !== null) differ(`header ${k}`, res.headers.get(k), `header ${k} present: ${res.headers.get(k)}`);
  // A lower bound only: it proves the timeout fired at its configured time rather than
  // early; how much later on a loaded machine is not a conformance question.
  if (e.elapsed_ms_between !== undefined && elapsedMs < e.elapsed_ms_between[0]) differ('elapsed', 'too early', `answered after ${elapsedMs} ms, before ${e.elapsed_ms_between[0]} ms`);
  return all(...checks);
}

async function runCase(c: FlowCase, up: FakeUpstream): Promise<Outcome> {
  up.reset();
  const proxy = await startTestProxy(configFor(c, up.port));
  const upstreamDown = c.config.includes('fake upstream stopped');
  try {
    for (const [k, step] of c.steps.entries()) {
      // Differences are named by step when a case has more than one.
      const stepName = c.steps.length > 1 ? `step ${k + 1} ` : '';
      if (step.wait_ms !== undefined) await new Promise((r) => setTimeout(r, step.wait_ms));
      const before = up.requests.length;
      program(up, step.upstream_reply ?? []);
      let res;
      const started = Date.now();
      if (upstreamDown) {
        const stopped = await startTestProxy(configFor(c, 1));
        try {
          res = await send(stopped, step.request);
        } finally {
          await stopped.stop();
        }
      } else {
        res = await send(proxy, step.request);
      }
      const outcome = all(checkExpect(step.expect, res, Date.now() - started, stepName), checkUpstream(step.upstream_expect ?? [], up.requests.slice(before), stepName));
      if (!outcome.ok) return outcome;
    }
    return PASS;
  } finally {
    await proxy.stop();
  }
}

test('jussi http_flow_cases against the real proxy', async (t) => {
  const up = await startFakeUpstream();
  try {
    await runConformance(t, [
      defineSuite<FlowCase>({
        file: 'http_flow_cases.json',
        caseId: (c) => c.name,
        check: (c) => runCase(c, up),
      }),
    ]);
  } finally {
    await up.close();
  }
});
