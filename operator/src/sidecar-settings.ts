// The operator's sidecar settings (injection webhook, certificates, config distribution, the
// injected container), read from the environment next to settings.ts; every bad value is an
// error naming the variable. Off unless OPERATOR_SIDECARS is true (the chart sets it).

import { parseBoolean } from '@jussi/proxy/config/env';
import { DEFAULT_ROTATION, type RotationPolicy } from './certs/rotation.js';
import { isQuantity } from './webhook/quantity.js';
import type { SidecarTemplate } from './webhook/sidecar-container.js';

export interface SidecarSettings {
  readonly enabled: boolean;
  readonly webhook: {
    readonly host: string;
    readonly port: number;
    /** OPERATOR_WEBHOOK_CERT_DIR: tls.crt/tls.key (and ca.crt) provided (cert-manager); null = self-managed Secret. */
    readonly certDir: string | null;
    readonly secret: { readonly namespace: string; readonly name: string };
    /** MutatingWebhookConfiguration whose caBundle the leader keeps current; null = someone else does (cert-manager). */
    readonly configurationName: string | null;
    /** DNS names and IPs the self-managed serving certificate covers. */
    readonly hosts: readonly string[];
    readonly rotation: RotationPolicy;
    /** Namespaces never injected (always kube-system, kube-public, kube-node-lease and the operator's own). */
    readonly excludedNamespaces: readonly string[];
  };
  readonly config: {
    readonly host: string;
    readonly port: number;
    readonly audience: string;
    readonly allowedNamespaces: readonly string[];
    readonly maxWaitSeconds: number;
  };
  /** Label selector of the operator's own pods (peers that also hold sidecar polls); null = alone. */
  readonly peerSelector: string | null;
  /** Sidecars whose /state is pulled per status round (pool and cache figures are sampled). */
  readonly sampleSize: number;
  readonly template: SidecarTemplate;
}

