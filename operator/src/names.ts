// Names shared by the operator, the CRDs, the Helm chart and the tests.

export const API_GROUP = 'jussi.io';
export const API_VERSION = 'v1alpha1';
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const UPSTREAM_KIND = 'JsonRpcUpstream';
export const UPSTREAM_PLURAL = 'jsonrpcupstreams';
export const CACHE_RULE_KIND = 'CacheRule';
export const CACHE_RULE_PLURAL = 'cacherules';
export const RATE_LIMIT_POLICY_KIND = 'RateLimitPolicy';
export const RATE_LIMIT_POLICY_PLURAL = 'ratelimitpolicies';

/** Server-side apply field manager for everything the operator writes. */
export const FIELD_MANAGER = 'jussi-operator';

/** Annotation on the published ConfigMap carrying the document's sha256. */
export const CONFIG_HASH_ANNOTATION = 'jussi.io/config-hash';
/** Key of the config document inside the ConfigMap (the proxy's JUSSI_CONFIG_CONFIGMAP_KEY default). */
export const CONFIG_MAP_KEY = 'config.json';
