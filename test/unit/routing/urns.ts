// Hand-built URNs for routing and limits unit tables. Params here are plain ASCII values whose
// jussi text is JSON.stringify with "/" escaped and top-level keys sorted; the exact ujson text
// of arbitrary params is the URN parser's job and is covered by the conformance suites.
import type { JsonValue, Urn } from '@jussi/proxy/jsonrpc/types';

function paramsTextOf(params: JsonValue): string {
  const sorted =
    typeof params === 'object' && params !== null && !Array.isArray(params)
      ? Object.fromEntries(Object.keys(params).sort().map((k) => [k, params[k] as JsonValue]))
      : params;
  return JSON.stringify(sorted).replace(/\//g, '\\/');
}

export function urn(namespace: string, api: string | undefined, method: string, ...rest: [] | [JsonValue]): Urn {
  const hasParams = rest.length === 1;
  const params = rest[0];
  const paramsText = hasParams ? paramsTextOf(params as JsonValue) : undefined;
  const key = [namespace, api, method, paramsText === undefined ? undefined : `params=${paramsText}`]
    .filter((p): p is string => p !== undefined)
    .join('.');
  return { namespace, api, method, params, hasParams, paramsText, key };
}
