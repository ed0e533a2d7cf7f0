// The validation rules of the CRDs (crds/*.yaml), restated for the operator: render checks every
// resource again, because a resource may predate the current CRD or come from a test, and one bad
// resource must be left out with a reason rather than break the document. Keep these in step
// with the CRD schemas; test/crds checks that every invalid CRD fixture is also rejected here.

/** spec.namespace: a JSON-RPC namespace, jussi's upstream `name`. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]+$/;
export const NAMESPACE_MAX_LENGTH = 63;

/** A jussi URN prefix: a namespace, then non-empty dot-separated components. */
export const PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[^.]+)*$/;
export const PREFIX_MAX_LENGTH = 1024;

/** Absolute http/https/ws/wss URL with a host (the CRDs' OpenAPI pattern, same expression). */
export const URL_PATTERN = /^(https?|wss?):\/\/[^/?#\s]+([/?#]\S*)?$/;
export const URL_MAX_LENGTH = 2048;

export const ROUTES_MAX = 256;
export const FAILOVER_URLS_MAX = 8;
export const TIMEOUTS_MAX = 256;
export const TIMEOUT_SECONDS_MAX = 3600;
export const RULES_MAX = 512;
export const TTL_SECONDS_MAX = 31_536_000;

export const POOL_LIMITS = {
  httpConnections: { min: 1, max: 1024 },
  websocketMin: { min: 0, max: 256 },
  websocketMax: { min: 1, max: 256 },
} as const;

/** Why a JSON-RPC namespace name is unusable, or null. */
export function namespaceProblem(value: string): string | null {
  if (value.length === 0 || value.length > NAMESPACE_MAX_LENGTH || !NAMESPACE_PATTERN.test(value)) {
    return `must be 1 to ${NAMESPACE_MAX_LENGTH} letters, digits, "_" or "-" (got ${JSON.stringify(value)})`;
  }
  if (value.endsWith('_api')) {
    return 'must not end with _api: jussi routes X_api.method to the appbase namespace, so serve appbase instead';
  }
  if (value === 'jsonrpc') {
    return 'must not be jsonrpc: jussi routes jsonrpc.method to the appbase namespace, so serve appbase instead';
  }
  return null;
}

/** Why a prefix is malformed, or null. Dead-but-wellformed prefixes are the proxy validator's call. */
export function prefixProblem(value: string): string | null {
  if (value.length === 0 || value.length > PREFIX_MAX_LENGTH || !PREFIX_PATTERN.test(value)) {
    return `must be a namespace followed by non-empty "."-separated components, at most ${PREFIX_MAX_LENGTH} characters (got ${JSON.stringify(value)})`;
  }
  return null;
}

/** The namespace a prefix belongs to: its first component. */
export function prefixNamespace(prefix: string): string {
  const dot = prefix.indexOf('.');
  return dot < 0 ? prefix : prefix.slice(0, dot);
}

/** True when `prefix` is `namespace` itself or lies inside it (component-wise). */
export function prefixInNamespace(prefix: string, namespace: string): boolean {
  return prefix === namespace || prefix.startsWith(`${namespace}.`);
}

export function urlProblem(value: string): string | null {
  if (value.length > URL_MAX_LENGTH || !URL_PATTERN.test(value)) {
    return `must be an absolute http://, https://, ws:// or wss:// URL with a host, for example https://api.steemit.com (got ${JSON.stringify(value.slice(0, 200))})`;
  }
  return null;
}
