// From the raw request body to requests: UTF-8 check, native JSON.parse for the values, one
// linear scan of the text for the exact spelling of each item's `id` and `params`, then jussi's
// shape rules per item (reference §1; batches per item, ARCHITECTURE item 4).
import { isUtf8 } from 'node:buffer';
import { type RpcError, rpcError } from './errors.js';
import type { ItemResult, ParsedBody } from './items.js';
import { scannedMembers, skipWhitespace, valueEnd } from './json-scan.js';
import { describeJsonType, invalidElement, isJsonObject, validateObject } from './validate.js';

/** JSON.parse messages quote the input; keep the reason short. */
const MAX_SYNTAX_MESSAGE = 200;

function rejected(error: RpcError): ParsedBody {
  return { kind: 'rejected', error };
}

function syntaxMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > MAX_SYNTAX_MESSAGE ? `${message.slice(0, MAX_SYNTAX_MESSAGE)}...` : message;
}

/** Parses a request body as received (bytes). Never throws. */
export function parseBody(raw: Uint8Array): ParsedBody {
  if (!isUtf8(raw)) return rejected(rpcError('ParseError', {}, 'request body is not valid UTF-8'));
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  return parseBodyText(text);
}

/** Parses a request body already decoded from UTF-8. Never throws. */
export function parseBodyText(text: string): ParsedBody {
  const start = skipWhitespace(text, 0);
  if (start === text.length) return rejected(rpcError('ParseError', {}, 'request body is empty'));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return rejected(rpcError('ParseError', {}, `request body is not valid JSON: ${syntaxMessage(err)}`));
  }
  if (isJsonObject(body)) {
    const layout = scannedMembers(text, start);
    return { kind: 'single', item: validateObject(body, 0, text, layout?.members ?? []) };
  }
  if (Array.isArray(body)) {
    if (body.length === 0) {
      return rejected(rpcError('InvalidRequest', {}, 'the batch is empty: send at least one request object'));
    }
    return { kind: 'batch', items: batchItems(body, text, start) };
  }
  const what = describeJsonType(body);
  return rejected(rpcError('InvalidRequest', {}, `request body must be a request object or a non-empty array of them, not ${what}`));
}

function batchItems(body: readonly unknown[], text: string, open: number): ItemResult[] {
  const items: ItemResult[] = new Array<ItemResult>(body.length);
  let i = skipWhitespace(text, open + 1);
  for (let k = 0; k < body.length; k += 1) {
    const element = body[k];
    let end: number;
    if (isJsonObject(element)) {
      const layout = scannedMembers(text, i);
      items[k] = validateObject(element, k, text, layout?.members ?? []);
      end = layout?.end ?? valueEnd(text, i);
    } else {
      items[k] = invalidElement(element, k);
      end = valueEnd(text, i);
    }
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) === 0x2c) i = skipWhitespace(text, i + 1);
  }
  return items;
}
