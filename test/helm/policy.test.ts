// Best-practice policy over every rendered object of every value set: security contexts,
// resources, probes, RBAC least privilege, PDB and HPA rules. The checks themselves are proven
// to fire by breaking a rendered object on purpose (the second table).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/repo.js';
import { chartCases } from './support/cases.js';
import { findObject, renderObjects, RELEASE, type K8sObject } from './support/helm.js';
import { asArray, asRecord, at, rulesOf, type Json } from './support/objects.js';
import { policyViolations } from './support/policy.js';

const ctx = { prefix: RELEASE };

function containerOf(o: K8sObject, index = 0): Json {
  return asRecord(asArray(at(o, 'spec', 'template', 'spec', 'containers'))[index]);
}

describe('policy over every rendered value set', () => {
  it('test/e2e/values.yaml (the kind install): no violations', () => {
    const objects = renderObjects({ valuesFiles: [join(repoRoot, 'test', 'e2e', 'values.yaml')], serviceMonitorApi: true, set: { 'proxy.image.tag': 'e2e-run', 'operator.image.tag': 'e2e-run' } });
    assert.deepEqual(policyViolations(objects, ctx), []);
    assert.equal(objects.filter((o) => o.kind === 'CustomResourceDefinition').length, 0, 'the e2e applies the CRDs itself');
    assert.equal(objects.filter((o) => o.kind === 'ServiceMonitor').length, 2);
  });
  for (const c of chartCases()) {
    it(`${c.name}: no violations`, () => {
      const objects = renderObjects({ valuesFiles: [c.valuesFile], serviceMonitorApi: true });
      assert.deepEqual(policyViolations(objects, { prefix: c.prefix }), []);
    });
  }
});

describe('the policy checks catch what they claim to', () => {
  // Each row breaks the default render in one way and names the violation it must produce.
  const breakages: ReadonlyArray<{ what: string; mutate: (objects: K8sObject[]) => void; expect: RegExp }> = [
    {
      what: 'a writable root filesystem',
      mutate: (objs) => { asRecord(containerOf(findObject(objs, 'Deployment', 'jussi-proxy')!)['securityContext'])['readOnlyRootFilesystem'] = false; },
      expect: /Deployment\/jussi-proxy container proxy: securityContext.readOnlyRootFilesystem must be true/,
    },
    {
      what: 'capabilities not dropped',
      mutate: (objs) => { delete asRecord(containerOf(findObject(objs, 'Deployment', 'jussi-operator')!)['securityContext'])['capabilities']; },
      expect: /jussi-operator container operator: securityContext.capabilities.drop must include ALL/,
    },
    {
      what: 'a container without resources',
      mutate: (objs) => { delete containerOf(findObject(objs, 'Deployment', 'jussi-proxy')!)['resources']; },
      expect: /container proxy: resources.limits.memory is required/,
    },
    {
      what: 'a container without a readiness probe',
      mutate: (objs) => { delete containerOf(findObject(objs, 'Deployment', 'jussi-operator')!)['readinessProbe']; },
      expect: /container operator: readinessProbe is required/,
    },
    {
      what: 'a wildcard verb',
      mutate: (objs) => { asRecord(asArray(findObject(objs, 'Role', 'jussi-operator')!['rules'])[0])['verbs'] = ['*']; },
      expect: /Role\/jussi-system\/jussi-operator: verbs contains a wildcard/,
    },
    {
      what: 'the proxy reading every ConfigMap',
      mutate: (objs) => { delete asRecord(asArray(findObject(objs, 'Role', 'jussi-proxy')!['rules'])[0])['resourceNames']; },
      expect: /Role jussi-proxy must hold exactly one rule/,
    },
    {
      what: 'a PDB over a single replica',
      mutate: (objs) => { asRecord(findObject(objs, 'Deployment', 'jussi-proxy')!['spec'])['replicas'] = 1; },
      expect: /PodDisruptionBudget jussi-proxy: only with more than one replica/,
    },
    {
      what: 'a root pod',
      mutate: (objs) => { asRecord(at(findObject(objs, 'Deployment', 'jussi-proxy')!, 'spec', 'template', 'spec', 'securityContext'))['runAsUser'] = 0; },
      expect: /Deployment\/jussi-proxy: pod securityContext.runAsUser must be 65532/,
    },
    {
      what: 'a duplicated env var',
      mutate: (objs) => {
        const c = containerOf(findObject(objs, 'Deployment', 'jussi-proxy')!);
        c['env'] = [...asArray(c['env']), { name: 'LOG_LEVEL', value: 'DEBUG' }];
      },
      expect: /duplicate env LOG_LEVEL/,
    },
  ];
  for (const b of breakages) {
    it(`reports ${b.what}`, () => {
      const objects = renderObjects();
      assert.deepEqual(policyViolations(objects, ctx), []);
      b.mutate(objects);
      const found = policyViolations(objects, ctx);
      assert.ok(found.some((v) => b.expect.test(v)), `expected ${b.expect} among ${JSON.stringify(found)}`);
    });
  }
});

