// Read-only views into rendered objects: the pod templates and containers of workloads, and
// the rules of RBAC roles, narrowed from `unknown` once here so the checks stay short.
import type { K8sObject } from './helm.js';

export type Json = Record<string, unknown>;

export function asRecord(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

export function asStrings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

/** Follows a path of keys through nested objects; undefined when any step is missing. */
export function at(value: unknown, ...path: string[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[key];
  }
  return cur;
}

export interface PodView {
  /** "Kind/name" of the object holding the pod spec. */
  readonly owner: string;
  readonly kind: string;
  readonly name: string;
  readonly spec: Json;
  /** A `helm test` hook pod (short-lived: no probes expected). */
  readonly isTestHook: boolean;
}

export interface ContainerView {
  readonly pod: PodView;
  readonly name: string;
  readonly container: Json;
  /** Native sidecars and init containers are listed too. */
  readonly init: boolean;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

export function podsOf(objects: readonly K8sObject[]): PodView[] {
  const pods: PodView[] = [];
  for (const o of objects) {
    let spec: Json | undefined;
    if (o.kind === 'Pod') spec = asRecord(o['spec']);
    else if (WORKLOAD_KINDS.has(o.kind)) spec = asRecord(at(o, 'spec', 'template', 'spec'));
    if (spec === undefined) continue;
    pods.push({
      owner: `${o.kind}/${o.metadata.name}`,
      kind: o.kind,
      name: o.metadata.name,
      spec,
      isTestHook: o.metadata.annotations?.['helm.sh/hook'] === 'test',
    });
  }
  return pods;
}

export function containersOf(objects: readonly K8sObject[]): ContainerView[] {
  const out: ContainerView[] = [];
  for (const pod of podsOf(objects)) {
    for (const c of asArray(pod.spec['containers'])) out.push({ pod, name: String(asRecord(c)['name']), container: asRecord(c), init: false });
    for (const c of asArray(pod.spec['initContainers'])) out.push({ pod, name: String(asRecord(c)['name']), container: asRecord(c), init: true });
  }
  return out;
}

/** Names and literal values of a container's env (valueFrom entries have value undefined). */
export function envOf(container: Json): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const e of asArray(container['env'])) {
    const entry = asRecord(e);
    const value = entry['value'];
    env.set(String(entry['name']), typeof value === 'string' ? value : undefined);
  }
  return env;
}

export interface RuleView {
  readonly role: string;
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly resourceNames: string[];
  readonly verbs: string[];
}

export function rulesOf(role: K8sObject): RuleView[] {
  return asArray(role['rules']).map((r) => {
    const rule = asRecord(r);
    return {
      role: `${role.kind}/${role.metadata.namespace ?? ''}/${role.metadata.name}`,
      apiGroups: asStrings(rule['apiGroups']),
      resources: asStrings(rule['resources']),
      resourceNames: asStrings(rule['resourceNames']),
      verbs: asStrings(rule['verbs']),
    };
  });
}
