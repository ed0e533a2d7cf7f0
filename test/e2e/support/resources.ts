// Building and awaiting the custom resources of a test: a JsonRpcUpstream and a CacheRule for one
// JSON-RPC namespace served by the fake upstream, and waits on their conditions that always
// compare observedGeneration with the current generation (PATTERNS.md §7).
import { API_GROUP, API_VERSION, CACHE_RULE_KIND, UPSTREAM_KIND } from '@jussi/operator/names';
import type { CacheRuleEntry, UpstreamRoute } from '@jussi/operator/resources/types';
import { currentCondition, describeConditions, type Cluster, type CustomResourceView, type Plural } from './cluster.js';
import { MINUTE, until } from './wait.js';

export interface ResourceBody {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: Record<string, unknown>;
  readonly [field: string]: unknown;
}

export function upstreamResource(name: string, namespace: string, rpcNamespace: string, routes: readonly UpstreamRoute[], timeoutSeconds = 10): ResourceBody {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: UPSTREAM_KIND,
    metadata: { name, namespace },
    spec: { namespace: rpcNamespace, routes, timeouts: [{ prefix: rpcNamespace, seconds: timeoutSeconds }] },
  };
}

export function cacheRuleResource(name: string, namespace: string, rules: readonly CacheRuleEntry[]): ResourceBody {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: CACHE_RULE_KIND,
    metadata: { name, namespace },
    spec: { rules },
  };
}

/** Waits until the condition describes the current generation with the wanted status (and reason). */
export async function waitForCondition(
  cluster: Cluster, plural: Plural, namespace: string, name: string,
  type: string, status: 'True' | 'False', reason?: string, timeoutMs = 3 * MINUTE,
): Promise<CustomResourceView> {
  return until(`${plural} ${namespace}/${name} ${type}=${status}${reason ? `/${reason}` : ''}`, async () => {
    const cr = await cluster.getResource(plural, namespace, name);
    if (cr === undefined) return { value: undefined, seen: 'not found' };
    const c = currentCondition(cr, type);
    const ok = c !== undefined && c.status === status && (reason === undefined || c.reason === reason);
    return { value: ok ? cr : undefined, seen: describeConditions(cr) };
  }, timeoutMs);
}

/** Accepted, then Programmed on every ready proxy ("n/n"), for the current generation. */
export async function waitProgrammed(cluster: Cluster, plural: Plural, namespace: string, name: string, timeoutMs = 3 * MINUTE): Promise<CustomResourceView> {
  await waitForCondition(cluster, plural, namespace, name, 'Accepted', 'True', undefined, timeoutMs);
  return waitForCondition(cluster, plural, namespace, name, 'Programmed', 'True', undefined, timeoutMs);
}
