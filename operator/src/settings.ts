// The operator's settings, read once from the environment (the Helm chart sets them). Every bad
// value is an error naming the variable; global limits come from here, not from custom resources.

import { parseBoolean } from '@jussi/proxy/config/env';
import type { LogSettings } from '@jussi/proxy/config/settings';
import { DEFAULT_API_BURST, DEFAULT_API_QPS } from './kube/api-rate.js';
import { DEFAULT_OPERATOR_LIMITS, type OperatorLimits } from './render/limits.js';
import type { RawEdge } from '@jussi/proxy/config/document';
import { validateConfigSchema } from '@jussi/proxy/config/schema';
import { readSidecarSettings, type SidecarSettings } from './sidecar-settings.js';

export interface OperatorSettings {
  /** This replica's identity in the leader election (POD_NAME, else the host name). */
  readonly identity: string;
  readonly podNamespace: string;
  /** Namespaces whose CRs are watched; empty = all namespaces. */
  readonly watchNamespaces: readonly string[];
  readonly configMap: { readonly namespace: string; readonly name: string };
  readonly proxyNamespace: string;
  readonly proxySelector: string;
  readonly proxyAdminPort: number;
  readonly statusPollIntervalMs: number;
  readonly stateTimeoutMs: number;
  readonly stateConcurrency: number;
  readonly lease: { readonly namespace: string; readonly name: string; readonly durationMs: number; readonly renewDeadlineMs: number; readonly retryPeriodMs: number };
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** Debounce of renders: quiet period, and the longest a burst of events can delay one. */
  readonly debounceMs: number;
  readonly debounceMaxMs: number;
  /** Rate of the operator's status writes (client-go's QPS and Burst). */
  readonly kubeApi: { readonly qps: number; readonly burst: number };
  readonly limits: OperatorLimits;
  /** OPERATOR_EDGE: the document's `edge` member without rate_limits (CORS, auth, trusted proxies); RateLimitPolicies add buckets. */
  readonly edge?: RawEdge;
  readonly log: LogSettings;
  /** Sidecar injection and config distribution (sidecar-settings.ts). */
  readonly sidecar: SidecarSettings;
}

export interface OperatorEnvError {
  readonly variable: string;
  readonly value: string;
  readonly message: string;
}

export type OperatorSettingsResult = { readonly ok: true; readonly settings: OperatorSettings } | { readonly ok: false; readonly errors: readonly OperatorEnvError[] };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

