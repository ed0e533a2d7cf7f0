// render: all JsonRpcUpstreams and CacheRules (plus the operator's global limits) -> one jussi
// config document and a verdict per resource. Pure and level-triggered: it sees every resource
// every time, and the same resources give byte-identical text and hash in whatever order they
// arrive. The document is validated with the proxy's own validator before it is returned.
//
// Stages: check each resource alone (CRD rules, then the proxy validator on a fragment) ->
// resolve conflicts oldest first -> place cache rules in the block of the upstream serving their
// namespace -> build, serialise canonically, validate. A resource the final validation blames is
// left out as Invalid and the document is rebuilt without it; a problem no resource owns (the
// global limits) is an error value, and nothing should be published.

import { loadConfigDocument } from '@jussi/proxy/config/load';
import type { ConfigProblem, ConfigWarning, RawConfigDocument, RawEdge } from '@jussi/proxy/config/document';
import { checkCacheRuleSpec } from '../resources/check-cache-rule.js';
import { checkUpstreamSpec } from '../resources/check-upstream.js';
import { type FieldProblem, formatFieldProblems } from '../resources/field-problem.js';
import { keyOf } from '../resources/resource-key.js';
import { prefixNamespace } from '../resources/spec-rules.js';
import type { CacheRule, JsonRpcUpstream, JussiResource, RateLimitPolicy } from '../resources/types.js';
import { compareText, sortByAge } from './age-order.js';
import { type PlannedBlock, type RulePart, buildDocument } from './blocks.js';
import { documentText } from './document-text.js';
import { type CacheRuleCandidate, type Claims, type UpstreamCandidate, resolveClaims } from './claims.js';
import { type OperatorLimits, toRawLimits } from './limits.js';
import { Provenance } from './provenance.js';
import { type PolicyCandidate, checkPolicy, claimBuckets, edgeMember, policyMessage } from './rate-limits.js';
import { type CheckItem, proxyProblems } from './proxy-check.js';
import { type Verdict, type VerdictReason, boundMessage, listForPeople, plural } from './verdict.js';

export interface RenderInput {
  /** Every JsonRpcUpstream and CacheRule the operator watches, in any order. */
  readonly resources: readonly JussiResource[];
  readonly limits: OperatorLimits;
  /** The operator's edge settings (CORS, auth, trusted proxies: OPERATOR_EDGE); RateLimitPolicies add the buckets. */
  readonly edge?: RawEdge;
}

export type RenderResult =
  | {
      readonly ok: true;
      readonly document: RawConfigDocument;
      /** Canonical JSON text to publish (the proxy hashes exactly this text). */
      readonly text: string;
      /** sha256 hex of `text`. */
      readonly hash: string;
      /** Keyed `kind/namespace/name`, in key order. */
      readonly verdicts: ReadonlyMap<string, Verdict>;
    }
  | {
      readonly ok: false;
      /** Why the document is unusable; do not publish it. */
      readonly problems: readonly string[];
      readonly verdicts: ReadonlyMap<string, Verdict>;
    };

