// jussi conformance of the JSON-RPC layer: URN parts and strings, x-jussi-* header values, and the
// body-level part of request validation (which error code and id a body gets, and what is sent
// upstream for accepted bodies). Routing (which URL) and HTTP-level details (status, headers,
// timeouts) are checked by the routing and pipeline suites.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheHitHeader, paramsHeader, urnHeaders } from '@jussi/proxy/jsonrpc/headers';
import type { ItemResult, ParsedBody, ValidItem } from '@jussi/proxy/jsonrpc/items';
import { parseBody, parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import { upstreamPayload } from '@jussi/proxy/jsonrpc/payload';
import type { JsonValue, Urn } from '@jussi/proxy/jsonrpc/types';
import { invalidRequestFrom, parseUrn } from '@jussi/proxy/jsonrpc/urn';
import { NULL_ID, batchAnswer, errorAnswer, newErrorId } from '@jussi/proxy/jsonrpc/wire';
import { conformanceFile } from '../support/repo.js';
import { stableAnswer } from './compare.js';
import { type Outcome, PASS, all, defineSuite, expectEqual, fail, jussiVectorsPresent, runConformance } from './harness.js';

/** The request id every HTTP-level vector assumes the client sent (vectors README). */
const REQUEST_ID = '123';

interface UrnCase {
  readonly request: Record<string, JsonValue>;
  readonly namespace?: string;
  readonly api?: string | null;
  readonly method?: string;
  readonly params_absent?: boolean;
  readonly params?: JsonValue;
  readonly urn?: string;
  readonly response_headers?: Record<string, string>;
  readonly error?: { readonly internal_exception: string; readonly response: JsonValue };
  readonly source: string;
}

interface DispatchCall {
  readonly urn: string;
  readonly upstream_request: Record<string, JsonValue>;
  readonly upstream_id_is_deterministic: boolean;
}

interface ValidationCase {
  readonly body: string;
  readonly valid: boolean;
  readonly expected_response?: JsonValue;
  readonly dispatch?: { readonly kind: 'single' | 'batch'; readonly calls: readonly DispatchCall[] };
  readonly note?: string;
  readonly source: string;
}

/** Which routing decides: the routing suites own these (unknown namespace -> no upstream URL). */
const ROUTING_NOTE = /unknown namespace|unroutable|without url prefix/;

function singleValidItem(body: string): ValidItem | string {
  const parsed = parseBodyText(body);
  if (parsed.kind !== 'single') return `body parsed as ${parsed.kind}`;
  if (!parsed.item.ok) return `refused: ${parsed.item.error.reason ?? ''}`;
  return parsed.item;
}

/** What the pipeline would answer for an item, as far as this layer decides it. */
function itemAnswer(item: ItemResult): string {
  if (!item.ok) return errorAnswer(item.idText, item.error, newErrorId(), REQUEST_ID);
  const urn = parseUrn(item);
  if (!urn.ok) return errorAnswer(item.idText, invalidRequestFrom(urn.error), newErrorId(), REQUEST_ID);
  return JSON.stringify({ dispatched: urn.urn.key });
}

function bodyAnswer(parsed: ParsedBody): string {
  if (parsed.kind === 'rejected') return errorAnswer(NULL_ID, parsed.error, newErrorId(), REQUEST_ID);
  if (parsed.kind === 'single') return itemAnswer(parsed.item);
  return batchAnswer(parsed.items.map(itemAnswer));
}

const EXCEPTION_KIND: Record<string, string> = {
  InvalidNamespaceError: 'InvalidNamespace',
  InvalidNamespaceAPIError: 'InvalidNamespaceApi',
};

const urnSuite = defineSuite<UrnCase>({
  file: 'urn_cases.json',
  check(c): Outcome {
    const item = singleValidItem(JSON.stringify(c.request));
    if (typeof item === 'string') return fail(item);
    const result = parseUrn(item);
    if (c.error !== undefined) {
      if (result.ok) return fail(`parsed as ${result.urn.key}, expected ${c.error.internal_exception}`);
      const answer = JSON.parse(errorAnswer(item.idText, invalidRequestFrom(result.error), newErrorId(), REQUEST_ID)) as unknown;
      return all(
        expectEqual(result.error.kind, EXCEPTION_KIND[c.error.internal_exception], 'URN error kind'),
        expectEqual(stableAnswer(answer), c.error.response, 'error answer'),
      );
    }
    if (!result.ok) return fail(`URN error ${result.error.message} (${result.error.reason ?? ''})`);
    const urn = result.urn;
    const headers = urnHeaders(urn);
    const expected = c.response_headers ?? {};
    return all(
      expectEqual(urn.namespace, c.namespace, 'namespace'),
      expectEqual(urn.api ?? null, c.api, 'api'),
      expectEqual(urn.method, c.method, 'method'),
      expectEqual(urn.hasParams, c.params_absent !== true, 'params present'),
      c.params_absent === true ? expectEqual(urn.params, undefined, 'params') : expectEqual(urn.params, c.params, 'params'),
      expectEqual(urn.key, c.urn, 'URN string'),
      expectEqual(headers['x-jussi-namespace'], expected['x-jussi-namespace'], 'header x-jussi-namespace'),
      expectEqual(headers['x-jussi-api'], expected['x-jussi-api'], 'header x-jussi-api'),
      expectEqual(headers['x-jussi-method'], expected['x-jussi-method'], 'header x-jussi-method'),
    );
  },
});

const PARAMS_HEADER_SUITE = 'urn_cases.json x-jussi-params';

const paramsHeaderSuite = defineSuite<UrnCase>({
  file: 'urn_cases.json',
  name: PARAMS_HEADER_SUITE,
  select: (c) => c.error === undefined,
  check(c): Outcome {
    const item = singleValidItem(JSON.stringify(c.request));
    if (typeof item === 'string') return fail(item);
    const result = parseUrn(item);
    if (!result.ok) return fail(result.error.message);
    return expectEqual(urnHeaders(result.urn)['x-jussi-params'], c.response_headers?.['x-jussi-params'], 'header x-jussi-params');
  },
});

function checkRejected(c: ValidationCase): Outcome {
  const answer = JSON.parse(bodyAnswer(parseBody(Buffer.from(c.body, 'utf8')))) as unknown;
  return expectEqual(stableAnswer(answer), c.expected_response, 'answer');
}

function checkAccepted(c: ValidationCase): Outcome {
  const parsed = parseBody(Buffer.from(c.body, 'utf8'));
  const dispatch = c.dispatch;
  if (dispatch === undefined) return fail('vector has no dispatch block');
  if (parsed.kind !== dispatch.kind) return fail(`parsed as ${parsed.kind}, expected ${dispatch.kind}`);
  const items = parsed.kind === 'single' ? [parsed.item] : parsed.kind === 'batch' ? parsed.items : [];
  if (items.length !== dispatch.calls.length) return fail(`${items.length} items for ${dispatch.calls.length} calls`);
  for (const [k, call] of dispatch.calls.entries()) {
    const item = items[k];
    if (item === undefined || !item.ok) return fail(`item ${k} refused: ${item?.ok === false ? item.error.reason ?? '' : ''}`);
    const urn = parseUrn(item);
    if (!urn.ok) return fail(`item ${k}: URN error ${urn.error.message}`);
    // The upstream id is the proxy's to choose (ARCHITECTURE item 12): use jussi's where it is determined.
    const expectedId = call.upstream_id_is_deterministic ? call.upstream_request.id : 987654321;
    const upstreamId = typeof expectedId === 'number' ? expectedId : 987654321;
    const sent = JSON.parse(upstreamPayload(item, upstreamId)) as unknown;
    const outcome = all(
      expectEqual(urn.urn.key, call.urn, `item ${k} URN`),
      expectEqual(sent, { ...call.upstream_request, id: upstreamId }, `item ${k} upstream request`),
    );
    if (!outcome.ok) return outcome;
  }
  return PASS;
}

const validationSuite = defineSuite<ValidationCase>({
  file: 'validation_cases.json',
  select: (c) => !ROUTING_NOTE.test(c.note ?? ''),
  check: (c) => (c.valid ? checkAccepted(c) : checkRejected(c)),
});

// This project's own vectors (vectors/number_spelling_cases.json, made with ujson 5): numbers in
// params as jussi spells them in the URN, the cache key, x-jussi-cache-hit and the upstream body.
interface NumberSpellingCase {
  readonly source: string;
  readonly body: string;
  readonly urn: string;
  readonly upstream_body: string;
  readonly response_headers: Readonly<Record<string, string>>;
}

function numberSpellingUrn(c: NumberSpellingCase): { item: ValidItem; urn: Urn } | Outcome {
  const item = singleValidItem(c.body);
  if (typeof item === 'string') return fail(item);
  const result = parseUrn(item);
  if (!result.ok) return fail(`URN error ${result.error.message}`);
  return { item, urn: result.urn };
}

const numberSpellingSuite = defineSuite<NumberSpellingCase>({
  file: 'number_spelling_cases.json',
  source: 'project',
  cases: (data) => (data as { cases: NumberSpellingCase[] }).cases,
  caseId: (c) => c.source,
  check(c): Outcome {
    const parsed = numberSpellingUrn(c);
    if ('ok' in parsed) return parsed;
    const { item, urn } = parsed;
    const headers = urnHeaders(urn);
    const expected = c.response_headers;
    return all(
      expectEqual(urn.key, c.urn, 'urn'),
      // The vectors' client id is 1, which is also jussi's upstream id for it.
      expectEqual(upstreamPayload(item, 1), c.upstream_body, 'upstream body'),
      ...(['x-jussi-namespace', 'x-jussi-api', 'x-jussi-method'] as const).map((h) => expectEqual(headers[h], expected[h], `header ${h}`)),
      expectEqual(cacheHitHeader(urn.key), expected['x-jussi-cache-hit'], 'header x-jussi-cache-hit'),
    );
  },
});

const numberSpellingParamsHeaderSuite = defineSuite<NumberSpellingCase>({
  file: 'number_spelling_cases.json',
  name: 'number_spelling_cases.json x-jussi-params',
  source: 'project',
  cases: (data) => (data as { cases: NumberSpellingCase[] }).cases,
  caseId: (c) => c.source,
  check(c): Outcome {
    const parsed = numberSpellingUrn(c);
    if ('ok' in parsed) return parsed;
    return expectEqual(urnHeaders(parsed.urn)['x-jussi-params'], c.response_headers['x-jussi-params'], 'header x-jussi-params');
  },
});

test('jussi conformance: JSON-RPC layer', async (t) => {
  await runConformance(t, [urnSuite, paramsHeaderSuite, validationSuite, numberSpellingSuite, numberSpellingParamsHeaderSuite]);
});

// The harness counts listed differences without looking at them; these prove each one is the
// deliberate behaviour and nothing else.
test('deliberate differences are exactly the documented behaviour', async (t) => {
  if (!jussiVectorsPresent()) {
    t.skip('conformance vectors absent');
    return;
  }
  await t.test('x-jussi-params is compact ASCII-only JSON of the URN params (item 8)', () => {
    for (const c of conformanceFile<UrnCase[]>('urn_cases.json')) {
      if (c.error !== undefined || c.params_absent === true) continue;
      const item = singleValidItem(JSON.stringify(c.request));
      assert.ok(typeof item !== 'string', item as string);
      const result = parseUrn(item);
      assert.ok(result.ok);
      const header = urnHeaders(result.urn)['x-jussi-params'];
      assert.match(header, /^[\x20-\x7e]*$/);
      if (header.endsWith('...')) assert.equal(header, paramsHeader(result.urn.paramsText ?? ''));
      else assert.deepEqual(JSON.parse(header), c.params, c.source);
    }
  });

  await t.test('a batch with bad elements answers each element on its own (item 4)', () => {
    for (const c of conformanceFile<ValidationCase[]>('validation_cases.json')) {
      if (c.valid || ROUTING_NOTE.test(c.note ?? '')) continue;
      const parsed = parseBody(Buffer.from(c.body, 'utf8'));
      if (parsed.kind !== 'batch') continue;
      const elements = JSON.parse(c.body) as unknown[];
      assert.equal(parsed.items.length, elements.length);
      for (const [k, item] of parsed.items.entries()) {
        const element = elements[k];
        const answer = JSON.parse(itemAnswer(item)) as { id?: unknown; error?: { code: number } };
        if (answer.error === undefined) continue;
        assert.equal(answer.error.code, -32600, `${c.source} element ${k}`);
        const ownId = typeof element === 'object' && element !== null && !Array.isArray(element) && 'id' in element ? element.id : null;
        assert.deepEqual(answer.id, ownId, `${c.source} element ${k}`);
      }
      assert.ok(parsed.items.some((i) => !i.ok), c.source);
    }
  });
});
