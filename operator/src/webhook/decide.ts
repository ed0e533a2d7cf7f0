// What the injector does with one admission request: inject the sidecar (a JSON patch), leave
// the pod alone quietly (not a pod creation, a namespace never touched, opted out, already
// injected), or leave it alone with a warning because injecting would break it (a name, port or
// volume clash, host networking, a bad override annotation). Pure: request and template in,
// decision out.

import { isRecord } from '@jussi/proxy/kube/objects';
import type { AdmissionRequest } from './admission-review.js';
import { buildSidecar, INJECT_LABEL, SIDECAR_CONTAINER, SIDECAR_LABEL, STATUS_ANNOTATION, VOLUMES, type Json, type SidecarTemplate } from './sidecar-container.js';

export interface InjectionContext {
  readonly template: SidecarTemplate;
  /** Namespaces whose pods are never touched (kube-system, the operator's own, ...). */
  readonly excludedNamespaces: ReadonlySet<string>;
  /** The CA bundle the sidecar trusts for the operator's config server (null: system CAs). */
  readonly caPem: string | null;
}

export interface JsonPatchOp {
  readonly op: 'add';
  readonly path: string;
  readonly value: Json;
}

export type Decision =
  | { readonly action: 'inject'; readonly patch: readonly JsonPatchOp[] }
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'refuse'; readonly reason: string };

/** RFC 6901: `~` and `/` in a key are escaped in a JSON pointer. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function clash(spec: Record<string, unknown>, template: SidecarTemplate): string | null {
  const containers = [...records(spec['initContainers']), ...records(spec['containers']), ...records(spec['ephemeralContainers'])];
  if (containers.some((c) => c['name'] === SIDECAR_CONTAINER)) return `the pod already has a container named ${SIDECAR_CONTAINER}`;
  if (spec['hostNetwork'] === true) return `the pod uses the host network: the sidecar's 127.0.0.1:${template.port} would be the node's`;
  const ports = new Set([template.port, template.adminPort]);
  for (const c of containers) {
    for (const p of records(c['ports'])) {
      if (typeof p['containerPort'] === 'number' && ports.has(p['containerPort'])) {
        return `container ${String(c['name'])} uses port ${p['containerPort']}, which the sidecar needs (traffic ${template.port}, admin ${template.adminPort})`;
      }
    }
  }
  const ours = new Set<unknown>(Object.values(VOLUMES));
  const volume = records(spec['volumes']).find((v) => ours.has(v['name']));
  if (volume !== undefined) return `the pod already has a volume named ${String(volume['name'])}`;
  return null;
}

export function decide(request: AdmissionRequest, ctx: InjectionContext): Decision {
  const { kind, resource } = request;
  if (kind.group !== '' || kind.kind !== 'Pod' || resource.resource !== 'pods' || request.subResource !== null) {
    return { action: 'skip', reason: `not a pod (${kind.group === '' ? '' : `${kind.group}/`}${kind.kind} ${resource.resource}${request.subResource === null ? '' : `/${request.subResource}`})` };
  }
  if (request.operation !== 'CREATE') return { action: 'skip', reason: `operation ${request.operation}: only pod creation is injected` };
  if (ctx.excludedNamespaces.has(request.namespace)) return { action: 'skip', reason: `namespace ${request.namespace} is never injected` };
  const pod = request.object;
  const metadata = pod !== null && isRecord(pod['metadata']) ? pod['metadata'] : {};
  const spec = pod !== null && isRecord(pod['spec']) ? pod['spec'] : null;
  if (pod === null || spec === null) return { action: 'refuse', reason: 'the request carries no pod spec' };
  const labels = stringMap(metadata['labels']);
  const annotations = stringMap(metadata['annotations']);
  if (labels[INJECT_LABEL] === 'disabled' || annotations[INJECT_LABEL] === 'disabled') return { action: 'skip', reason: `the pod says ${INJECT_LABEL}=disabled` };
  const inits = records(spec['initContainers']);
  if (annotations[STATUS_ANNOTATION] === 'injected' && inits.some((c) => c['name'] === SIDECAR_CONTAINER)) {
    return { action: 'skip', reason: 'the sidecar is already injected' };
  }
  const problem = clash(spec, ctx.template);
  if (problem !== null) return { action: 'refuse', reason: problem };
  const built = buildSidecar(ctx.template, annotations, ctx.caPem);
  if (!built.ok) return { action: 'refuse', reason: built.reason };

  const patch: JsonPatchOp[] = [];
  // First among the init containers, so regular init containers can already use the proxy.
  if (Array.isArray(spec['initContainers'])) patch.push({ op: 'add', path: '/spec/initContainers/0', value: built.container });
  else patch.push({ op: 'add', path: '/spec/initContainers', value: [built.container] });
  if (Array.isArray(spec['volumes'])) for (const v of built.volumes) patch.push({ op: 'add', path: '/spec/volumes/-', value: v });
  else patch.push({ op: 'add', path: '/spec/volumes', value: built.volumes });
  if (isRecord(metadata['annotations'])) patch.push({ op: 'add', path: `/metadata/annotations/${pointerToken(STATUS_ANNOTATION)}`, value: 'injected' });
  else patch.push({ op: 'add', path: '/metadata/annotations', value: { [STATUS_ANNOTATION]: 'injected' } });
  if (isRecord(metadata['labels'])) patch.push({ op: 'add', path: `/metadata/labels/${pointerToken(SIDECAR_LABEL)}`, value: 'injected' });
  else patch.push({ op: 'add', path: '/metadata/labels', value: { [SIDECAR_LABEL]: 'injected' } });
  return { action: 'inject', patch };
}
