// The injected sidecar: the proxy as a native sidecar (an init container with restartPolicy
// Always, Kubernetes 1.29+), from the chart's defaults with per-pod annotation overrides. Pure:
// template and pod annotations in, container and volumes out (or the reason an override is bad).

import { isQuantity, quantityValue } from './quantity.js';

export const SIDECAR_CONTAINER = 'jussi-proxy';
export const INJECT_LABEL = 'jussi.io/inject';
/** Set on injected pods (the idempotency marker) and readable with -l jussi.io/sidecar=injected. */
export const SIDECAR_LABEL = 'jussi.io/sidecar';
export const STATUS_ANNOTATION = 'jussi.io/sidecar-status';

export const OVERRIDE_ANNOTATIONS = {
  cpuRequest: 'jussi.io/sidecar-cpu-request',
  cpuLimit: 'jussi.io/sidecar-cpu-limit',
  memoryRequest: 'jussi.io/sidecar-memory-request',
  memoryLimit: 'jussi.io/sidecar-memory-limit',
  memoryCacheBytes: 'jussi.io/sidecar-memory-cache-bytes',
} as const;

export const VOLUMES = { token: 'jussi-token', config: 'jussi-config', tmp: 'jussi-tmp' } as const;
export const TOKEN_DIR = '/var/run/secrets/jussi.io/serviceaccount';
export const CONFIG_DIR = '/etc/jussi/config';

export interface ResourceQuantities {
  readonly cpu?: string;
  readonly memory?: string;
}

