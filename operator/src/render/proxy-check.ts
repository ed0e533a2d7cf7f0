// Checks resources with the proxy's own validator before they join the document, so a resource
// the proxy would reject (or that holds a prefix which can never match) is left out by itself
// with the proxy's message, instead of failing the whole document. All resources are checked in
// one document (one block per resource, or per namespace of a CacheRule's rules): the validator
// names each problem's JSON path, and the provenance of that path names the resource, so one
// validation serves a thousand resources. Problems only: the validator's warnings about blocks
// repeating a name or prefix concern this check document, not the resources.

import { loadConfigDocument } from '@jussi/proxy/config/load';
import { deadPrefixReason } from '@jussi/proxy/config/prefix-check';
import type { RawUpstreamBlock } from '@jussi/proxy/config/document';
import type { CheckedCacheRuleSpec } from '../resources/check-cache-rule.js';
import type { CheckedUpstreamSpec } from '../resources/check-upstream.js';
import type { FieldProblem } from '../resources/field-problem.js';
import { prefixNamespace } from '../resources/spec-rules.js';
import { type RulePart, buildBlock } from './blocks.js';
import { Provenance } from './provenance.js';

export type CheckItem =
  | { readonly key: string; readonly kind: 'JsonRpcUpstream'; readonly spec: CheckedUpstreamSpec }
  | { readonly key: string; readonly kind: 'CacheRule'; readonly spec: CheckedCacheRuleSpec };

function add(problems: Map<string, FieldProblem[]>, key: string, problem: FieldProblem): void {
  const list = problems.get(key);
  if (list === undefined) problems.set(key, [problem]);
  else list.push(problem);
}

function prefixesOf(item: CheckItem): { prefix: string; field: string }[] {
  if (item.kind === 'CacheRule') return item.spec.rules.map((r, i) => ({ prefix: r.prefix, field: `spec.rules[${i}].prefix` }));
  return [
    ...item.spec.routes.map((r, i) => ({ prefix: r.prefix, field: `spec.routes[${i}].prefix` })),
    ...item.spec.timeouts.map((t, i) => ({ prefix: t.prefix, field: `spec.timeouts[${i}].prefix` })),
  ];
}

/** Problems per resource key; resources without problems are absent. */
export function proxyProblems(items: readonly CheckItem[]): Map<string, FieldProblem[]> {
  const problems = new Map<string, FieldProblem[]>();
  const prov = new Provenance();
  const blocks: RawUpstreamBlock[] = [];
  for (const item of items) {
    for (const { prefix, field } of prefixesOf(item)) {
      const reason = deadPrefixReason(prefix);
      if (reason !== null) add(problems, item.key, { field, message: `prefix ${JSON.stringify(prefix)} ${reason}` });
    }
    if (item.kind === 'JsonRpcUpstream') {
      blocks.push(buildBlock(item.spec.namespace, { key: item.key, spec: item.spec }, [], `/upstreams/${blocks.length}`, prov));
      continue;
    }
    // A CacheRule's rules go in blocks of their own namespaces, without URLs (the validator allows that).
    const byNamespace = new Map<string, RulePart[]>();
    item.spec.rules.forEach((rule, index) => {
      const ns = prefixNamespace(rule.prefix);
      const list = byNamespace.get(ns) ?? [];
      list.push({ key: item.key, index, rule });
      byNamespace.set(ns, list);
    });
    for (const [ns, rules] of byNamespace) blocks.push(buildBlock(ns, null, rules, `/upstreams/${blocks.length}`, prov));
  }
  if (blocks.length === 0) return problems;
  const result = loadConfigDocument(JSON.stringify({ upstreams: blocks }));
  if (!result.ok) {
    for (const p of result.problems) {
      const owner = prov.ownerOf(p.path);
      // Every block path has an owner; a problem without one cannot be placed, so it is dropped
      // here and the final validation of the real document still catches it.
      if (owner !== null) add(problems, owner.key, { field: owner.field, message: `the proxy rejects it: ${p.message}` });
    }
  }
  return problems;
}
