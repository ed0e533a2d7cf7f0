// The desired status of one resource: from the resource, render's verdict on it, what is
// published, and the proxies' state reports. Pure: the clock is an input, and unchanged inputs
// give an identical status (the status writer skips identical ones).

import type { Verdict } from '../render/verdict.js';
import { checkCacheRuleSpec } from '../resources/check-cache-rule.js';
import { checkRateLimitPolicySpec } from '../resources/check-rate-limit-policy.js';
import { checkUpstreamSpec } from '../resources/check-upstream.js';
import { isRecord } from '../resources/field-problem.js';
import type {
  CacheRule,
  CacheRuleFigures,
  CacheRuleStatus,
  Condition,
  JsonRpcUpstream,
  JsonRpcUpstreamStatus,
  JussiResource,
  ProxiesStatus,
  RateLimitBucketFigures,
  RateLimitPolicy,
  RateLimitPolicyStatus,
  UpstreamPoolStatus,
} from '../resources/types.js';
import { cacheFigures } from './cache-figures.js';
import { type ConditionFacts, condition } from './conditions.js';
import type { ProxyState, Publication, SidecarState } from './inputs.js';
import { poolFigures } from './pools.js';
import { programmedFacts } from './programmed.js';
import { countProxies, countSidecars, programmedProxies } from './proxies.js';
import { localProxies, rateLimitFigures } from './rate-limit-figures.js';

export interface StatusInput<R extends JussiResource> {
  readonly resource: R;
  /** render's verdict on this resource. */
  readonly verdict: Verdict;
  /** What the published documents hold of this resource (status/published-history.ts). */
  readonly publication: Publication;
  /** Every proxy pod found, with its /state report or null. */
  readonly proxies: readonly ProxyState[];
  /** The clock: lastTransitionTime for conditions whose status changes. */
  readonly now: Date;
  /** Conditions to carry lastTransitionTime over from; default: resource.status.conditions. */
  readonly previous?: readonly Condition[];
  /** Injected sidecars (when sidecars are in use): counted in Programmed and status.sidecars. */
  readonly sidecars?: readonly SidecarState[];
  /** Sampled sidecar state reports: added to the proxies' for pool and cache figures only. */
  readonly sampledReports?: readonly ProxyState[];
}

/** JsonRpcUpstreamStatus with every field set, plus the Routes printer column's count. */
export interface DesiredUpstreamStatus extends JsonRpcUpstreamStatus {
  readonly observedGeneration: number;
  readonly conditions: readonly Condition[];
  readonly programmedProxies: string;
  readonly proxies: ProxiesStatus;
  readonly pools: readonly UpstreamPoolStatus[];
  readonly routeCount: number;
}

/** CacheRuleStatus with every field set, plus the Rules printer column's count. */
export interface DesiredCacheRuleStatus extends CacheRuleStatus {
  readonly observedGeneration: number;
  readonly conditions: readonly Condition[];
  readonly programmedProxies: string;
  readonly proxies: ProxiesStatus;
  readonly rules: readonly CacheRuleFigures[];
  readonly ruleCount: number;
}

export function upstreamStatus(input: StatusInput<JsonRpcUpstream>): DesiredUpstreamStatus {
  const spec = checkUpstreamSpec(input.resource.spec);
  const urls = spec.ok && input.verdict.accepted ? spec.spec.routes.flatMap((r) => (typeof r.url === 'string' ? [r.url] : r.url)) : [];
  const common = commonStatus(input, '');
  return {
    ...common,
    pools: poolFigures(urls, figureReports(input)),
    routeCount: listLength(input.resource.spec, 'routes'),
  };
}

export function cacheRuleStatus(input: StatusInput<CacheRule>): DesiredCacheRuleStatus {
  const spec = checkCacheRuleSpec(input.resource.spec);
  const prefixes = spec.ok && input.verdict.accepted ? spec.spec.rules.map((r) => r.prefix) : [];
  const waiting = input.verdict.waitingPrefixes?.length ?? 0;
  const note = waiting > 0 ? `; ${waiting} of the rules wait for a JsonRpcUpstream (see Accepted)` : '';
  return {
    ...commonStatus(input, note),
    rules: cacheFigures(prefixes, figureReports(input)),
    ruleCount: listLength(input.resource.spec, 'rules'),
  };
}

/** RateLimitPolicyStatus with every field set, plus the Buckets printer column's count. */
export interface DesiredRateLimitPolicyStatus extends RateLimitPolicyStatus {
  readonly observedGeneration: number;
  readonly conditions: readonly Condition[];
  readonly programmedProxies: string;
  readonly proxies: ProxiesStatus;
  readonly bucketCount: number;
  readonly localProxies: number;
  readonly buckets: readonly RateLimitBucketFigures[];
}

export function rateLimitPolicyStatus(input: StatusInput<RateLimitPolicy>): DesiredRateLimitPolicyStatus {
  const spec = checkRateLimitPolicySpec(input.resource.spec);
  const names = spec.ok && input.verdict.accepted ? spec.spec.buckets.map((b) => b.name) : [];
  const local = localProxies(input.proxies);
  // Limits still hold while local, each proxy at its share: say so, without failing Programmed.
  const note = local > 0 ? `; ${local} limit locally at their share because their Redis is unusable` : '';
  return {
    ...commonStatus(input, note),
    bucketCount: listLength(input.resource.spec, 'buckets'),
    localProxies: local,
    buckets: rateLimitFigures(names, input.proxies),
  };
}

function figureReports(input: StatusInput<JussiResource>): readonly ProxyState[] {
  return input.sampledReports === undefined || input.sampledReports.length === 0 ? input.proxies : [...input.proxies, ...input.sampledReports];
}

function commonStatus(
  input: StatusInput<JussiResource>,
  programmedNote: string,
): { observedGeneration: number; conditions: Condition[]; programmedProxies: string; proxies: ProxiesStatus; sidecars?: ProxiesStatus } {
  const generation = input.verdict.generation;
  const previous = input.previous ?? previousConditions(input.resource);
  const proxies = countProxies(input.proxies, input.publication.runs);
  const sidecars = input.sidecars === undefined ? undefined : countSidecars(input.sidecars, input.publication.runs);
  const accepted: ConditionFacts = {
    type: 'Accepted',
    status: input.verdict.accepted ? 'True' : 'False',
    reason: input.verdict.reason,
    message: input.verdict.message,
  };
  const programmed = programmedFacts(input.verdict, generation, input.publication, proxies, programmedNote, sidecars);
  return {
    observedGeneration: generation,
    conditions: [condition(accepted, generation, previous, input.now), condition(programmed, generation, previous, input.now)],
    programmedProxies: programmedProxies(proxies, sidecars),
    proxies,
    ...(sidecars === undefined ? {} : { sidecars }),
  };
}

function previousConditions(resource: JussiResource): readonly Condition[] | undefined {
  return conditionsIn(resource.status);
}

/** The conditions of a status as read from the API (anything malformed is left out). */
export function conditionsIn(status: unknown): readonly Condition[] | undefined {
  const list = isRecord(status) ? status['conditions'] : undefined;
  return Array.isArray(list) ? list.filter((c): c is Condition => isRecord(c) && typeof c.type === 'string') : undefined;
}

function listLength(spec: unknown, field: string): number {
  if (!isRecord(spec)) return 0;
  const list = spec[field];
  return Array.isArray(list) ? list.length : 0;
}