export function readOperatorSettings(env: Readonly<Record<string, string | undefined>>, hostname: string): OperatorSettingsResult {
  const errors: OperatorEnvError[] = [];
  const raw = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      errors.push({ variable: name, value: v, message: `expected an integer from ${min} to ${max}` });
      return fallback;
    }
    return n;
  };
  const positive = (name: string, fallback: number, max: number): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) {
      errors.push({ variable: name, value: v, message: `expected a number above 0, at most ${max}` });
      return fallback;
    }
    return n;
  };
  const seconds = (name: string, fallback: number, min: number): number => {
    const v = raw(name);
    if (v === undefined) return fallback * 1000;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) {
      errors.push({ variable: name, value: v, message: `expected a number of seconds >= ${min}` });
      return fallback * 1000;
    }
    return Math.round(n * 1000);
  };
  const ref = (name: string, fallbackNamespace: string, fallbackName: string): { namespace: string; name: string } => {
    const v = raw(name);
    if (v === undefined) return { namespace: fallbackNamespace, name: fallbackName };
    const [ns, n, extra] = v.split('/');
    if (extra !== undefined || ns === undefined || n === undefined || !DNS_LABEL.test(ns) || !DNS_SUBDOMAIN.test(n)) {
      errors.push({ variable: name, value: v, message: 'expected namespace/name (lower-case DNS names)' });
      return { namespace: fallbackNamespace, name: fallbackName };
    }
    return { namespace: ns, name: n };
  };

  const podNamespace = raw('POD_NAMESPACE') ?? 'default';
  if (!DNS_LABEL.test(podNamespace)) errors.push({ variable: 'POD_NAMESPACE', value: podNamespace, message: 'expected a namespace name' });
  const watchNamespaces = (raw('OPERATOR_WATCH_NAMESPACES') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const ns of watchNamespaces) if (!DNS_LABEL.test(ns)) errors.push({ variable: 'OPERATOR_WATCH_NAMESPACES', value: ns, message: 'expected comma-separated namespace names' });
  const blacklist = (raw('OPERATOR_LIMITS_ACCOUNTS_BLACKLIST') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

  const levelRaw = (raw('LOG_LEVEL') ?? 'INFO').toUpperCase();
  const level = levelRaw === 'WARNING' ? 'WARN' : levelRaw;
  if (level !== 'DEBUG' && level !== 'INFO' && level !== 'WARN' && level !== 'ERROR') errors.push({ variable: 'LOG_LEVEL', value: levelRaw, message: 'expected one of DEBUG, INFO, WARN, ERROR' });
  const format = (raw('LOG_FORMAT') ?? 'json').toLowerCase();
  if (format !== 'json' && format !== 'text') errors.push({ variable: 'LOG_FORMAT', value: format, message: 'expected json or text' });

  const leaseDuration = seconds('OPERATOR_LEASE_DURATION', 15, 1);
  const renewDeadline = seconds('OPERATOR_LEASE_RENEW_DEADLINE', 10, 0.5);
  const retryPeriod = seconds('OPERATOR_LEASE_RETRY_PERIOD', 2, 0.1);
  if (!(leaseDuration > renewDeadline && renewDeadline > retryPeriod)) {
    errors.push({ variable: 'OPERATOR_LEASE_DURATION', value: String(leaseDuration / 1000), message: 'needs lease duration > renew deadline > retry period' });
  }
  const debounceMs = int('OPERATOR_DEBOUNCE_MS', 100, 0, 60_000);
  const debounceMaxMs = int('OPERATOR_DEBOUNCE_MAX_MS', 500, 0, 600_000);

  const edge = edgeSetting(raw('OPERATOR_EDGE'), errors);

  const settings: OperatorSettings = {
    identity: raw('POD_NAME') ?? hostname,
    podNamespace,
    watchNamespaces,
    configMap: ref('OPERATOR_CONFIGMAP', podNamespace, 'jussi-proxy-config'),
    proxyNamespace: raw('OPERATOR_PROXY_NAMESPACE') ?? podNamespace,
    proxySelector: raw('OPERATOR_PROXY_SELECTOR') ?? 'app.kubernetes.io/name=jussi,app.kubernetes.io/component=proxy',
    proxyAdminPort: int('OPERATOR_PROXY_ADMIN_PORT', 9090, 1, 65535),
    statusPollIntervalMs: seconds('OPERATOR_STATUS_POLL_INTERVAL', 5, 0.1),
    stateTimeoutMs: seconds('OPERATOR_STATE_TIMEOUT', 2, 0.1),
    stateConcurrency: int('OPERATOR_STATE_CONCURRENCY', 8, 1, 256),
    lease: {
      namespace: raw('OPERATOR_LEASE_NAMESPACE') ?? podNamespace,
      name: raw('OPERATOR_LEASE_NAME') ?? 'jussi-operator-leader',
      durationMs: leaseDuration,
      renewDeadlineMs: renewDeadline,
      retryPeriodMs: retryPeriod,
    },
    metricsHost: raw('OPERATOR_METRICS_HOST') ?? '0.0.0.0',
    metricsPort: int('OPERATOR_METRICS_PORT', 8080, 0, 65535),
    debounceMs,
    debounceMaxMs: Math.max(debounceMs, debounceMaxMs),
    kubeApi: {
      qps: positive('OPERATOR_KUBE_API_QPS', DEFAULT_API_QPS, 10_000),
      burst: int('OPERATOR_KUBE_API_BURST', DEFAULT_API_BURST, 1, 100_000),
    },
    limits: {
      batchSizeLimit: int('OPERATOR_LIMITS_BATCH_SIZE', DEFAULT_OPERATOR_LIMITS.batchSizeLimit, 1),
      accountHistoryLimit: int('OPERATOR_LIMITS_ACCOUNT_HISTORY', DEFAULT_OPERATOR_LIMITS.accountHistoryLimit, 1),
      customJsonOpLength: int('OPERATOR_LIMITS_CUSTOM_JSON_OP_LENGTH', DEFAULT_OPERATOR_LIMITS.customJsonOpLength, 1),
      accountsBlacklist: blacklist,
    },
    ...(edge === undefined ? {} : { edge }),
    log: {
      level: level as LogSettings['level'],
      format: format === 'text' ? 'text' : 'json',
      output: 'stdout',
      includeCaller: parseBoolean(raw('LOG_INCLUDE_CALLER') ?? 'false') ?? false,
      timestampFormat: 'rfc3339',
      accessSampleRate: 1,
    },
    sidecar: readSidecarSettings(env, podNamespace, errors),
  };
  return errors.length === 0 ? { ok: true, settings } : { ok: false, errors };
}

/**
 * OPERATOR_EDGE: JSON of the document's `edge` member (the chart writes it from its `edge`
 * values), checked with the proxy's own schema so a mistake stops the operator with the path.
 * Bucket definitions belong in RateLimitPolicies.
 */
function edgeSetting(text: string | undefined, errors: OperatorEnvError[]): RawEdge | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    errors.push({ variable: 'OPERATOR_EDGE', value: text.slice(0, 200), message: `expected JSON: ${err instanceof Error ? err.message : String(err)}` });
    return undefined;
  }
  const checked = validateConfigSchema({ upstreams: [], edge: value });
  if (!checked.ok) {
    for (const p of checked.problems) errors.push({ variable: 'OPERATOR_EDGE', value: p.path.replace(/^\/edge/, '') || '(top)', message: p.message });
    return undefined;
  }
  const edge = checked.document.edge as RawEdge;
  if (edge.rate_limits !== undefined) {
    errors.push({ variable: 'OPERATOR_EDGE', value: '/rate_limits', message: 'buckets are defined by RateLimitPolicy resources, not operator settings' });
    return undefined;
  }
  return edge;
}
