// jussi's cache vectors against our cache policy: block number extraction and the -2 rule
// (irreversible_ttl_cases.json), the response validators (response_validation_cases.json) and
// the effective caching of each TTL rule (the `cache_behaviour` of ttl_cases.json and
// cache_key_cases.json). Differences are ARCHITECTURE items 1–3, listed in
// deliberate-differences.json.
import { test } from 'node:test';
import {
  blockNumFromAnswer,
  isGetBlockHeaderRequest,
  isGetBlockRequest,
  isCacheableAnswer,
  isValidAnswer,
  isValidGetBlockAnswer,
  isValidNonErrorAnswer,
  type UrnParts,
} from '@jussi/proxy/cache/answer-validation';
import { memoryTtlMs, readsCache, writeDecision } from '@jussi/proxy/cache/ttl-policy';
import { parseUrn } from '@jussi/proxy/jsonrpc/urn';
import type { JsonRpcRequest, JsonValue } from '@jussi/proxy/jsonrpc/types';
import { defineSuite, expectEqual, fail, runConformance, type Outcome, type SuiteName } from './harness.js';

const JUSSI_MEMORY_MAX_TTL = 180;

// --- irreversible_ttl_cases.json -----------------------------------------------------------

interface IrreversibleCase {
  readonly response: unknown;
  readonly last_irreversible_block_num: unknown;
  readonly expected_ttl: number;
  readonly source: string;
}

interface BlockNumCase {
  readonly response: unknown;
  readonly expected_block_num: number | null;
  readonly source: string;
}

// jussi's irreversible_ttl(response, lirb) applied under a -2 rule, in jussi's TTL terms:
// -1 = not cached, n = seconds, null = no expiry. The request is a block header read (no
// get_block validation), as irreversible_ttl itself does not look at the request.
const HEADER_URN: UrnParts = { namespace: 'steemd', method: 'get_block_header', params: [1000] };

const irreversibleTtl = defineSuite<IrreversibleCase>({
  file: 'irreversible_ttl_cases.json',
  name: 'irreversible_ttl_cases.json#irreversible_ttl',
  cases: (data) => (data as { irreversible_ttl: IrreversibleCase[] }).irreversible_ttl,
  check(c) {
    const lirb = typeof c.last_irreversible_block_num === 'number' ? c.last_irreversible_block_num : null;
    const d = writeDecision({ ttl: -2, urn: HEADER_URN, answer: c.response, lastIrreversibleBlockNum: lirb, irreversibleTtlSeconds: 0 });
    return expectEqual(d.store ? d.ttlSeconds : -1, c.expected_ttl, 'ttl');
  },
});

const blockNum = defineSuite<BlockNumCase>({
  file: 'irreversible_ttl_cases.json',
  name: 'irreversible_ttl_cases.json#block_num_from_response',
  cases: (data) => (data as { block_num_from_response: BlockNumCase[] }).block_num_from_response,
  check: (c) => expectEqual(blockNumFromAnswer(c.response), c.expected_block_num, 'block number'),
});

// --- response_validation_cases.json --------------------------------------------------------

interface ValidationCase {
  readonly function: string;
  readonly args: readonly unknown[];
  readonly expected: boolean;
  readonly source: string;
}

/** A jussi JSONRPCRequest in the vectors: `{"$jsonrpc_request": {...}, "batch_index": n}`. */
class JussiRequest {
  constructor(readonly urn: UrnParts) {}
}

function isMarked(value: unknown, marker: string): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && marker in value;
}

/** Vector encoding → values: requests become their URN (parsed by our URN parser), `$bytes` bytes. */
function decodeArg(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeArg);
  if (isMarked(value, '$bytes')) return new Uint8Array(Buffer.from(String(value['$bytes']), 'utf8'));
  if (isMarked(value, '$jsonrpc_request')) {
    const parsed = parseUrn({ request: value['$jsonrpc_request'] as JsonRpcRequest });
    if (!parsed.ok) throw new Error(`vector request has no URN: ${parsed.error.message}`);
    return new JussiRequest(parsed.urn);
  }
  return value;
}

/**
 * jussi `is_valid_non_error_jussi_response(request, response)` (= `CacheGroup.is_complete_response`):
 * for one request our per-item rule; for a list (jussi's whole-batch check) every item's. Anything
 * that is not a request is False in jussi (the exception path).
 */
