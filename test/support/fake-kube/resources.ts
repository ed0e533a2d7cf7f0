// The resource types the fake API server knows, and the discovery documents built from them
// (client-node's KubernetesObjectApi and kubectl read `/api`, `/apis` and the per-version
// resource lists to map a kind to its plural).

import type { JsonObject } from './json.js';

export interface ResourceDef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  /** `/status` exists: spec writes ignore `.status`, status writes touch only `.status`. */
  readonly statusSubresource: boolean;
  /** `metadata.generation` is kept (starts at 1, bumps when anything but metadata/status changes). */
  readonly generation: boolean;
  /** Custom resources answer strategic-merge-patch with 415, as a real apiserver does. */
  readonly custom: boolean;
  /** Field selector keys accepted besides metadata.name and metadata.namespace. */
  readonly selectableFields: readonly string[];
  readonly shortNames: readonly string[];
}

export interface CrdRegistration {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular?: string;
  readonly namespaced?: boolean;
  readonly statusSubresource?: boolean;
  readonly shortNames?: readonly string[];
}

export function crdResource(reg: CrdRegistration): ResourceDef {
  return {
    group: reg.group,
    version: reg.version,
    kind: reg.kind,
    plural: reg.plural,
    singular: reg.singular ?? reg.kind.toLowerCase(),
    namespaced: reg.namespaced ?? true,
    statusSubresource: reg.statusSubresource ?? true,
    generation: true,
    custom: true,
    selectableFields: [],
    shortNames: reg.shortNames ?? [],
  };
}

function builtin(group: string, version: string, kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceDef> = {}): ResourceDef {
  return {
    group, version, kind, plural, singular: kind.toLowerCase(), namespaced,
    statusSubresource: false, generation: false, custom: false, selectableFields: [], shortNames: [],
    ...extra,
  };
}

export const BUILTIN_RESOURCES: readonly ResourceDef[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'] }),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  builtin('', 'v1', 'Pod', 'pods', true, {
    statusSubresource: true, shortNames: ['po'],
    selectableFields: ['spec.nodeName', 'status.phase', 'status.podIP'],
  }),
  builtin('', 'v1', 'Event', 'events', true, {
    shortNames: ['ev'],
    selectableFields: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'type'],
  }),
  builtin('events.k8s.io', 'v1', 'Event', 'events', true, {
    selectableFields: ['regarding.kind', 'regarding.name', 'regarding.namespace', 'reason', 'type'],
  }),
  builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  builtin('', 'v1', 'Secret', 'secrets', true),
  builtin('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false),
  // Create-only and never stored: a review is answered (see token-review.ts).
  builtin('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false),
];

export function groupVersion(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

export function resourceKey(def: Pick<ResourceDef, 'group' | 'version' | 'plural'>): string {
  return `${def.group}/${def.version}/${def.plural}`;
}

export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceDef>();

  constructor(defs: readonly ResourceDef[] = BUILTIN_RESOURCES) {
    for (const d of defs) this.add(d);
  }

  add(def: ResourceDef): void {
    this.byKey.set(resourceKey(def), def);
  }

  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byKey.get(`${group}/${version}/${plural}`);
  }

  all(): ResourceDef[] {
    return [...this.byKey.values()];
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.all().some((d) => d.group === group && d.version === version);
  }

  apiVersions(): JsonObject {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  }

  private groupDoc(group: string): JsonObject {
    const versions = [...new Set(this.all().filter((d) => d.group === group).map((d) => d.version))].sort();
    const entries = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    const preferred = entries[entries.length - 1] ?? { groupVersion: `${group}/v1`, version: 'v1' };
    return { name: group, versions: entries, preferredVersion: preferred };
  }

  apiGroupList(): JsonObject {
    const groups = [...new Set(this.all().map((d) => d.group).filter((g) => g !== ''))].sort();
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => this.groupDoc(g)) };
  }

  apiGroup(group: string): JsonObject | undefined {
    if (!this.all().some((d) => d.group === group)) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(group) };
  }

  resourceList(group: string, version: string): JsonObject | undefined {
    const defs = this.all().filter((d) => d.group === group && d.version === version);
    if (defs.length === 0) return undefined;
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    const resources: JsonObject[] = [];
    for (const d of defs) {
      resources.push({
        name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs,
        shortNames: [...d.shortNames],
      });
      if (d.statusSubresource) {
        resources.push({ name: `${d.plural}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
  }
}
