// Maps a request path to what it addresses: a discovery document, or a resource collection,
// object or subresource (`/api/v1/namespaces/{ns}/{plural}/{name}/status`, `/apis/{g}/{v}/...`,
// with or without the namespace part).

import type { ResourceDef, ResourceRegistry } from './resources.js';

export interface ResourceTarget {
  readonly def: ResourceDef;
  /** null: the cluster-wide path (all namespaces for a namespaced resource). */
  readonly namespace: string | null;
  readonly name: string | null;
  readonly subresource: string | null;
}

export type PathTarget =
  | { readonly kind: 'discovery'; readonly document: 'api' | 'apis' | 'version' | 'group' | 'resources'; readonly group: string; readonly version: string }
  | { readonly kind: 'resource'; readonly target: ResourceTarget }
  | { readonly kind: 'unknown' };

function resourcePath(registry: ResourceRegistry, group: string, version: string, rest: readonly string[]): PathTarget {
  if (rest.length >= 3 && rest.length <= 5 && rest[0] === 'namespaces') {
    const [, namespace = '', plural = '', name, subresource] = rest;
    const def = registry.find(group, version, plural);
    if (def !== undefined) {
      if (!def.namespaced) return { kind: 'unknown' };
      return { kind: 'resource', target: { def, namespace, name: name ?? null, subresource: subresource ?? null } };
    }
  }
  if (rest.length >= 1 && rest.length <= 3) {
    const [plural = '', name, subresource] = rest;
    const def = registry.find(group, version, plural);
    if (def === undefined) return { kind: 'unknown' };
    // A namespaced resource by name needs its namespace in the path.
    if (def.namespaced && name !== undefined) return { kind: 'unknown' };
    return { kind: 'resource', target: { def, namespace: null, name: name ?? null, subresource: subresource ?? null } };
  }
  return { kind: 'unknown' };
}

export function parsePath(registry: ResourceRegistry, pathname: string): PathTarget {
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'unknown' };
  }
  const [root, a, b, ...rest] = segments;
  if (root === 'version' && segments.length === 1) return { kind: 'discovery', document: 'version', group: '', version: '' };
  if (root === 'api') {
    if (a === undefined) return { kind: 'discovery', document: 'api', group: '', version: '' };
    if (!registry.hasGroupVersion('', a)) return { kind: 'unknown' };
    if (b === undefined) return { kind: 'discovery', document: 'resources', group: '', version: a };
    return resourcePath(registry, '', a, [b, ...rest]);
  }
  if (root === 'apis') {
    if (a === undefined) return { kind: 'discovery', document: 'apis', group: '', version: '' };
    if (b === undefined) return { kind: 'discovery', document: 'group', group: a, version: '' };
    if (!registry.hasGroupVersion(a, b)) return { kind: 'unknown' };
    if (rest.length === 0) return { kind: 'discovery', document: 'resources', group: a, version: b };
    return resourcePath(registry, a, b, rest);
  }
  return { kind: 'unknown' };
}
