// Every ServiceMonitor and PodMonitor the chart renders is one the Prometheus Operator accepts:
// validated against the openAPIV3Schema of the real CRDs (prometheus-operator 0.84.1, kept in
// test/helm/prometheus-operator-crds/), with unknown fields refused as the API server's strict
// field validation does (a misspelt field would otherwise be pruned silently and the scrape
// config lost).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiServerApproximation, describeRejection } from '../crds/support/apiserver-approximation.js';
import { type Crd, readYamlDocuments, storageSchema, yamlFiles } from '../crds/support/crd-files.js';
import { repoRoot, sharedDir } from '../support/repo.js';
import { chartCases } from './support/cases.js';
import { chartDir, helm, NAMESPACE, parseObjects, RELEASE, SERVICE_MONITOR_API, type K8sObject } from './support/helm.js';

const vendoredDir = join(repoRoot, 'test', 'helm', 'prometheus-operator-crds');
const POD_MONITOR_API = 'monitoring.coreos.com/v1/PodMonitor';
const MONITOR_KINDS = ['ServiceMonitor', 'PodMonitor'];

const crds = yamlFiles(vendoredDir).flatMap((f) => readYamlDocuments(f) as Crd[]);
const servers = new Map(crds.map((c) => [c.spec.names.kind, new ApiServerApproximation(storageSchema(c))]));

/** Renders with both monitor APIs available, as in a cluster with the Prometheus Operator. */
function render(args: readonly string[]): K8sObject[] {
  const r = helm(['template', RELEASE, chartDir, '--namespace', NAMESPACE, '--api-versions', SERVICE_MONITOR_API, '--api-versions', POD_MONITOR_API, ...args]);
  assert.equal(r.status, 0, r.stderr);
  return parseObjects(r.stdout);
}

function monitors(objects: readonly K8sObject[]): K8sObject[] {
  return objects.filter((o) => MONITOR_KINDS.includes(o.kind));
}

function assertAccepted(monitor: K8sObject): void {
  assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
  const server = servers.get(monitor.kind);
  assert.ok(server !== undefined, `no CRD for ${monitor.kind}`);
  assert.deepEqual(server.check(monitor).map(describeRejection), [], `${monitor.kind} ${monitor.metadata.name}`);
}

describe('ServiceMonitor and PodMonitor against the Prometheus Operator CRDs', () => {
  it('the vendored CRDs are ServiceMonitor and PodMonitor, monitoring.coreos.com/v1 (and match the shared reference when present)', () => {
    assert.deepEqual(crds.map((c) => `${c.spec.group}/${c.spec.versions.find((v) => v.storage)?.name}/${c.spec.names.kind}`).sort(), [
      'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/ServiceMonitor',
    ]);
    const shared = join(sharedDir, 'reference', 'kubernetes', 'crds');
    if (!existsSync(shared)) return;
    for (const file of yamlFiles(vendoredDir)) {
      const name = file.slice(vendoredDir.length + 1);
      assert.equal(readFileSync(file, 'utf8'), readFileSync(join(shared, name), 'utf8'), `${name} differs from ${shared}`);
    }
  });

  it('the checker refuses what the operator would: a wrong type, an unknown field', () => {
    const bad = {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x' },
      spec: { selector: {}, endpoints: [{ port: 'metrics', honorLabels: 'yes', scrapeInterval: '30s' }] },
    };
    assert.deepEqual(servers.get('ServiceMonitor')?.check(bad).map((r) => `${r.path}: ${r.type}`), [
      'spec.endpoints[0].honorLabels: Invalid value', 'spec.endpoints[0].scrapeInterval: unknown field',
    ]);
  });

  it('monitors enabled with the default values: one ServiceMonitor each for the proxies and the operator, accepted', () => {
    const found = monitors(render(['--set', 'metrics.serviceMonitor.enabled=true']));
    assert.deepEqual(found.filter((m) => m.kind === 'ServiceMonitor').map((m) => m.metadata.name).sort(), [`${RELEASE}-operator`, `${RELEASE}-proxy`]);
    for (const m of found) assertAccepted(m);
  });

  it('monitors enabled with every monitor value set, accepted', () => {
    const found = monitors(render([
      '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.namespace=monitoring',
      '--set', 'metrics.serviceMonitor.additionalLabels.release=kube-prometheus-stack', '--set', 'metrics.serviceMonitor.interval=15s',
      '--set', 'metrics.serviceMonitor.scrapeTimeout=5s', '--set', 'metrics.serviceMonitor.honorLabels=true',
    ]));
    assert.ok(found.length >= 2);
    for (const m of found) assertAccepted(m);
  });

  for (const c of chartCases()) {
    it(`${c.name}: every rendered monitor is accepted`, () => {
      for (const m of monitors(render(['--values', c.valuesFile]))) assertAccepted(m);
    });
  }
});