function completeResponse(request: unknown, response: unknown): boolean {
  if (request instanceof JussiRequest) return isCacheableAnswer(request.urn, response);
  if (Array.isArray(request)) {
    return Array.isArray(response) && response.length > 0 && request.length === response.length && request.every((r, i) => completeResponse(r, response[i]));
  }
  return false;
}

const asRequest = (v: unknown): JussiRequest | undefined => (v instanceof JussiRequest ? v : undefined);

const VALIDATORS: Readonly<Record<string, (args: readonly unknown[]) => boolean>> = {
  'jussi/validators.py::is_get_block_request': ([r]) => {
    const req = asRequest(r);
    return req !== undefined && isGetBlockRequest(req.urn);
  },
  'jussi/validators.py::is_get_block_header_request': ([r]) => {
    const req = asRequest(r);
    return req !== undefined && isGetBlockHeaderRequest(req.urn);
  },
  'jussi/validators.py::is_valid_get_block_response': ([r, response]) => {
    const req = asRequest(r);
    return req !== undefined && isValidGetBlockAnswer(req.urn, response);
  },
  'jussi/validators.py::is_valid_single_jsonrpc_response': ([response]) => isValidAnswer(response),
  'jussi/validators.py::is_valid_non_error_single_jsonrpc_response': ([response]) => isValidNonErrorAnswer(response),
  'jussi/validators.py::is_valid_non_error_jussi_response': ([request, response]) => completeResponse(request, response),
  'jussi/cache/cache_group.py::CacheGroup.is_complete_response (= validators.is_valid_non_error_jussi_response)': ([request, response]) =>
    completeResponse(request, response),
};

const responseValidation = defineSuite<ValidationCase>({
  file: 'response_validation_cases.json',
  check(c): Outcome {
    const validator = VALIDATORS[c.function];
    if (validator === undefined) return fail(`no adapter for ${c.function}`);
    return expectEqual(validator(c.args.map(decodeArg)), c.expected, c.function);
  },
});

// --- cache_behaviour of ttl_cases.json / cache_key_cases.json ------------------------------

interface BehaviourCase {
  readonly ttl: number | null;
  readonly cache_behaviour: Record<string, unknown> | null;
  readonly source: string;
}

type Behaviour = { cached: false } | { cached: true | 'if_irreversible'; memory_seconds: number; redis_ex: number | null };

const VALID_ANSWER = { id: 1, jsonrpc: '2.0', result: { value: 1 } };
const PLAIN_URN: UrnParts = { namespace: 'appbase', method: 'get_accounts', params: [['a']] as JsonValue };

/** What our cache does for a valid answer under a rule, in the vectors' terms. */
function behaviourFor(ttl: number | null): Behaviour {
  if (!readsCache(ttl)) return { cached: false };
  const irreversible = ttl === -2;
  // Under -2, a valid answer is cached when its block is irreversible: show that case.
  const answer = irreversible ? { ...VALID_ANSWER, result: { block_id: '00000001ffff' } } : VALID_ANSWER;
  const d = writeDecision({ ttl, urn: PLAIN_URN, answer, lastIrreversibleBlockNum: irreversible ? 1 : null, irreversibleTtlSeconds: 0 });
  if (!d.store) return { cached: false };
  return {
    cached: irreversible ? 'if_irreversible' : true,
    memory_seconds: memoryTtlMs(d.ttlSeconds, JUSSI_MEMORY_MAX_TTL) / 1000,
    redis_ex: d.ttlSeconds,
  };
}

function behaviourSuite(file: string, name: SuiteName) {
  return defineSuite<BehaviourCase>({
    file,
    name,
    caseId: (c, i) => `ttl=${String(c.ttl)} ${c.source}#${i}`,
    select: (c) => c.cache_behaviour !== null && c.cache_behaviour !== undefined,
    check(c) {
      const { note: _note, ...expected } = c.cache_behaviour ?? {};
      return expectEqual(behaviourFor(c.ttl), expected, 'cache behaviour');
    },
  });
}

test('jussi cache conformance', async (t) => {
  await runConformance(t, [irreversibleTtl, blockNum, responseValidation, behaviourSuite('ttl_cases.json', 'ttl_cases.json#cache_behaviour'), behaviourSuite('cache_key_cases.json', 'cache_key_cases.json#cache_behaviour')]);
});