describe('PDB and HPA rules', () => {
  const table: ReadonlyArray<{ replicas: number; hpa: boolean; pdb: boolean; replicasField: boolean }> = [
    { replicas: 1, hpa: false, pdb: false, replicasField: true },
    { replicas: 2, hpa: false, pdb: true, replicasField: true },
    { replicas: 5, hpa: false, pdb: true, replicasField: true },
    { replicas: 1, hpa: true, pdb: true, replicasField: false },
    { replicas: 3, hpa: true, pdb: true, replicasField: false },
  ];
  for (const row of table) {
    it(`proxy replicas=${row.replicas} hpa=${row.hpa}: PDB ${row.pdb ? 'rendered' : 'absent'}, spec.replicas ${row.replicasField ? 'set' : 'omitted'}`, () => {
      const objects = renderObjects({ set: { 'proxy.replicas': row.replicas, 'proxy.autoscaling.enabled': row.hpa } });
      assert.equal(findObject(objects, 'PodDisruptionBudget', 'jussi-proxy') !== undefined, row.pdb);
      assert.equal(findObject(objects, 'HorizontalPodAutoscaler', 'jussi-proxy') !== undefined, row.hpa);
      const spec = asRecord(findObject(objects, 'Deployment', 'jussi-proxy')?.['spec']);
      assert.equal('replicas' in spec, row.replicasField);
      if (row.replicasField) assert.equal(spec['replicas'], row.replicas);
    });
  }
  it('operator: a PDB only with more than one replica', () => {
    assert.ok(findObject(renderObjects({ set: { 'operator.replicas': 2 } }), 'PodDisruptionBudget', 'jussi-operator'));
    assert.equal(findObject(renderObjects({ set: { 'operator.replicas': 1 } }), 'PodDisruptionBudget', 'jussi-operator'), undefined);
  });
});

describe('RBAC shape', () => {
  it('the operator watches every namespace through a ClusterRole limited to our resources', () => {
    const objects = renderObjects();
    const clusterRole = findObject(objects, 'ClusterRole', 'jussi-system-jussi-operator');
    assert.ok(clusterRole);
    const rules = rulesOf(clusterRole);
    assert.deepEqual(rules.map((r) => [r.apiGroups, r.resources, r.verbs]), [
      [['jussi.io'], ['jsonrpcupstreams', 'cacherules', 'ratelimitpolicies'], ['get', 'list', 'watch']],
      [['jussi.io'], ['jsonrpcupstreams/status', 'cacherules/status', 'ratelimitpolicies/status'], ['patch']],
      [['', 'events.k8s.io'], ['events'], ['create', 'patch']],
    ]);
  });

  it('with watchNamespaces, one Role per namespace and no ClusterRole', () => {
    const objects = renderObjects({ set: { 'operator.watchNamespaces': ['a', 'b'] } });
    // Only the sidecar half is cluster-wide by nature (TokenReviews, the webhook configuration, Events in application namespaces).
    assert.deepEqual(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').map((o) => o.metadata.name), ['jussi-system-jussi-operator-sidecars', 'jussi-system-jussi-operator-sidecars']);
    const none = renderObjects({ set: { 'operator.watchNamespaces': ['a', 'b'], 'sidecar.enabled': false } });
    assert.equal(none.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').length, 0);
    const roles = objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'jussi-operator-resources');
    assert.deepEqual(roles.map((r) => r.metadata.namespace), ['a', 'b']);
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'jussi-operator-resources');
    assert.deepEqual(bindings.map((b) => at(asArray(b['subjects'])[0], 'namespace')), ['jussi-system', 'jussi-system']);
  });

  it('the operator may write only its one ConfigMap and its one Lease', () => {
    const rules = rulesOf(findObject(renderObjects(), 'Role', 'jussi-operator')!);
    const writes = rules.filter((r) => r.verbs.some((v) => v === 'patch' || v === 'update'));
    assert.deepEqual(writes.map((r) => [r.resources, r.resourceNames]), [
      [['configmaps'], ['jussi-proxy-config']],
      [['leases'], ['jussi-operator-leader']],
      [['events'], []],
    ]);
  });
});