export function render(input: RenderInput): RenderResult {
  const resources = sortByAge(uniqueByKey(input.resources));
  const early = new Map<string, Verdict>();
  const passed: Candidate[] = [];
  const policies: PolicyCandidate[] = [];
  for (const resource of resources) {
    const key = keyOf(resource);
    if (resource.metadata.deletionTimestamp !== undefined) {
      early.set(key, verdictOf(resource, 'Deleting', 'being deleted (metadata.deletionTimestamp is set), so it is left out'));
      continue;
    }
    if (resource.kind === 'RateLimitPolicy') {
      const policy = checkPolicy(key, resource);
      if ('problems' in policy) early.set(key, verdictOf(resource, 'Invalid', formatFieldProblems(policy.problems)));
      else policies.push(policy);
      continue;
    }
    const candidate = checkAlone(key, resource);
    if ('problems' in candidate) early.set(key, verdictOf(resource, 'Invalid', formatFieldProblems(candidate.problems)));
    else passed.push(candidate);
  }
  const rejected = proxyProblems(passed.map(checkItem));
  const upstreams: UpstreamCandidate[] = [];
  const cacheRules: CacheRuleCandidate[] = [];
  for (const candidate of passed) {
    const problems = rejected.get(candidate.c.key);
    if (problems !== undefined) early.set(candidate.c.key, verdictOf(candidate.c.resource, 'Invalid', formatFieldProblems(problems)));
    else if (candidate.kind === 'JsonRpcUpstream') upstreams.push(candidate.c);
    else cacheRules.push(candidate.c);
  }

  const limits = toRawLimits(input.limits);
  // Resources the final validation blamed: left out, and the document rebuilt. Each round
  // removes at least one resource, so this ends.
  const blamed = new Map<string, FieldProblem[]>();
  for (;;) {
    const claims = resolveClaims(
      upstreams.filter((c) => !blamed.has(c.key)),
      cacheRules.filter((c) => !blamed.has(c.key)),
    );
    const plan = planBlocks(claims);
    const prov = new Provenance();
    const rateLimits = claimBuckets(policies.filter((p) => !blamed.has(p.key)));
    const edge = edgeMember(input.edge, rateLimits.accepted, prov);
    const document: RawConfigDocument = { ...buildDocument(plan.blocks, limits, prov), ...(edge === undefined ? {} : { edge }) };
    let text: string;
    try {
      text = documentText(document);
    } catch (err) {
      // Only non-finite numbers in the limits get here: checked resources hold whole numbers.
      const detail = err instanceof Error ? err.message : String(err);
      return { ok: false, problems: [`the document cannot be written as JSON: ${detail}`], verdicts: collect(early, blamed, claims, plan, new Map(), resources, rateLimits) };
    }
    const loaded = loadConfigDocument(text);
    if (!loaded.ok) {
      const { owned, unowned } = attribute(loaded.problems, prov);
      if (unowned.length === 0 && owned.size > 0) {
        for (const [key, problems] of owned) blamed.set(key, problems);
        continue;
      }
      return {
        ok: false,
        problems: loaded.problems.map((p) => `${p.path === '' ? '(document)' : p.path}: ${p.message}`),
        verdicts: collect(early, blamed, claims, plan, new Map(), resources, rateLimits),
      };
    }
    const warnings = attribute(loaded.config.warnings, prov).owned;
    return {
      ok: true,
      document,
      text,
      // The proxy's own hash of the text: what proxies report once they run this document.
      hash: loaded.config.hash,
      verdicts: collect(early, blamed, claims, plan, warnings, resources, rateLimits),
    };
  }
}

// --- stages ----------------------------------------------------------------------------------

type Candidate =
  | { readonly kind: 'JsonRpcUpstream'; readonly c: UpstreamCandidate }
  | { readonly kind: 'CacheRule'; readonly c: CacheRuleCandidate };

/** The CRD's rules, checked on one resource by itself. */
function checkAlone(key: string, resource: JsonRpcUpstream | CacheRule): Candidate | { readonly problems: readonly FieldProblem[] } {
  if (resource.kind === 'JsonRpcUpstream') {
    const checked = checkUpstreamSpec(resource.spec);
    return checked.ok ? { kind: 'JsonRpcUpstream', c: { key, resource, spec: checked.spec } } : { problems: checked.problems };
  }
  const checked = checkCacheRuleSpec(resource.spec);
  return checked.ok ? { kind: 'CacheRule', c: { key, resource, spec: checked.spec } } : { problems: checked.problems };
}

function checkItem(candidate: Candidate): CheckItem {
  return candidate.kind === 'JsonRpcUpstream'
    ? { key: candidate.c.key, kind: 'JsonRpcUpstream', spec: candidate.c.spec }
    : { key: candidate.c.key, kind: 'CacheRule', spec: candidate.c.spec };
}

