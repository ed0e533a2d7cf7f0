// The one way to name a resource in maps, verdicts and messages.

import type { JussiResource } from './types.js';

export type JussiKind = JussiResource['kind'];

/** `kind/namespace/name`, the key of render's verdicts. */
export function resourceKey(kind: JussiKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function keyOf(resource: JussiResource): string {
  return resourceKey(resource.kind, resource.metadata.namespace, resource.metadata.name);
}

/** `namespace/name`, as messages name another resource. */
export function namespacedName(resource: { readonly metadata: { readonly namespace: string; readonly name: string } }): string {
  return `${resource.metadata.namespace}/${resource.metadata.name}`;
}
