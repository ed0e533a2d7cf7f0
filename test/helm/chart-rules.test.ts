// Rules the templates enforce themselves, with messages a person can act on: the ServiceMonitor
// needs its API, the termination grace must cover preStop + drain, the HPA needs a target; and
// the sizing the chart derives from resources (workers, NODE_OPTIONS).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findObject, renderObjects, template, type RenderOptions } from './support/helm.js';
import { asArray, asRecord, at, containersOf, envOf } from './support/objects.js';

function proxyEnv(options: RenderOptions): Map<string, string | undefined> {
  const c = containersOf(renderObjects(options)).find((v) => v.pod.owner === 'Deployment/jussi-proxy');
  assert.ok(c);
  return envOf(c.container);
}

describe('ServiceMonitor', () => {
  it('fails with a clear message when the ServiceMonitor API is not available', () => {
    const r = template({ set: { 'metrics.serviceMonitor.enabled': true } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /metrics\.serviceMonitor\.enabled=true but the cluster has no ServiceMonitor API \(monitoring\.coreos\.com\/v1\): install the Prometheus Operator CRDs first/);
  });

  it('renders one per component, on the named metrics port, with the additional labels', () => {
    const objects = renderObjects({ serviceMonitorApi: true, set: { 'metrics.serviceMonitor.enabled': true, 'metrics.serviceMonitor.additionalLabels': { release: 'kps' } } });
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    assert.deepEqual(monitors.map((m) => m.metadata.name), ['jussi-proxy', 'jussi-operator']);
    for (const m of monitors) {
      assert.equal(m.metadata.labels?.['release'], 'kps');
      assert.equal(m.apiVersion, 'monitoring.coreos.com/v1');
      assert.deepEqual(asArray(at(m, 'spec', 'endpoints')).map((e) => [asRecord(e)['port'], asRecord(e)['path']]), [['metrics', '/metrics']]);
      // The selector must pick exactly the Service that exposes the metrics port of its component.
      const selector = asRecord(at(m, 'spec', 'selector', 'matchLabels'));
      const services = objects.filter((o) => o.kind === 'Service' && Object.entries(selector).every(([k, v]) => o.metadata.labels?.[k] === v));
      assert.equal(services.length, 1, `${m.metadata.name} selects ${services.length} Services`);
      assert.ok(asArray(at(services[0], 'spec', 'ports')).some((p) => asRecord(p)['name'] === 'metrics'));
    }
  });

  it('renders none when disabled, even with the API available', () => {
    assert.equal(renderObjects({ serviceMonitorApi: true }).filter((o) => o.kind === 'ServiceMonitor').length, 0);
  });
});

describe('template guards', () => {
  it('refuses a termination grace that does not cover preStop + shutdown grace', () => {
    const r = template({ set: { 'proxy.terminationGracePeriodSeconds': 20, 'proxy.preStopSleepSeconds': 5, 'proxy.shutdownGraceSeconds': 15 } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /proxy\.terminationGracePeriodSeconds \(20\) must exceed proxy\.preStopSleepSeconds \+ proxy\.shutdownGraceSeconds \(20\)/);
  });

  it('refuses an HPA with no target and one whose minimum exceeds its maximum', () => {
    const noTarget = template({ set: { 'proxy.autoscaling.enabled': true, 'proxy.autoscaling.targetCPUUtilizationPercentage': null } });
    assert.match(noTarget.stderr, /needs proxy\.autoscaling\.targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage/);
    const inverted = template({ set: { 'proxy.autoscaling.enabled': true, 'proxy.autoscaling.minReplicas': 5, 'proxy.autoscaling.maxReplicas': 2 } });
    assert.match(inverted.stderr, /minReplicas \(5\) exceeds maxReplicas \(2\)/);
  });

  it('refuses a memory limit too small for the heap of every worker', () => {
    const r = template({ set: { 'proxy.resources': { limits: { memory: '128Mi', cpu: '4' }, requests: { cpu: '1', memory: '128Mi' } } } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /the memory limit 128Mi leaves 24 MiB of heap per process \(75% split over 4\)/);
  });

  it('preStop sleeps, then the grace period covers the drain', () => {
    const deployment = findObject(renderObjects({ set: { 'proxy.preStopSleepSeconds': 7 } }), 'Deployment', 'jussi-proxy');
    const c = asRecord(asArray(at(deployment, 'spec', 'template', 'spec', 'containers'))[0]);
    assert.deepEqual(at(c, 'lifecycle', 'preStop', 'exec', 'command'), ['sleep', '7']);
  });
});

describe('sizing from resources', () => {
  // The table is the spec: resources -> JUSSI_SERVER_WORKERS and NODE_OPTIONS. The values merge
  // with the defaults (limits cpu 1, memory 512Mi), so a null removes a default.
  const table: ReadonlyArray<{ resources: Record<string, unknown>; workers?: number | null; expectWorkers: string; expectNodeOptions: string | undefined }> = [
    { resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '250m', memory: '256Mi' } }, expectWorkers: '1', expectNodeOptions: '--max-old-space-size=384' },
    { resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }, expectWorkers: '2', expectNodeOptions: '--max-old-space-size=384' },
    { resources: { limits: { cpu: '1500m', memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } }, expectWorkers: '2', expectNodeOptions: '--max-old-space-size=768' },
    { resources: { limits: { cpu: 3, memory: '1073741824' }, requests: { cpu: '1', memory: '1Gi' } }, expectWorkers: '3', expectNodeOptions: '--max-old-space-size=256' },
    { resources: { limits: { cpu: null, memory: '1G' }, requests: { cpu: '2500m', memory: '512M' } }, expectWorkers: '3', expectNodeOptions: '--max-old-space-size=238' },
    { resources: { limits: { cpu: null, memory: '786432Ki' }, requests: { cpu: '100m', memory: '512Mi' } }, expectWorkers: '1', expectNodeOptions: '--max-old-space-size=576' },
    { resources: { limits: { cpu: '4', memory: '4Gi' }, requests: { cpu: '1', memory: '1Gi' } }, workers: 1, expectWorkers: '1', expectNodeOptions: '--max-old-space-size=3072' },
    { resources: { limits: null, requests: { cpu: '100m', memory: '128Mi' } }, expectWorkers: '1', expectNodeOptions: undefined },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.resources)}${row.workers ? ` workers=${row.workers}` : ''} -> workers ${row.expectWorkers}, ${row.expectNodeOptions ?? 'no NODE_OPTIONS'}`, () => {
      const env = proxyEnv({ set: { 'proxy.resources': row.resources, ...(row.workers ? { 'proxy.workers': row.workers } : {}) } });
      assert.equal(env.get('JUSSI_SERVER_WORKERS'), row.expectWorkers);
      assert.equal(env.get('NODE_OPTIONS'), row.expectNodeOptions);
    });
  }

  it('the operator heap follows its own memory limit', () => {
    const objects = renderObjects({ set: { 'operator.resources': { limits: { memory: '400Mi' }, requests: { cpu: '50m', memory: '128Mi' } }, 'operator.nodeOptions': '--enable-source-maps' } });
    const c = containersOf(objects).find((v) => v.pod.owner === 'Deployment/jussi-operator');
    assert.ok(c);
    assert.equal(envOf(c.container).get('NODE_OPTIONS'), '--max-old-space-size=300 --enable-source-maps');
  });
});
