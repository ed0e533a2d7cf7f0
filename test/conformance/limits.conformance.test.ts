// jussi conformance of the limits: limits_unit_cases (custom_json size and blacklist on
// operation lists) and limits_cases at the level of "which error code and message (or none)
// does this request get". limits_cases are HTTP-level in jussi: a failing batch item rejects
// the whole batch with one error object (id null), while we answer per item (ARCHITECTURE
// item 4); the code and message are the same, so a batch is compared by the first error in
// jussi's check order. The `dispatch` blocks belong to the pipeline.
import { test } from 'node:test';
import type { Limits } from '@jussi/proxy/config/document';
import type { RpcError } from '@jussi/proxy/jsonrpc/errors';
import { parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import type { JsonValue } from '@jussi/proxy/jsonrpc/types';
import { parseUrn } from '@jussi/proxy/jsonrpc/urn';
import { checkAccountHistory } from '@jussi/proxy/limits/account-history';
import { batchSizeLimit, checkBatchSize } from '@jussi/proxy/limits/batch-size';
import { checkBroadcast, checkOperations } from '@jussi/proxy/limits/broadcast';
import { resolveItem } from '@jussi/proxy/routing/resolve';
import { buildRoutingTable } from '@jussi/proxy/routing/routing-table';
import { conformanceConfig as config, defineSuite, expectEqual, fail, runConformance, type Outcome } from './harness.js';


type Verdict = { code: number; message: string } | null;

function verdict(e: RpcError | null): Verdict {
  return e === null ? null : { code: e.code, message: e.message };
}

interface UnitCase {
  function: string;
  ops: JsonValue;
  size_limit?: number;
  blacklist_accounts?: string[];
  raises: string | null;
}

const unitSuite = defineSuite<UnitCase>({
  file: 'limits_unit_cases.json',
  check: (c) => {
    const sizeOnly = c.function.endsWith('limit_custom_json_op_length');
    const limits: Pick<Limits, 'customJsonOpLength' | 'accountsBlacklist'> = sizeOnly
      ? { customJsonOpLength: c.size_limit ?? 8192, accountsBlacklist: new Set() }
      : { customJsonOpLength: Number.MAX_SAFE_INTEGER, accountsBlacklist: new Set(c.blacklist_accounts ?? []) };
    const e = checkOperations(c.ops, limits);
    const expected = c.raises === null ? null : Number(/\((\d+)\)/.exec(c.raises)?.[1]);
    return expectEqual(e?.code ?? null, expected, 'raises');
  },
});

interface LimitsCase {
  request: unknown;
  config: string;
  jsonrpc_batch_size_limit: number;
  rejected: boolean;
  expected_response?: { error: { code: number; message: string } };
  source: string;
  note?: string;
}

/**
 * What the request gets from our limits: the batch size check, then per item (URN, route with
 * translation, limits on the final URN) in jussi's order: every item's broadcast check before
 * any item's account-history check.
 */
function ourVerdict(c: LimitsCase): Verdict | { failure: string } {
  const cfg = config(c.config);
  const table = buildRoutingTable(cfg, { accountTransferUrl: null, responseTimeoutMs: 65_000 });
  const body = parseBodyText(JSON.stringify(c.request));
  if (body.kind === 'rejected') return { failure: `body rejected: ${JSON.stringify(body.error)}` };
  const items = body.kind === 'single' ? [body.item] : body.items;
  if (body.kind === 'batch') {
    const size = checkBatchSize(items.length, batchSizeLimit(cfg.limits, c.jsonrpc_batch_size_limit));
    if (size !== null) return verdict(size);
  }
  const finals = [];
  for (const item of items) {
    if (!item.ok) return { failure: `item rejected: ${JSON.stringify(item.error)}` };
    const urn = parseUrn({ request: item.request, params: item.params });
    if (!urn.ok) return { failure: `no URN: ${JSON.stringify(urn.error)}` };
    const resolved = resolveItem(table, item.request, item.params, urn.urn);
    if (!resolved.ok) return verdict(resolved.error);
    finals.push(resolved.item.urn);
  }
  for (const urn of finals) {
    const e = checkBroadcast(urn, cfg.limits);
    if (e !== null) return verdict(e);
  }
  for (const urn of finals) {
    const e = checkAccountHistory(urn, cfg.limits);
    if (e !== null) return verdict(e);
  }
  return null;
}

const limitsSuite = defineSuite<LimitsCase>({
  file: 'limits_cases.json',
  caseId: (c, i) => `${c.source} | ${c.note ?? ''} #${i}`,
  check: (c): Outcome => {
    const ours = ourVerdict(c);
    if (ours !== null && 'failure' in ours) return fail(ours.failure);
    const expected = c.rejected ? { code: c.expected_response?.error.code ?? NaN, message: c.expected_response?.error.message ?? '' } : null;
    return expectEqual(ours, expected, 'error');
  },
});

test('jussi conformance: limits', async (t) => {
  await runConformance(t, [unitSuite, limitsSuite]);
});
