// Narrowing what the API returns. client-node hands out `any` for custom objects and plain JSON
// from watches; these guards turn it into typed objects once, at the edge.

import type { KubernetesObject, V1ConfigMap, V1Pod } from '@kubernetes/client-node';

export interface NamedObject extends KubernetesObject {
  readonly metadata: NonNullable<KubernetesObject['metadata']> & { name: string };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** An object with `metadata.name` (and, when present, string labels and annotations). */
export function isNamedObject(value: unknown): value is NamedObject {
  if (!isRecord(value) || !isRecord(value['metadata'])) return false;
  const meta = value['metadata'];
  if (typeof meta['name'] !== 'string' || meta['name'] === '') return false;
  if (meta['namespace'] !== undefined && typeof meta['namespace'] !== 'string') return false;
  if (meta['labels'] !== undefined && meta['labels'] !== null && !isStringRecord(meta['labels'])) return false;
  if (meta['annotations'] !== undefined && meta['annotations'] !== null && !isStringRecord(meta['annotations'])) return false;
  return true;
}

export type ConfigMapObject = V1ConfigMap & NamedObject;
export type PodObject = V1Pod & NamedObject;

export function isConfigMap(value: unknown): value is ConfigMapObject {
  if (!isNamedObject(value) || !isRecord(value)) return false;
  const data = value['data'];
  return data === undefined || data === null || isStringRecord(data);
}

export function isPod(value: unknown): value is PodObject {
  if (!isNamedObject(value) || !isRecord(value)) return false;
  const status = value['status'];
  return status === undefined || status === null || isRecord(status);
}

/** `namespace/name` (or `name` for cluster-scoped objects): the key informer caches use. */
export function objectKey(obj: NamedObject): string {
  const ns = obj.metadata.namespace;
  return ns === undefined || ns === '' ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
}
