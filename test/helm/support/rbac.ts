// Kubernetes RBAC authorization of one API request against rendered rules, as the apiserver
// decides it: apiGroup, resource (with subresource), verb, and resourceNames, where a list or
// watch names an object only through the field selector `metadata.name=<name>`.
import type { RuleView } from './objects.js';

export interface ApiRequest {
  readonly verb: string;
  readonly apiGroup: string;
  /** `configmaps`, or `jsonrpcupstreams/status` for a subresource. */
  readonly resource: string;
  readonly namespace: string | null;
  /** The object named by the path, or by a `metadata.name=` field selector on list/watch. */
  readonly name: string | null;
}

/** The request a path and query describe, or undefined for discovery and non-resource paths. */
export function describeRequest(verb: string, path: string, query: Readonly<Record<string, string>>): ApiRequest | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | null = null;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] ?? null;
    rest = rest.slice(2);
  }
  const [resource, pathName, subresource] = rest;
  if (resource === undefined) return undefined;
  let name = pathName ?? null;
  const watch = query['watch'] === 'true' || query['watch'] === '1';
  const effectiveVerb = verb === 'list' && watch ? 'watch' : verb;
  if (name === null && (effectiveVerb === 'list' || effectiveVerb === 'watch')) {
    const m = /(?:^|,)metadata\.name=([^,]+)/.exec(query['fieldSelector'] ?? '');
    name = m?.[1] ?? null;
  }
  return { verb: effectiveVerb, apiGroup, resource: subresource === undefined ? resource : `${resource}/${subresource}`, namespace, name };
}

export function allows(rules: readonly RuleView[], req: ApiRequest): boolean {
  return rules.some((r) =>
    r.apiGroups.includes(req.apiGroup) &&
    r.resources.includes(req.resource) &&
    r.verbs.includes(req.verb) &&
    (r.resourceNames.length === 0 || (req.name !== null && r.resourceNames.includes(req.name))));
}
