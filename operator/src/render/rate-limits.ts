// RateLimitPolicies -> the document's `edge.rate_limits` (with the operator's edge settings:
// CORS, auth, trusted proxies), and a verdict per policy. Bucket names are global (they label
// the proxy's metric), so policies claim their bucket names oldest first; a policy naming a
// bucket an older accepted policy already defines is left out whole and told which one won.
// Bucket entries are sorted by name: the text does not depend on the order policies arrive in.

import type { RawEdge, RawRateLimitBucket } from '@jussi/proxy/config/document';
import { checkRateLimitPolicySpec, type CheckedRateLimitSpec } from '../resources/check-rate-limit-policy.js';
import type { FieldProblem } from '../resources/field-problem.js';
import { namespacedName } from '../resources/resource-key.js';
import type { RateLimitPolicy } from '../resources/types.js';
import { compareText } from './age-order.js';
import type { Provenance } from './provenance.js';
import { listForPeople, plural } from './verdict.js';

export interface PolicyCandidate {
  readonly key: string;
  readonly resource: RateLimitPolicy;
  readonly spec: CheckedRateLimitSpec;
}

export interface PolicyConflict {
  readonly winner: string;
  readonly message: string;
}

export function checkPolicy(key: string, resource: RateLimitPolicy): PolicyCandidate | { readonly problems: readonly FieldProblem[] } {
  const checked = checkRateLimitPolicySpec(resource.spec);
  return checked.ok ? { key, resource, spec: checked.spec } : { problems: checked.problems };
}

/** `policies` oldest first: the accepted ones, and a conflict for each left out. */
export function claimBuckets(policies: readonly PolicyCandidate[]): { accepted: PolicyCandidate[]; conflicts: Map<string, PolicyConflict> } {
  const owner = new Map<string, PolicyCandidate>();
  const accepted: PolicyCandidate[] = [];
  const conflicts = new Map<string, PolicyConflict>();
  for (const p of policies) {
    const taken = p.spec.buckets.filter((b) => owner.has(b.name));
    if (taken.length > 0) {
      const winner = namespacedName((owner.get((taken[0] as RawRateLimitBucket).name) as PolicyCandidate).resource);
      const names = listForPeople(taken.map((b) => JSON.stringify(b.name)));
      conflicts.set(p.key, { winner, message: `${taken.length === 1 ? 'bucket' : 'buckets'} ${names} ${taken.length === 1 ? 'is' : 'are'} already defined by the older RateLimitPolicy ${winner}; bucket names are unique across policies, so rename ${taken.length === 1 ? 'it' : 'them'}` });
      continue;
    }
    for (const b of p.spec.buckets) owner.set(b.name, p);
    accepted.push(p);
  }
  return { accepted, conflicts };
}

/**
 * The document's `edge` member: the operator's settings plus the accepted policies' buckets,
 * recording which policy field each bucket came from. Undefined when there is nothing to say.
 */
export function edgeMember(settings: RawEdge | undefined, accepted: readonly PolicyCandidate[], prov: Provenance): RawEdge | undefined {
  const sourced = accepted.flatMap((p) => p.spec.buckets.map((bucket, index) => ({ bucket, key: p.key, field: `spec.buckets[${index}]` })));
  sourced.sort((a, b) => compareText(a.bucket.name, b.bucket.name));
  sourced.forEach((s, i) => prov.record(`/edge/rate_limits/buckets/${i}`, { key: s.key, field: s.field }));
  const { rate_limits: _ignored, ...rest } = settings ?? {};
  if (sourced.length === 0) return Object.keys(rest).length === 0 ? undefined : rest;
  return { ...rest, rate_limits: { buckets: sourced.map((s) => s.bucket) } };
}

export function policyMessage(p: PolicyCandidate): string {
  const names = listForPeople(p.spec.buckets.map((b) => JSON.stringify(b.name)));
  return `defines ${plural(p.spec.buckets.length, 'bucket')}: ${names}`;
}
