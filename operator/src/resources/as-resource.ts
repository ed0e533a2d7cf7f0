// Narrows an object from the Kubernetes API (client-node hands custom objects over as `any`) or
// from a YAML manifest to a JussiResource. Only the envelope is checked here: the spec is checked
// by render, which turns a bad spec into a verdict instead of dropping the resource.

import { GROUP_VERSION } from '../names.js';
import { isRecord } from './field-problem.js';
import type { JussiResource } from './types.js';

const KINDS: ReadonlySet<string> = new Set(['JsonRpcUpstream', 'CacheRule', 'RateLimitPolicy']);

/**
 * The resource, or null when `value` is not a jussi.io/v1alpha1 JsonRpcUpstream, CacheRule or RateLimitPolicy
 * with a name. `defaultNamespace` fills in a missing metadata.namespace (as kubectl does for a
 * manifest without one).
 */
export function asJussiResource(value: unknown, defaultNamespace?: string): JussiResource | null {
  if (!isRecord(value) || value['apiVersion'] !== GROUP_VERSION) return null;
  const kind = value['kind'];
  if (typeof kind !== 'string' || !KINDS.has(kind)) return null;
  const meta = value['metadata'];
  if (!isRecord(meta) || typeof meta['name'] !== 'string' || meta['name'] === '') return null;
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : defaultNamespace;
  if (namespace === undefined || namespace === '') return null;
  const metadata: Record<string, unknown> = { ...meta, namespace };
  // Fields of the wrong type are dropped rather than trusted (render treats them as absent).
  if (typeof metadata['generation'] !== 'number') delete metadata['generation'];
  for (const key of ['creationTimestamp', 'deletionTimestamp', 'uid', 'resourceVersion']) {
    if (typeof metadata[key] !== 'string') delete metadata[key];
  }
  // The spec and status keep their shape unchecked on purpose (see above).
  return { ...value, metadata } as unknown as JussiResource;
}
