// Every environment variable the chart sets is one the programs read, and the values wire the
// two programs together: the proxy's env parses with the proxy's own settings reader, the
// operator finds the proxies with the selector, port, ConfigMap and Lease the chart gives them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSettings } from '@jussi/proxy/config/env';
import { readOperatorSettings } from '@jussi/operator/settings';
import { chartCases } from './support/cases.js';
import { findObject, NAMESPACE, renderObjects, RELEASE, type K8sObject } from './support/helm.js';
import { asArray, asRecord, asStrings, at, containersOf, envOf, rulesOf } from './support/objects.js';

/** What the proxy reads (README "configuration", proxy/src/config/env.ts). */
const PROXY_ENV = new Set([
  'JUSSI_CONFIG_CONFIGMAP', 'JUSSI_CONFIG_CONFIGMAP_KEY', 'JUSSI_UPSTREAM_CONFIG_FILE',
  'JUSSI_SERVER_HOST', 'JUSSI_SERVER_PORT', 'JUSSI_ADMIN_PORT', 'PROMETHEUS_PORT', 'PROMETHEUS_ENABLED',
  'JUSSI_SERVER_WORKERS', 'JUSSI_MEMORY_CACHE_MAX_BYTES', 'JUSSI_SHUTDOWN_GRACE',
  'JUSSI_REDIS_URL', 'JUSSI_REDIS_READ_REPLICA_URLS',
  'LOG_LEVEL', 'LOG_FORMAT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME',
  'JUSSI_RATE_LIMITS', 'JUSSI_API_KEYS_FILE',
]);
/** Read by libraries in the proxy process rather than by our settings reader. */
const LIBRARY_ENV = new Set(['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'NODE_OPTIONS']);
/** What the operator reads (its settings, as agreed in the chart brief). */
const OPERATOR_ENV = new Set([
  'POD_NAME', 'POD_NAMESPACE', 'OPERATOR_WATCH_NAMESPACES', 'OPERATOR_CONFIGMAP', 'OPERATOR_PROXY_NAMESPACE',
  'OPERATOR_PROXY_SELECTOR', 'OPERATOR_PROXY_ADMIN_PORT', 'OPERATOR_STATUS_POLL_INTERVAL', 'OPERATOR_LEASE_NAME',
  'OPERATOR_LEASE_NAMESPACE', 'OPERATOR_METRICS_PORT', 'OPERATOR_LIMITS_BATCH_SIZE', 'OPERATOR_LIMITS_ACCOUNT_HISTORY',
  'OPERATOR_LIMITS_CUSTOM_JSON_OP_LENGTH', 'OPERATOR_LIMITS_ACCOUNTS_BLACKLIST', 'OPERATOR_EDGE', 'LOG_LEVEL', 'LOG_FORMAT', 'NODE_OPTIONS',
  // The sidecar half (operator/src/sidecar-settings.ts).
  'OPERATOR_SIDECARS', 'OPERATOR_WEBHOOK_PORT', 'OPERATOR_WEBHOOK_SERVICE', 'OPERATOR_WEBHOOK_CERT_DIR', 'OPERATOR_WEBHOOK_SECRET',
  'OPERATOR_WEBHOOK_CONFIGURATION', 'OPERATOR_CERT_VALIDITY_DAYS', 'OPERATOR_WEBHOOK_HOSTS', 'OPERATOR_INJECT_EXCLUDE_NAMESPACES',
  'OPERATOR_CONFIG_PORT', 'OPERATOR_CONFIG_URL', 'OPERATOR_CONFIG_AUDIENCE', 'OPERATOR_CONFIG_NAMESPACES', 'OPERATOR_PEER_SELECTOR',
  'OPERATOR_SIDECAR_SAMPLE', 'OPERATOR_SIDECAR_IMAGE', 'OPERATOR_SIDECAR_IMAGE_PULL_POLICY', 'OPERATOR_SIDECAR_PORT',
  'OPERATOR_SIDECAR_ADMIN_PORT', 'OPERATOR_SIDECAR_CPU_REQUEST', 'OPERATOR_SIDECAR_MEMORY_REQUEST', 'OPERATOR_SIDECAR_CPU_LIMIT',
  'OPERATOR_SIDECAR_MEMORY_LIMIT', 'OPERATOR_SIDECAR_MEMORY_CACHE_BYTES', 'OPERATOR_SIDECAR_CONFIGMAP', 'OPERATOR_SIDECAR_ENV',
  'OPERATOR_KUBE_API_QPS', 'OPERATOR_KUBE_API_BURST',
]);

function container(objects: readonly K8sObject[], deployment: string, name: string): Record<string, unknown> {
  const c = containersOf(objects).find((v) => v.pod.owner === `Deployment/${deployment}` && v.name === name);
  assert.ok(c, `container ${name} of Deployment ${deployment} not rendered`);
  return c.container;
}

function literalEnv(c: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of envOf(c)) if (v !== undefined) out[k] = v;
  return out;
}

function portNamed(c: Record<string, unknown>, name: string): unknown {
  return asRecord(asArray(c['ports']).find((p) => asRecord(p)['name'] === name))['containerPort'];
}

describe('edge settings', () => {
  it('OPERATOR_EDGE parses with the operator settings reader; keys are files the proxy pods mount', () => {
    const c = chartCases().find((x) => x.name === 'public-endpoint');
    assert.ok(c);
    const objects = renderObjects({ valuesFiles: [c.valuesFile], serviceMonitorApi: true });
    const operatorEnv = literalEnv(container(objects, `${c.prefix}-operator`, 'operator'));
    const settings = readOperatorSettings(operatorEnv, 'host');
    assert.ok(settings.ok, JSON.stringify(settings.ok ? '' : settings.errors));
    assert.equal(settings.settings.edge?.auth?.api_keys?.file, '/etc/jussi/api-keys/keys');
    assert.ok(!JSON.stringify(operatorEnv).includes('jussi-api-keys'), 'only the path reaches the document, not the Secret');
    const proxy = container(objects, `${c.prefix}-proxy`, 'proxy');
    assert.equal(literalEnv(proxy)['JUSSI_API_KEYS_FILE'], '/etc/jussi/api-keys/keys');
    const mounts = asArray(proxy['volumeMounts']).map((m) => [at(m, 'name'), at(m, 'mountPath'), at(m, 'readOnly')]);
    assert.ok(mounts.some(([n, p, ro]) => n === 'api-keys' && p === '/etc/jussi/api-keys' && ro === true));
  });
});

describe('environment variables', () => {
  it('every proxy variable in our list is one the proxy settings reader actually reads', () => {
    const read = new Set<string>();
    const recorder = new Proxy<Record<string, string | undefined>>({}, {
      get: (_t, key) => { if (typeof key === 'string') read.add(key); return undefined; },
    });
    readSettings(recorder);
    assert.deepEqual([...PROXY_ENV].filter((name) => !read.has(name)), []);
  });

  for (const c of chartCases()) {
    it(`${c.name}: the proxy and the operator get only variables they read`, () => {
      const objects = renderObjects({ valuesFiles: [c.valuesFile], serviceMonitorApi: true });
      for (const view of containersOf(objects)) {
        const names = [...envOf(view.container).keys()];
        if (view.pod.owner === `Deployment/${c.prefix}-proxy`) {
          assert.deepEqual(names.filter((n) => !PROXY_ENV.has(n) && !LIBRARY_ENV.has(n)), [], `proxy env not read by the proxy`);
        } else if (view.pod.owner === `Deployment/${c.prefix}-operator`) {
          assert.deepEqual(names.filter((n) => !OPERATOR_ENV.has(n)), [], `operator env not read by the operator`);
        } else {
          // Other containers (the helm test pod) run a script given in args: it must read each one.
          const script = [...asStrings(view.container['command']), ...asStrings(view.container['args'])].join('\n');
          assert.deepEqual(names.filter((n) => !script.includes(`process.env.${n}`)), [], `${view.pod.owner} sets env its script ignores`);
        }
      }
    });
  }

  it('the rendered proxy env is accepted by the proxy settings reader, with the values the chart means', () => {
    for (const c of chartCases()) {
      const objects = renderObjects({ valuesFiles: [c.valuesFile], serviceMonitorApi: true });
      const proxy = container(objects, `${c.prefix}-proxy`, 'proxy');
      const result = readSettings(literalEnv(proxy));
      assert.ok(result.ok, `${c.name}: ${JSON.stringify(result.ok ? '' : result.errors)}`);
      const s = result.settings;
      assert.deepEqual(s.source.configMap, { namespace: NAMESPACE, name: `${c.prefix}-proxy-config` }, c.name);
      assert.equal(s.server.port, portNamed(proxy, 'rpc'), c.name);
      assert.equal(s.admin.port, portNamed(proxy, 'metrics'), c.name);
      assert.equal(at(proxy, 'readinessProbe', 'httpGet', 'path'), '/health/ready');
      assert.equal(at(proxy, 'livenessProbe', 'httpGet', 'path'), '/health/live');
      const grace = Number(at(findObject(objects, 'Deployment', `${c.prefix}-proxy`), 'spec', 'template', 'spec', 'terminationGracePeriodSeconds'));
      assert.ok(grace * 1000 > s.server.shutdownGraceMs, `${c.name}: terminationGracePeriodSeconds must exceed JUSSI_SHUTDOWN_GRACE`);
    }
  });

  it('the bundled Redis URL points at the Redis Service', () => {
    const objects = renderObjects({ set: { 'redis.enabled': true } });
    const env = literalEnv(container(objects, 'jussi-proxy', 'proxy'));
    const svc = findObject(objects, 'Service', 'jussi-redis');
    assert.ok(svc);
    assert.equal(env['JUSSI_REDIS_URL'], `redis://jussi-redis.${NAMESPACE}.svc:6379`);
    assert.equal(at(asArray(at(svc, 'spec', 'ports'))[0], 'port'), 6379);
    const noRedis = literalEnv(container(renderObjects(), 'jussi-proxy', 'proxy'));
    assert.equal(noRedis['JUSSI_REDIS_URL'], undefined);
  });

  it('the operator is wired to the proxies: selector, admin port, ConfigMap, Lease, metrics port', () => {
    const objects = renderObjects({ set: { 'proxy.adminPort': 9191, 'operator.metricsPort': 8181 } });
    const operator = container(objects, 'jussi-operator', 'operator');
    const env = literalEnv(operator);
    const proxyDeployment = findObject(objects, 'Deployment', 'jussi-proxy');
    const podLabels = asRecord(at(proxyDeployment, 'spec', 'template', 'metadata', 'labels'));
    const selector = Object.fromEntries((env['OPERATOR_PROXY_SELECTOR'] ?? '').split(',').map((kv) => kv.split('=')));
    assert.deepEqual(selector, {
      'app.kubernetes.io/component': 'proxy', 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/name': 'jussi',
    });
    for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, `proxy pods lack ${k}=${String(v)}`);
    // The operator's selector must not match its own pods or Redis.
    const operatorLabels = asRecord(at(findObject(objects, 'Deployment', 'jussi-operator'), 'spec', 'template', 'metadata', 'labels'));
    assert.ok(Object.entries(selector).some(([k, v]) => operatorLabels[k] !== v));
    assert.equal(env['OPERATOR_PROXY_ADMIN_PORT'], '9191');
    assert.equal(portNamed(container(objects, 'jussi-proxy', 'proxy'), 'metrics'), 9191);
    assert.equal(env['OPERATOR_CONFIGMAP'], `${NAMESPACE}/jussi-proxy-config`);
    assert.equal(env['OPERATOR_PROXY_NAMESPACE'], NAMESPACE);
    assert.equal(env['OPERATOR_LEASE_NAMESPACE'], NAMESPACE);
    const leaseRule = rulesOf(findObject(objects, 'Role', 'jussi-operator')!).find((r) => r.resources.includes('leases') && r.resourceNames.length > 0);
    assert.deepEqual(leaseRule?.resourceNames, [env['OPERATOR_LEASE_NAME']]);
    assert.equal(env['OPERATOR_METRICS_PORT'], '8181');
    assert.equal(portNamed(operator, 'metrics'), 8181);
    assert.equal(at(operator, 'livenessProbe', 'httpGet', 'path'), '/healthz');
    assert.equal(at(operator, 'readinessProbe', 'httpGet', 'path'), '/readyz');
    const fieldRefs = asArray(operator['env']).map(asRecord).filter((e) => e['valueFrom'] !== undefined)
      .map((e) => [e['name'], at(e, 'valueFrom', 'fieldRef', 'fieldPath')]);
    assert.deepEqual(fieldRefs, [['POD_NAME', 'metadata.name'], ['POD_NAMESPACE', 'metadata.namespace']]);
  });

  it('operator limits and watched namespaces come from the values', () => {
    const objects = renderObjects({ set: {
      'operator.watchNamespaces': ['rpc', 'rpc-b'],
      'operator.limits': { batchSize: 10, accountHistory: 500, customJsonOpLength: 2048, accountsBlacklist: ['a', 'b'] },
    } });
    const env = literalEnv(container(objects, 'jussi-operator', 'operator'));
    assert.deepEqual(
      [env['OPERATOR_WATCH_NAMESPACES'], env['OPERATOR_LIMITS_BATCH_SIZE'], env['OPERATOR_LIMITS_ACCOUNT_HISTORY'], env['OPERATOR_LIMITS_CUSTOM_JSON_OP_LENGTH'], env['OPERATOR_LIMITS_ACCOUNTS_BLACKLIST']],
      ['rpc,rpc-b', '10', '500', '2048', 'a,b'],
    );
    const defaults = literalEnv(container(renderObjects(), 'jussi-operator', 'operator'));
    assert.deepEqual(
      [defaults['OPERATOR_WATCH_NAMESPACES'], defaults['OPERATOR_LIMITS_BATCH_SIZE'], defaults['OPERATOR_LIMITS_ACCOUNT_HISTORY'], defaults['OPERATOR_LIMITS_CUSTOM_JSON_OP_LENGTH'], defaults['OPERATOR_LIMITS_ACCOUNTS_BLACKLIST'], defaults['OPERATOR_STATUS_POLL_INTERVAL']],
      ['', '50', '100', '8192', '', '5'],
    );
  });

  it('the rendered operator env is accepted by the operator settings reader, with the API rate the values give', () => {
    const defaults = readOperatorSettings(literalEnv(container(renderObjects(), 'jussi-operator', 'operator')), 'pod');
    assert.ok(defaults.ok, JSON.stringify(defaults.ok ? '' : defaults.errors));
    assert.deepEqual(defaults.settings.kubeApi, { qps: 50, burst: 100 });
    const tuned = readOperatorSettings(literalEnv(container(renderObjects({ set: { 'operator.kubeApi': { qps: 7.5, burst: 15 } } }), 'jussi-operator', 'operator')), 'pod');
    assert.ok(tuned.ok);
    assert.deepEqual(tuned.settings.kubeApi, { qps: 7.5, burst: 15 });
  });
});