interface Plan {
  readonly blocks: readonly PlannedBlock[];
  /** CacheRule key -> prefixes waiting for an upstream serving their namespace. */
  readonly waiting: ReadonlyMap<string, readonly string[]>;
}

/** Puts each accepted rule in the block of the upstream serving its namespace. */
function planBlocks(claims: Claims): Plan {
  const rulesByNamespace = new Map<string, RulePart[]>();
  for (const u of claims.upstreams) rulesByNamespace.set(u.spec.namespace, []);
  const waiting = new Map<string, string[]>();
  for (const c of claims.cacheRules) {
    c.spec.rules.forEach((rule, index) => {
      const block = rulesByNamespace.get(prefixNamespace(rule.prefix));
      if (block !== undefined) {
        block.push({ key: c.key, index, rule });
        return;
      }
      const list = waiting.get(c.key) ?? [];
      list.push(rule.prefix);
      waiting.set(c.key, list);
    });
  }
  const blocks = claims.upstreams.map((u) => ({
    upstream: { key: u.key, spec: u.spec },
    rules: rulesByNamespace.get(u.spec.namespace) ?? [],
  }));
  return { blocks, waiting };
}

function attribute(
  items: readonly (ConfigProblem | ConfigWarning)[],
  prov: Provenance,
): { owned: Map<string, FieldProblem[]>; unowned: (ConfigProblem | ConfigWarning)[] } {
  const owned = new Map<string, FieldProblem[]>();
  const unowned: (ConfigProblem | ConfigWarning)[] = [];
  for (const item of items) {
    const owner = prov.ownerOf(item.path);
    if (owner === null) {
      unowned.push(item);
      continue;
    }
    const list = owned.get(owner.key) ?? [];
    list.push({ field: owner.field, message: item.message });
    owned.set(owner.key, list);
  }
  return { owned, unowned };
}

// --- verdicts --------------------------------------------------------------------------------

function generationOf(resource: JussiResource): number {
  const g = resource.metadata.generation;
  return typeof g === 'number' && Number.isInteger(g) && g >= 0 ? g : 0;
}

function verdictOf(resource: JussiResource, reason: VerdictReason, message: string, extra: Partial<Verdict> = {}): Verdict {
  return {
    kind: resource.kind,
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    generation: generationOf(resource),
    accepted: reason === 'Accepted',
    reason,
    message: boundMessage(message),
    ...extra,
  };
}

function withWarnings(message: string, warnings: readonly FieldProblem[] | undefined): string {
  if (warnings === undefined || warnings.length === 0) return message;
  return `${message}. Warning: ${formatFieldProblems(warnings)}`;
}

function upstreamMessage(u: UpstreamCandidate): string {
  const s = u.spec;
  const parts = [plural(s.routes.length, 'route')];
  if (s.timeouts.length > 0) parts.push(plural(s.timeouts.length, 'timeout'));
  const translate = s.translateToAppbase ? '; requests are translated to appbase condenser_api calls' : '';
  return `serves namespace ${JSON.stringify(s.namespace)} with ${parts.join(' and ')}${translate}`;
}

function cacheRuleVerdict(c: CacheRuleCandidate, waiting: readonly string[] | undefined): Verdict {
  const total = c.spec.rules.length;
  if (waiting === undefined || waiting.length === 0) {
    return verdictOf(c.resource, 'Accepted', `${plural(total, 'rule')} ${total === 1 ? 'applies' : 'apply'}`);
  }
  const namespaces = [...new Set(waiting.map(prefixNamespace))];
  const where = `${namespaces.length === 1 ? 'namespace' : 'namespaces'} ${listForPeople(namespaces.map((n) => JSON.stringify(n)))}`;
  const prefixes = listForPeople(waiting.map((p) => JSON.stringify(p)));
  if (waiting.length === total) {
    return verdictOf(
      c.resource,
      'NoUpstream',
      `no accepted JsonRpcUpstream serves ${where}, so no rule applies yet; waiting: ${prefixes}`,
      { waitingPrefixes: waiting },
    );
  }
  return verdictOf(
    c.resource,
    'Accepted',
    `${total - waiting.length} of ${plural(total, 'rule')} apply; ${waiting.length} wait until a JsonRpcUpstream serves ${where}: ${prefixes}`,
    { waitingPrefixes: waiting },
  );
}

