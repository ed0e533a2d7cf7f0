// Conflict resolution: resources claim what they define, oldest first (see age-order.ts). A
// resource that defines something an older accepted resource already claimed is left out whole
// (simple and predictable) and told which resource won.
//
// JsonRpcUpstreams claim their JSON-RPC namespace. Their route and timeout prefixes all lie
// inside that namespace (checked before), so two upstreams can only share a prefix by serving
// the same namespace: the namespace claim covers prefix conflicts too. CacheRules claim their
// rule prefixes, across all namespaces.

import type { CheckedCacheRuleSpec } from '../resources/check-cache-rule.js';
import type { CheckedUpstreamSpec } from '../resources/check-upstream.js';
import { namespacedName } from '../resources/resource-key.js';
import type { CacheRule, JsonRpcUpstream } from '../resources/types.js';
import { listForPeople } from './verdict.js';

export interface UpstreamCandidate {
  readonly key: string;
  readonly resource: JsonRpcUpstream;
  readonly spec: CheckedUpstreamSpec;
}

export interface CacheRuleCandidate {
  readonly key: string;
  readonly resource: CacheRule;
  readonly spec: CheckedCacheRuleSpec;
}

export interface Conflict {
  /** `namespace/name` of the first older resource in the way. */
  readonly winner: string;
  readonly message: string;
}

export interface Claims {
  readonly upstreams: readonly UpstreamCandidate[];
  readonly cacheRules: readonly CacheRuleCandidate[];
  readonly conflicts: ReadonlyMap<string, Conflict>;
}

/** Both lists must already be in age order (oldest first). */
export function resolveClaims(upstreams: readonly UpstreamCandidate[], cacheRules: readonly CacheRuleCandidate[]): Claims {
  const conflicts = new Map<string, Conflict>();

  const servedBy = new Map<string, UpstreamCandidate>();
  const acceptedUpstreams: UpstreamCandidate[] = [];
  for (const c of upstreams) {
    const holder = servedBy.get(c.spec.namespace);
    if (holder === undefined) {
      servedBy.set(c.spec.namespace, c);
      acceptedUpstreams.push(c);
      continue;
    }
    const winner = namespacedName(holder.resource);
    conflicts.set(c.key, {
      winner,
      message:
        `namespace ${JSON.stringify(c.spec.namespace)} is already served by the older JsonRpcUpstream ${winner} ` +
        '(the oldest resource wins); serve another namespace, or merge the routes into one resource',
    });
  }

  const ruleBy = new Map<string, CacheRuleCandidate>();
  const acceptedRules: CacheRuleCandidate[] = [];
  for (const c of cacheRules) {
    // Prefixes already taken, grouped by the resource holding them, in the order the rules list them.
    const taken = new Map<string, string[]>();
    for (const rule of c.spec.rules) {
      const holder = ruleBy.get(rule.prefix);
      if (holder === undefined) continue;
      const name = namespacedName(holder.resource);
      const list = taken.get(name) ?? [];
      list.push(JSON.stringify(rule.prefix));
      taken.set(name, list);
    }
    if (taken.size === 0) {
      for (const rule of c.spec.rules) ruleBy.set(rule.prefix, c);
      acceptedRules.push(c);
      continue;
    }
    const parts = [...taken].map(([name, prefixes]) => `${listForPeople(prefixes)} by ${name}`);
    const count = [...taken.values()].reduce((n, l) => n + l.length, 0);
    conflicts.set(c.key, {
      winner: [...taken.keys()][0] ?? '',
      message:
        `${count === 1 ? 'prefix' : 'prefixes'} already defined by an older CacheRule: ${parts.join('; ')} ` +
        '(the oldest resource wins); remove the duplicate rules from one of the resources',
    });
  }

  return { upstreams: acceptedUpstreams, cacheRules: acceptedRules, conflicts };
}
