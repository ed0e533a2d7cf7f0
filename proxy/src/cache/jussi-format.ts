// jussi's Redis value format, so a jussi fleet and this proxy can share one Redis: the value is
// `zlib.compress(ujson.dumps(answer, ensure_ascii=False).encode('utf8'))` — a zlib stream at
// the default level 6 — of the whole answer `{"id":..,"jsonrpc":"2.0","result":..}`; the LIRB
// key holds a bare JSON number the same way. jussi only ever reads `result` back, so we write
// `"id":null`.

import { deflateSync, inflateSync } from 'node:zlib';
import { isJsonObject } from './answer-validation.js';

/** zlib level 6 (Python's `zlib.compress` default; Node's default is the same). */
export const JUSSI_ZLIB_LEVEL = 6;

/** Bound on an inflated value, so a hostile or corrupt value cannot exhaust memory. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export function deflateText(text: string): Buffer {
  return deflateSync(Buffer.from(text, 'utf8'), { level: JUSSI_ZLIB_LEVEL });
}

/** The text of a zlib stream, or undefined when it is not one. */
export function inflateText(value: Uint8Array): string | undefined {
  try {
    return inflateSync(value, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
  } catch {
    return undefined;
  }
}

/** The Redis value of a cached answer whose `result` is this JSON text. */
export function encodeAnswer(resultText: string): Buffer {
  return deflateText(`{"id":null,"jsonrpc":"2.0","result":${resultText}}`);
}

export interface DecodedAnswer {
  /** The cached `result` as JSON text (the stored text itself when it can be cut out). */
  readonly resultText: string;
  /** The parsed `result` (the decoder parses it anyway to validate it). */
  readonly result: unknown;
}

const RESULT_MEMBER = '"result":';

/**
 * A cached answer written by jussi or by us, when it is one the cache may serve: an object with
 * `result`, without `error`, with no members beyond id/jsonrpc/result (jussi's batch writes
 * stored upstream error answers too: those are misses). Undefined for anything else.
 */
export function decodeAnswer(value: Uint8Array): DecodedAnswer | undefined {
  const text = inflateText(value);
  return text === undefined ? undefined : decodeAnswerText(text);
}

export function decodeAnswerText(text: string): DecodedAnswer | undefined {
  return cutResult(text) ?? parseWhole(text);
}

// Fast path that keeps the stored text of `result` byte for byte (number spellings, big
// integers): `"result":` cannot occur inside a JSON string before it (a quote there is escaped),
// so its first occurrence is the member when only id and jsonrpc (primitives) precede it. The
// head and the cut-out value are each parsed, so whatever is returned is valid JSON.
function cutResult(text: string): DecodedAnswer | undefined {
  const at = text.indexOf(RESULT_MEMBER);
  if (at < 0) return undefined;
  const end = text.trimEnd();
  if (!end.endsWith('}')) return undefined;
  let head: unknown;
  let result: unknown;
  const resultText = end.slice(at + RESULT_MEMBER.length, end.length - 1).trim();
  try {
    head = JSON.parse(`${text.slice(0, at)}"result":null}`);
    result = JSON.parse(resultText);
  } catch {
    return undefined;
  }
  if (!isJsonObject(head)) return undefined;
  for (const k in head) {
    if (k !== 'id' && k !== 'jsonrpc' && k !== 'result') return undefined;
  }
  return { resultText, result };
}

function parseWhole(text: string): DecodedAnswer | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(answer) || !Object.prototype.hasOwnProperty.call(answer, 'result')) return undefined;
  for (const k in answer) {
    if (k !== 'id' && k !== 'jsonrpc' && k !== 'result') return undefined;
  }
  const result = answer['result'];
  return { resultText: JSON.stringify(result), result };
}

/** A bare JSON value (the LIRB key) in jussi's format. */
export function encodeJson(value: unknown): Buffer {
  return deflateText(JSON.stringify(value));
}

/** The JSON value of a jussi-format Redis value, or undefined when it is not one. */
export function decodeJson(value: Uint8Array): unknown {
  const text = inflateText(value);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
