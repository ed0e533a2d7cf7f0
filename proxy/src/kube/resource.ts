// Which collection of Kubernetes objects a client reads: group, version, plural and namespace,
// turned into the API path that LIST and WATCH share.

export interface ResourceRef {
  /** '' for the core group (ConfigMap, Pod). */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Omitted: all namespaces (or a cluster-scoped resource). */
  readonly namespace?: string;
}

export function apiVersionOf(ref: Pick<ResourceRef, 'group' | 'version'>): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

/** `/api/v1/namespaces/ns/configmaps`, `/apis/jussi.io/v1alpha1/cacherules`, ... */
export function collectionPath(ref: ResourceRef): string {
  const root = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(ref.namespace)}`;
  return `${root}${ns}/${ref.plural}`;
}

export function describeResource(ref: ResourceRef): string {
  const what = ref.group === '' ? ref.plural : `${ref.plural}.${ref.group}`;
  return ref.namespace === undefined ? what : `${what} in ${ref.namespace}`;
}
