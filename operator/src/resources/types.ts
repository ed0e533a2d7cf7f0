// The custom resources as the operator sees them (group jussi.io, version v1alpha1). The CRD
// schemas in crds/ are the authority on validation; these types describe the same shapes.

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
}

export interface Condition {
  readonly type: 'Accepted' | 'Programmed' | string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

// --- JsonRpcUpstream ------------------------------------------------------------------------

export interface UpstreamRoute {
  /** Method prefix (jussi URN prefix), starting with spec.namespace. */
  readonly prefix: string;
  /** Exactly one of url / urls. */
  readonly url?: string;
  /** Ordered failover list: idempotent reads try the next URL when one fails. */
  readonly urls?: readonly string[];
}

export interface UpstreamTimeout {
  readonly prefix: string;
  /** Seconds; 0 = no per-prefix timeout (the proxy's global response timeout still applies). */
  readonly seconds: number;
}

export interface UpstreamPool {
  readonly httpConnections?: number;
  readonly websocketMin?: number;
  readonly websocketMax?: number;
}

export interface JsonRpcUpstreamSpec {
  /** The JSON-RPC namespace served (jussi's upstream `name`): not ending in _api, not jsonrpc. */
  readonly namespace: string;
  readonly translateToAppbase?: boolean;
  readonly routes: readonly UpstreamRoute[];
  readonly timeouts?: readonly UpstreamTimeout[];
  readonly pool?: UpstreamPool;
}

export interface UpstreamPoolStatus {
  readonly url: string;
  readonly size: number;
  readonly active: number;
  readonly idle: number;
  readonly pending: number;
  /** Proxies reporting this URL healthy, out of those reporting it. */
  readonly healthyProxies: number;
  readonly reportingProxies: number;
  readonly healthy: boolean;
  readonly lastError?: string;
}

export interface ProxiesStatus {
  readonly total: number;
  readonly ready: number;
  /** Ready proxies whose config holds this resource's current generation. */
  readonly programmed: number;
}

export interface JsonRpcUpstreamStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  /** "programmed/total", shown in the Programmed printer column (e.g. "2/3"). */
  readonly programmedProxies?: string;
  readonly proxies?: ProxiesStatus;
  /** Injected sidecars (counted from their config long-polls), apart from the gateway proxies. */
  readonly sidecars?: ProxiesStatus;
  /** Number of routes (the Routes printer column). */
  readonly routeCount?: number;
  readonly pools?: readonly UpstreamPoolStatus[];
}

export interface JsonRpcUpstream {
  readonly apiVersion: 'jussi.io/v1alpha1';
  readonly kind: 'JsonRpcUpstream';
  readonly metadata: ObjectMeta;
  readonly spec: JsonRpcUpstreamSpec;
  readonly status?: JsonRpcUpstreamStatus;
}

// --- CacheRule ------------------------------------------------------------------------------

export type TtlPolicy = 'Seconds' | 'NoExpiry' | 'NoCache' | 'Irreversible';

export interface CacheRuleEntry {
  readonly prefix: string;
  readonly policy: TtlPolicy;
  /** Only (and required) with policy Seconds. */
  readonly seconds?: number;
}

export interface CacheRuleSpec {
  readonly rules: readonly CacheRuleEntry[];
}

export interface CacheRuleFigures {
  readonly prefix: string;
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses), as a decimal string with 4 digits ("0.8123"); "0" with no traffic. */
  readonly hitRatio: string;
}

export interface CacheRuleStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly programmedProxies?: string;
  readonly proxies?: ProxiesStatus;
  /** Injected sidecars (counted from their config long-polls), apart from the gateway proxies. */
  readonly sidecars?: ProxiesStatus;
  /** Number of rules (the Rules printer column). */
  readonly ruleCount?: number;
  readonly rules?: readonly CacheRuleFigures[];
}

export interface CacheRule {
  readonly apiVersion: 'jussi.io/v1alpha1';
  readonly kind: 'CacheRule';
  readonly metadata: ObjectMeta;
  readonly spec: CacheRuleSpec;
  readonly status?: CacheRuleStatus;
}

// --- RateLimitPolicy ------------------------------------------------------------------------

/** What a bucket counts per: the client address, the API key or token subject, or everyone. */
export type RateLimitKey = 'Client' | 'Subject' | 'Global';

export interface RateLimitBucketSpec {
  /** Unique across RateLimitPolicies; labels jussi_rate_limited_total and error data. */
  readonly name: string;
  readonly key: RateLimitKey;
  /** Calls per periodSeconds on average. */
  readonly limit: number;
  readonly periodSeconds?: number;
  /** Calls at once after a quiet spell (default: limit). */
  readonly burst?: number;
  /** Method prefixes counted (default: every method). */
  readonly prefixes?: readonly string[];
  /** Tiers counted (default: every tier). */
  readonly tiers?: readonly string[];
}

export interface RateLimitPolicySpec {
  readonly buckets: readonly RateLimitBucketSpec[];
}

export interface RateLimitBucketFigures {
  readonly name: string;
  /** Calls refused by this bucket, summed over the proxies reporting (since each started). */
  readonly limited: number;
}

export interface RateLimitPolicyStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly programmedProxies?: string;
  readonly proxies?: ProxiesStatus;
  /** Injected sidecars (counted from their config long-polls), apart from the gateway proxies. */
  readonly sidecars?: ProxiesStatus;
  /** Number of buckets (the Buckets printer column). */
  readonly bucketCount?: number;
  /** Ready proxies limiting locally because Redis is unusable (0 when all share their buckets). */
  readonly localProxies?: number;
  readonly buckets?: readonly RateLimitBucketFigures[];
}

export interface RateLimitPolicy {
  readonly apiVersion: 'jussi.io/v1alpha1';
  readonly kind: 'RateLimitPolicy';
  readonly metadata: ObjectMeta;
  readonly spec: RateLimitPolicySpec;
  readonly status?: RateLimitPolicyStatus;
}

export type JussiResource = JsonRpcUpstream | CacheRule | RateLimitPolicy;