function collect(
  early: ReadonlyMap<string, Verdict>,
  blamed: ReadonlyMap<string, readonly FieldProblem[]>,
  claims: Claims,
  plan: Plan,
  warnings: ReadonlyMap<string, readonly FieldProblem[]>,
  resources: readonly JussiResource[],
  rateLimits: ReturnType<typeof claimBuckets>,
): Map<string, Verdict> {
  const byKey = new Map<string, Verdict>(early);
  const byResource = new Map<string, JussiResource>(resources.map((r) => [keyOf(r), r]));
  for (const [key, problems] of blamed) {
    const r = byResource.get(key);
    if (r !== undefined) byKey.set(key, verdictOf(r, 'Invalid', formatFieldProblems(problems)));
  }
  for (const [key, conflict] of claims.conflicts) {
    const r = byResource.get(key);
    if (r !== undefined) byKey.set(key, verdictOf(r, 'Conflicted', conflict.message, { conflictsWith: conflict.winner }));
  }
  for (const u of claims.upstreams) {
    byKey.set(u.key, verdictOf(u.resource, 'Accepted', withWarnings(upstreamMessage(u), warnings.get(u.key))));
  }
  for (const c of claims.cacheRules) {
    const v = cacheRuleVerdict(c, plan.waiting.get(c.key));
    byKey.set(c.key, { ...v, message: boundMessage(withWarnings(v.message, warnings.get(c.key))) });
  }
  for (const [key, conflict] of rateLimits.conflicts) {
    const r = byResource.get(key);
    if (r !== undefined) byKey.set(key, verdictOf(r, 'Conflicted', conflict.message, { conflictsWith: conflict.winner }));
  }
  for (const p of rateLimits.accepted) byKey.set(p.key, verdictOf(p.resource, 'Accepted', withWarnings(policyMessage(p), warnings.get(p.key))));
  return new Map([...byKey].sort(([a], [b]) => compareText(a, b)));
}

// --- input -----------------------------------------------------------------------------------

/**
 * One resource per key. The API never holds two, but callers merging caches might: keep the
 * higher generation, then the greater canonical text, so the choice never depends on order.
 */
function uniqueByKey(resources: readonly JussiResource[]): JussiResource[] {
  const byKey = new Map<string, JussiResource>();
  for (const r of resources) {
    if (!isKnown(r)) continue;
    const key = keyOf(r);
    const held = byKey.get(key);
    if (held === undefined || preferOver(r, held)) byKey.set(key, r);
  }
  return [...byKey.values()];
}

function isKnown(r: unknown): r is JsonRpcUpstream | CacheRule | RateLimitPolicy {
  if (typeof r !== 'object' || r === null) return false;
  const { kind, metadata } = r as { kind?: unknown; metadata?: unknown };
  if (kind !== 'JsonRpcUpstream' && kind !== 'CacheRule' && kind !== 'RateLimitPolicy') return false;
  if (typeof metadata !== 'object' || metadata === null) return false;
  const { name, namespace } = metadata as { name?: unknown; namespace?: unknown };
  return typeof name === 'string' && typeof namespace === 'string';
}

function preferOver(a: JussiResource, b: JussiResource): boolean {
  const ga = generationOf(a);
  const gb = generationOf(b);
  if (ga !== gb) return ga > gb;
  return stableText(a) > stableText(b);
}

function stableText(r: JussiResource): string {
  try {
    return documentText(r);
  } catch {
    return '';
  }
}
