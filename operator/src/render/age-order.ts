// "Older wins" (Gateway API conflict rule): the earlier creationTimestamp, then namespace, then
// name. A resource without a readable creationTimestamp counts as the newest.

import type { JussiResource } from '../resources/types.js';

function created(resource: JussiResource): number {
  const t = resource.metadata.creationTimestamp;
  const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Oldest first. The timestamps are parsed once, not in every comparison. */
export function sortByAge<R extends JussiResource>(resources: readonly R[]): R[] {
  return resources
    .map((resource) => ({ resource, at: created(resource) }))
    .sort(
      (a, b) =>
        (a.at === b.at ? 0 : a.at < b.at ? -1 : 1) ||
        compareText(a.resource.metadata.namespace, b.resource.metadata.namespace) ||
        compareText(a.resource.metadata.name, b.resource.metadata.name) ||
        compareText(a.resource.kind, b.resource.kind),
    )
    .map((x) => x.resource);
}
