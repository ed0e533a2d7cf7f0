// Answer checks: a system is measured only after it answered correctly (and is checked again
// afterwards), so a broken system can never report a fast but wrong number.

import { isDeepStrictEqual } from 'node:util';
import { blockId } from './steem-chain.js';

/** null when the answer is right, else what is wrong with it. */
export type AnswerCheck = (status: number, text: string) => string | null;

function excerpt(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The answer must be HTTP 200 and the same JSON as `expected` (member order aside). */
export function sameJson(expected: string): AnswerCheck {
  const want = JSON.parse(expected) as unknown;
  return (status, text) => {
    if (status !== 200) return `HTTP ${status}: ${excerpt(text)}`;
    const got = parse(text);
    if (!got.ok) return `not JSON: ${excerpt(text)}`;
    return isDeepStrictEqual(got.value, want) ? null : `unexpected answer: ${excerpt(text)}`;
  };
}

type JsonRecord = Record<string, unknown>;
const isRecord = (v: unknown): v is JsonRecord => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The block number a get_block request asks for, or null for other requests. */
function requestedBlock(request: JsonRecord): number | null {
  const method = request['method'];
  if (typeof method !== 'string' || !method.endsWith('get_block')) return null;
  const params = request['params'];
  const n = Array.isArray(params) ? params[0] : isRecord(params) ? params['block_num'] : undefined;
  return typeof n === 'number' ? n : null;
}

function checkItem(request: JsonRecord, answer: unknown): string | null {
  if (!isRecord(answer)) return `answer item is not an object: ${excerpt(JSON.stringify(answer))}`;
  if (answer['error'] !== undefined) return `error answer: ${excerpt(JSON.stringify(answer))}`;
  if (!('result' in answer)) return `answer without result: ${excerpt(JSON.stringify(answer))}`;
  if (!isDeepStrictEqual(answer['id'], request['id'])) return `answer id ${JSON.stringify(answer['id'])} for request id ${JSON.stringify(request['id'])}`;
  const block = requestedBlock(request);
  if (block !== null) {
    const result = answer['result'];
    const inner = isRecord(result) && isRecord(result['block']) ? result['block'] : result;
    // Blocks past the head are null on a real chain too.
    if (inner !== null && (!isRecord(inner) || inner['block_id'] !== blockId(block))) return `get_block ${block} answered another block: ${excerpt(JSON.stringify(result))}`;
  }
  return null;
}

/** An answer of the realistic mix: results (not errors) for every item, ids and blocks matching. */
export function mixAnswerCheck(requestText: string): AnswerCheck {
  const request = JSON.parse(requestText) as unknown;
  return (status, text) => {
    if (status !== 200) return `HTTP ${status}: ${excerpt(text)}`;
    const got = parse(text);
    if (!got.ok) return `not JSON: ${excerpt(text)}`;
    if (Array.isArray(request)) {
      if (!Array.isArray(got.value) || got.value.length !== request.length) return `batch of ${request.length} answered with ${excerpt(text)}`;
      for (let i = 0; i < request.length; i++) {
        const problem = checkItem(request[i] as JsonRecord, got.value[i]);
        if (problem !== null) return `item ${i}: ${problem}`;
      }
      return null;
    }
    return checkItem(request as JsonRecord, got.value);
  };
}