export interface SidecarTemplate {
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Traffic port on 127.0.0.1 (the application calls http://127.0.0.1:<port>/). */
  readonly port: number;
  /** Admin port (probes, /metrics, /state) on the pod IP. */
  readonly adminPort: number;
  readonly resources: { readonly requests: ResourceQuantities; readonly limits: ResourceQuantities };
  readonly memoryCacheBytes: number;
  /** Where the sidecar long-polls the operator for its config. */
  readonly operatorUrl: string;
  /** Audience of the projected service-account token the sidecar presents. */
  readonly audience: string;
  readonly tokenExpirationSeconds: number;
  /** ConfigMap mounted (optional) in the pod's namespace as the fallback config file. */
  readonly fallbackConfigMap: string;
  readonly runAsUser: number;
  /** Extra environment (log level, Redis URL, ...). */
  readonly env: readonly { readonly name: string; readonly value: string }[];
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type Built = { readonly ok: true; readonly container: JsonObject; readonly volumes: JsonObject[] } | { readonly ok: false; readonly reason: string };

interface Overrides {
  requests: ResourceQuantities;
  limits: ResourceQuantities;
  memoryCacheBytes: number;
}

function overrides(template: SidecarTemplate, annotations: Readonly<Record<string, string>>): { ok: true; value: Overrides } | { ok: false; reason: string } {
  const requests: { cpu?: string; memory?: string } = { ...template.resources.requests };
  const limits: { cpu?: string; memory?: string } = { ...template.resources.limits };
  const pairs: [string, { cpu?: string; memory?: string }, 'cpu' | 'memory'][] = [
    [OVERRIDE_ANNOTATIONS.cpuRequest, requests, 'cpu'],
    [OVERRIDE_ANNOTATIONS.cpuLimit, limits, 'cpu'],
    [OVERRIDE_ANNOTATIONS.memoryRequest, requests, 'memory'],
    [OVERRIDE_ANNOTATIONS.memoryLimit, limits, 'memory'],
  ];
  for (const [annotation, target, field] of pairs) {
    const v = annotations[annotation];
    if (v === undefined) continue;
    if (!isQuantity(v)) return { ok: false, reason: `annotation ${annotation}="${v}" is not a Kubernetes quantity (e.g. 100m, 1, 128Mi)` };
    target[field] = v.trim();
  }
  for (const field of ['cpu', 'memory'] as const) {
    const req = requests[field] === undefined ? null : quantityValue(requests[field]);
    const lim = limits[field] === undefined ? null : quantityValue(limits[field]);
    if (req !== null && lim !== null && req > lim) return { ok: false, reason: `the sidecar's ${field} request ${requests[field]} exceeds its limit ${limits[field]}` };
  }
  let memoryCacheBytes = template.memoryCacheBytes;
  const cache = annotations[OVERRIDE_ANNOTATIONS.memoryCacheBytes];
  if (cache !== undefined) {
    if (!/^\d{1,15}$/.test(cache.trim())) return { ok: false, reason: `annotation ${OVERRIDE_ANNOTATIONS.memoryCacheBytes}="${cache}" is not a byte count (0 turns the memory cache off)` };
    memoryCacheBytes = Number(cache.trim());
  }
  const limitBytes = limits.memory === undefined ? null : quantityValue(limits.memory);
  if (limitBytes !== null && memoryCacheBytes > limitBytes / 2) {
    return { ok: false, reason: `a memory cache of ${memoryCacheBytes} bytes does not fit in half the sidecar's memory limit ${limits.memory}` };
  }
  return { ok: true, value: { requests, limits, memoryCacheBytes } };
}

function quantities(q: ResourceQuantities): JsonObject {
  const out: JsonObject = {};
  if (q.cpu !== undefined) out['cpu'] = q.cpu;
  if (q.memory !== undefined) out['memory'] = q.memory;
  return out;
}

/** --max-old-space-size at 75% of the memory limit, as the chart does for the proxy Deployment. */
function heapFlag(limits: ResourceQuantities): string | null {
  const bytes = limits.memory === undefined ? null : quantityValue(limits.memory);
  if (bytes === null) return null;
  return `--max-old-space-size=${Math.max(64, Math.floor((bytes * 0.75) / 2 ** 20))}`;
}

function probe(path: string, port: number, periodSeconds: number, failureThreshold: number): JsonObject {
  return { httpGet: { path, port }, periodSeconds, failureThreshold, timeoutSeconds: 2 };
}

/** The sidecar container and its volumes for a pod with `annotations`, or why they cannot be built. */
export function buildSidecar(template: SidecarTemplate, annotations: Readonly<Record<string, string>>, caPem: string | null): Built {
  const o = overrides(template, annotations);
  if (!o.ok) return o;
  const env: JsonObject[] = [
    { name: 'JUSSI_SERVER_HOST', value: '127.0.0.1' },
    { name: 'JUSSI_SERVER_PORT', value: String(template.port) },
    { name: 'JUSSI_ADMIN_HOST', value: '0.0.0.0' },
    { name: 'JUSSI_ADMIN_PORT', value: String(template.adminPort) },
    { name: 'JUSSI_SERVER_WORKERS', value: '1' },
    { name: 'JUSSI_MEMORY_CACHE_MAX_BYTES', value: String(o.value.memoryCacheBytes) },
    { name: 'JUSSI_CONFIG_OPERATOR_URL', value: template.operatorUrl },
    { name: 'JUSSI_CONFIG_OPERATOR_TOKEN_FILE', value: `${TOKEN_DIR}/token` },
    { name: 'JUSSI_UPSTREAM_CONFIG_FILE', value: `${CONFIG_DIR}/config.json` },
  ];
  if (caPem !== null) env.push({ name: 'JUSSI_CONFIG_OPERATOR_CA', value: caPem });
  const heap = heapFlag(o.value.limits);
  if (heap !== null) env.push({ name: 'NODE_OPTIONS', value: heap });
  const ours = new Set(env.map((e) => e['name']));
  for (const e of template.env) if (!ours.has(e.name)) env.push({ name: e.name, value: e.value });
  const container: JsonObject = {
    name: SIDECAR_CONTAINER,
    image: template.image,
    imagePullPolicy: template.imagePullPolicy,
    restartPolicy: 'Always',
    env,
    ports: [{ name: 'jussi-admin', containerPort: template.adminPort, protocol: 'TCP' }],
    // The application containers start once this passes: the proxy has a config.
    startupProbe: probe('/health/ready', template.adminPort, 1, 120),
    readinessProbe: probe('/health/ready', template.adminPort, 5, 3),
    livenessProbe: probe('/health/live', template.adminPort, 10, 3),
    resources: { requests: quantities(o.value.requests), limits: quantities(o.value.limits) },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: template.runAsUser,
      runAsGroup: template.runAsUser,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: VOLUMES.token, mountPath: TOKEN_DIR, readOnly: true },
      { name: VOLUMES.config, mountPath: CONFIG_DIR, readOnly: true },
      { name: VOLUMES.tmp, mountPath: '/tmp' },
    ],
  };
  const volumes: JsonObject[] = [
    { name: VOLUMES.token, projected: { sources: [{ serviceAccountToken: { audience: template.audience, expirationSeconds: template.tokenExpirationSeconds, path: 'token' } }] } },
    { name: VOLUMES.config, configMap: { name: template.fallbackConfigMap, optional: true } },
    { name: VOLUMES.tmp, emptyDir: { sizeLimit: '16Mi' } },
  ];
  return { ok: true, container, volumes };
}
