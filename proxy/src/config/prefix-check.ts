// Finds prefixes that can never match a URN, so a config author learns about them at load time
// instead of wondering why a rule never applies (jussi's DEV_config has several: its
// `params=['/trending']` prefixes use Python repr, while URNs carry ujson text).
//
// Tries match whole components of the URN string split on ".": `namespace[.api].method`, then
// `params=<JSON>` whose text may itself contain dots. A prefix can only match when its name
// components are non-empty, there are at most three of them, and its params text is exactly how
// jussi serialises some valid params value (array, object or null): re-canonicalising the text
// with the URN's own serialiser must leave it unchanged.

import { scanValue } from '../jsonrpc/json-scan.js';
import type { JsonValue } from '../jsonrpc/types.js';
import { ujsonText } from '../jsonrpc/ujson.js';
import { MAX_NESTING_DEPTH } from '../jsonrpc/validate.js';

export const MAX_NAME_COMPONENTS = 3;
const PARAMS_MARK = 'params=';

/** Why `prefix` can never match any URN, or null when it can. */
export function deadPrefixReason(prefix: string): string | null {
  const parts = prefix.split('.');
  // The params component follows at least a namespace and a method.
  let paramsAt = parts.findIndex((p, i) => i >= 2 && p.startsWith(PARAMS_MARK));
  if (paramsAt < 0) paramsAt = parts.length;
  const names = parts.slice(0, paramsAt);
  if (names.some((n) => n === '')) {
    return 'has an empty component (a leading, trailing or doubled "."); URN components are never empty, so it can never match';
  }
  if (names.length > MAX_NAME_COMPONENTS) {
    return `has ${names.length} components before any "params="; a URN has at most ${MAX_NAME_COMPONENTS} (namespace, api, method) and then "params=...", so it can never match`;
  }
  if (paramsAt === parts.length) return null;
  const paramsText = parts.slice(paramsAt).join('.').slice(PARAMS_MARK.length);
  const canonical = canonicalParamsText(paramsText);
  if (canonical === paramsText) return null;
  const head = `has params text ${paramsText} that no request produces`;
  if (canonical !== null) return `${head}; URNs spell these params ${PARAMS_MARK}${canonical}, so it can never match`;
  const fixed = pythonReprGuess(paramsText);
  const hint = fixed === null ? 'URN params are compact JSON such as ["\\/trending"]' : `did you mean ${PARAMS_MARK}${fixed}?`;
  return `${head} (not JSON params: an array, an object or null); ${hint}; it can never match`;
}

/**
 * jussi's URN text for params written as `text`, or null when `text` is not the JSON of valid
 * params (array, object or null, nested at most as deep as requests may be).
 */
export function canonicalParamsText(text: string): string | null {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    return null;
  }
  if (value !== null && typeof value !== 'object') return null;
  const scan = scanValue(text, 0);
  if (scan.depth > MAX_NESTING_DEPTH || !scan.finite) return null;
  return ujsonText({ value, raw: text }, true);
}

/** jussi's DEV_config writes params as Python literals (`['/trending']`): offer the URN form. */
function pythonReprGuess(text: string): string | null {
  if (!text.includes("'") || text.includes('"')) return null;
  const asJson = text.replaceAll("'", '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null');
  return canonicalParamsText(asJson);
}