export interface SidecarEnvError {
  readonly variable: string;
  readonly value: string;
  readonly message: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const ALWAYS_EXCLUDED = ['kube-system', 'kube-public', 'kube-node-lease'];

export function readSidecarSettings(env: Readonly<Record<string, string | undefined>>, podNamespace: string, errors: SidecarEnvError[]): SidecarSettings {
  const raw = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const fail = (variable: string, value: string, message: string): void => {
    errors.push({ variable, value, message });
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      fail(name, v, `expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const list = (name: string): string[] => (raw(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const namespaces = (name: string): string[] => {
    const l = list(name);
    for (const ns of l) if (!DNS_LABEL.test(ns)) fail(name, ns, 'expected comma-separated namespace names');
    return l;
  };
  const ref = (name: string, fallbackName: string): { namespace: string; name: string } => {
    const v = raw(name);
    if (v === undefined) return { namespace: podNamespace, name: fallbackName };
    const [ns, n, extra] = v.split('/');
    if (extra !== undefined || ns === undefined || n === undefined || !DNS_LABEL.test(ns) || !DNS_SUBDOMAIN.test(n)) {
      fail(name, v, 'expected namespace/name (lower-case DNS names)');
      return { namespace: podNamespace, name: fallbackName };
    }
    return { namespace: ns, name: n };
  };
  const quantity = (name: string, fallback: string | undefined): string | undefined => {
    const v = raw(name);
    if (v === undefined) return fallback;
    if (v === 'none') return undefined;
    if (!isQuantity(v)) fail(name, v, 'expected a Kubernetes quantity (100m, 1, 128Mi, ...) or none');
    return v;
  };
  const enabledRaw = raw('OPERATOR_SIDECARS') ?? 'false';
  const enabled = parseBoolean(enabledRaw);
  if (enabled === undefined) fail('OPERATOR_SIDECARS', enabledRaw, 'expected a boolean (true or false)');

  const service = ref('OPERATOR_WEBHOOK_SERVICE', 'jussi-operator');
  const configPort = int('OPERATOR_CONFIG_PORT', 9444, 0, 65535);
  const extraHosts = list('OPERATOR_WEBHOOK_HOSTS');
  const hosts = [`${service.name}.${service.namespace}.svc`, `${service.name}.${service.namespace}.svc.cluster.local`, ...extraHosts];
  const days = (name: string, fallbackMs: number): number => {
    const v = raw(name);
    if (v === undefined) return fallbackMs;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) {
      fail(name, v, 'expected a positive number of days');
      return fallbackMs;
    }
    return Math.round(n * 24 * 3600_000);
  };
  const operatorUrl = raw('OPERATOR_CONFIG_URL') ?? `https://${service.name}.${service.namespace}.svc:${configPort}`;
  try {
    const u = new URL(operatorUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    fail('OPERATOR_CONFIG_URL', operatorUrl, 'expected the https URL sidecars reach the config server at');
  }
  const pullPolicy = raw('OPERATOR_SIDECAR_IMAGE_PULL_POLICY') ?? 'IfNotPresent';
  if (pullPolicy !== 'Always' && pullPolicy !== 'IfNotPresent' && pullPolicy !== 'Never') fail('OPERATOR_SIDECAR_IMAGE_PULL_POLICY', pullPolicy, 'expected Always, IfNotPresent or Never');
  const envRaw = raw('OPERATOR_SIDECAR_ENV') ?? '{}';
  let extraEnv: { name: string; value: string }[] = [];
  try {
    const parsed: unknown = JSON.parse(envRaw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) throw new Error('shape');
    extraEnv = Object.entries(parsed as Record<string, string>).map(([name, value]) => ({ name, value }));
    for (const e of extraEnv) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) fail('OPERATOR_SIDECAR_ENV', e.name, 'expected environment variable names');
  } catch {
    fail('OPERATOR_SIDECAR_ENV', envRaw, 'expected a JSON object of variable names to string values');
  }
  const port = int('OPERATOR_SIDECAR_PORT', 9000, 1, 65535);
  const adminPort = int('OPERATOR_SIDECAR_ADMIN_PORT', 9090, 1, 65535);
  if (port === adminPort) fail('OPERATOR_SIDECAR_ADMIN_PORT', String(adminPort), 'must differ from OPERATOR_SIDECAR_PORT');
  const peerSelector = raw('OPERATOR_PEER_SELECTOR') ?? null;
  return {
    enabled: enabled === true,
    webhook: {
      host: raw('OPERATOR_WEBHOOK_HOST') ?? '0.0.0.0',
      port: int('OPERATOR_WEBHOOK_PORT', 9443, 0, 65535),
      certDir: raw('OPERATOR_WEBHOOK_CERT_DIR') ?? null,
      secret: ref('OPERATOR_WEBHOOK_SECRET', 'jussi-operator-webhook-tls'),
      configurationName: raw('OPERATOR_WEBHOOK_CONFIGURATION') ?? null,
      hosts,
      rotation: {
        ...DEFAULT_ROTATION,
        caValidityMs: days('OPERATOR_CA_VALIDITY_DAYS', DEFAULT_ROTATION.caValidityMs),
        servingValidityMs: days('OPERATOR_CERT_VALIDITY_DAYS', DEFAULT_ROTATION.servingValidityMs),
      },
      excludedNamespaces: [...new Set([...ALWAYS_EXCLUDED, podNamespace, ...namespaces('OPERATOR_INJECT_EXCLUDE_NAMESPACES')])],
    },
    config: {
      host: raw('OPERATOR_CONFIG_HOST') ?? '0.0.0.0',
      port: configPort,
      audience: raw('OPERATOR_CONFIG_AUDIENCE') ?? 'jussi-operator',
      allowedNamespaces: namespaces('OPERATOR_CONFIG_NAMESPACES'),
      maxWaitSeconds: int('OPERATOR_CONFIG_MAX_WAIT', 60, 1, 300),
    },
    peerSelector,
    sampleSize: int('OPERATOR_SIDECAR_SAMPLE', 16, 0, 1000),
    template: {
      image: raw('OPERATOR_SIDECAR_IMAGE') ?? 'ghcr.io/jussi-io/jussi:0.1.0',
      imagePullPolicy: pullPolicy === 'Always' || pullPolicy === 'Never' ? pullPolicy : 'IfNotPresent',
      port,
      adminPort,
      resources: {
        requests: { ...opt('cpu', quantity('OPERATOR_SIDECAR_CPU_REQUEST', '50m')), ...opt('memory', quantity('OPERATOR_SIDECAR_MEMORY_REQUEST', '96Mi')) },
        limits: { ...opt('cpu', quantity('OPERATOR_SIDECAR_CPU_LIMIT', undefined)), ...opt('memory', quantity('OPERATOR_SIDECAR_MEMORY_LIMIT', '256Mi')) },
      },
      memoryCacheBytes: int('OPERATOR_SIDECAR_MEMORY_CACHE_BYTES', 32 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
      operatorUrl,
      audience: raw('OPERATOR_CONFIG_AUDIENCE') ?? 'jussi-operator',
      tokenExpirationSeconds: int('OPERATOR_SIDECAR_TOKEN_EXPIRATION', 3600, 600, 86_400),
      fallbackConfigMap: raw('OPERATOR_SIDECAR_CONFIGMAP') ?? 'jussi-proxy-config',
      runAsUser: int('OPERATOR_SIDECAR_RUN_AS_USER', 65532, 1, 2_147_483_647),
      env: extraEnv,
    },
  };
}

function opt(key: 'cpu' | 'memory', value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [key]: value };
}
