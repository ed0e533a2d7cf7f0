// The chart's sidecar half wired to the operator: the operator's environment parses with the
// operator's own settings reader; the webhook configuration calls the Service and port the
// operator listens on (or clientConfig.url), with the failure policy and selectors asked for;
// certificates come from the Secret the operator may update (self-managed) or from cert-manager
// with the CA-injector annotation; the operator's RBAC allows exactly what the sidecar half
// does; and the sidecar the operator injects from these settings meets the chart's own policy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOperatorSettings } from '@jussi/operator/settings';
import { buildSidecar } from '@jussi/operator/webhook/sidecar-container';
import { chartCases } from './support/cases.js';
import { findObject, NAMESPACE, renderObjects, type K8sObject } from './support/helm.js';
import { asArray, asRecord, asStrings, at, envOf, rulesOf } from './support/objects.js';
import { containerViolations } from './support/policy.js';
import { allows } from './support/rbac.js';

function operatorEnv(objects: readonly K8sObject[], prefix: string): Record<string, string> {
  const deployment = findObject(objects, 'Deployment', `${prefix}-operator`);
  assert.ok(deployment, 'operator Deployment');
  const container = asRecord(asArray(at(deployment, 'spec', 'template', 'spec', 'containers'))[0]);
  const out: Record<string, string> = { POD_NAMESPACE: NAMESPACE, POD_NAME: `${prefix}-operator-0` };
  for (const [k, v] of envOf(container)) if (v !== undefined) out[k] = v;
  return out;
}

function operatorRules(objects: readonly K8sObject[], prefix: string) {
  const sa = `${prefix}-operator`;
  const bound = objects.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && asArray(o['subjects']).some((s) => asRecord(s)['name'] === sa));
  return bound.flatMap((b) => {
    const role = findObject(objects, String(at(b, 'roleRef', 'kind')), String(at(b, 'roleRef', 'name')));
    assert.ok(role, `role of ${b.metadata.name}`);
    const ns = b.kind === 'RoleBinding' ? b.metadata.namespace ?? null : null;
    return rulesOf(role).map((r) => ({ ...r, namespace: ns }));
  });
}

const can = (rules: ReturnType<typeof operatorRules>, verb: string, apiGroup: string, resource: string, namespace: string | null, name: string | null): boolean =>
  allows(rules.filter((r) => r.namespace === null || r.namespace === namespace), { verb, apiGroup, resource, namespace, name });

describe('chart: the sidecar half', () => {
  const cases = chartCases().filter((c) => c.name.startsWith('sidecar-') || c.name === 'default');

  for (const c of cases) {
    it(`${c.name}: renders what the operator expects`, () => {
      const objects = renderObjects({ valuesFiles: [c.valuesFile], serviceMonitorApi: true });
      const webhook = objects.find((o) => o.kind === 'MutatingWebhookConfiguration');
      const sidecar = asRecord(c.values['sidecar']);
      const operatorOn = asRecord(c.values['operator'])['enabled'] !== false;
      if (sidecar['enabled'] === false) {
        assert.equal(webhook, undefined);
        assert.equal(findObject(objects, 'Service', `${c.prefix}-operator`), undefined);
        assert.ok(!objects.some((o) => o.metadata.name.endsWith('-sidecars')));
        return;
      }
      assert.ok(webhook, 'MutatingWebhookConfiguration');
      const hooks = asArray(webhook['webhooks']).map(asRecord);
      assert.deepEqual(hooks.map((h) => h['name']), ['namespace.sidecar.jussi.io', 'pod.sidecar.jussi.io']);
      const policy = String(asRecord(sidecar['webhook'])['failurePolicy'] ?? 'Ignore');
      for (const h of hooks) {
        assert.equal(h['failurePolicy'], policy);
        assert.deepEqual(h['admissionReviewVersions'], ['v1']);
        assert.equal(h['sideEffects'], 'NoneOnDryRun');
        const excluded = asArray(at(h, 'namespaceSelector', 'matchExpressions')).map(asRecord).find((e) => e['key'] === 'kubernetes.io/metadata.name');
        assert.deepEqual(asStrings(excluded?.['values']).slice(0, 4), ['kube-system', 'kube-public', 'kube-node-lease', NAMESPACE]);
      }
      const url = asRecord(sidecar['webhook'])['url'];
      if (typeof url === 'string' && url !== '') {
        for (const h of hooks) assert.deepEqual(at(h, 'clientConfig'), { url });
      }
      if (!operatorOn) {
        assert.equal(findObject(objects, 'Deployment', `${c.prefix}-operator`), undefined);
        return;
      }
      const env = operatorEnv(objects, c.prefix);
      const parsed = readOperatorSettings(env, 'host');
      assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
      const s = parsed.settings.sidecar;
      assert.equal(s.enabled, true);
      // The Service reaches the ports the operator listens on.
      const service = findObject(objects, 'Service', `${c.prefix}-operator`);
      assert.ok(service);
      const deployment = findObject(objects, 'Deployment', `${c.prefix}-operator`);
      const ports = Object.fromEntries(asArray(at(asRecord(asArray(at(deployment, 'spec', 'template', 'spec', 'containers'))[0]), 'ports')).map(asRecord).map((p) => [p['name'], p['containerPort']]));
      assert.equal(ports['webhook'], s.webhook.port);
      assert.equal(ports['config'], s.config.port);
      for (const h of hooks) assert.deepEqual(at(h, 'clientConfig', 'service'), { name: `${c.prefix}-operator`, namespace: NAMESPACE, path: '/mutate-v1-pod', port: 443 });
      assert.equal(s.template.operatorUrl, `https://${c.prefix}-operator.${NAMESPACE}.svc:${s.config.port}`);
      assert.ok(s.webhook.hosts.includes(`${c.prefix}-operator.${NAMESPACE}.svc`));
      const rules = operatorRules(objects, c.prefix);
      assert.ok(can(rules, 'create', 'authentication.k8s.io', 'tokenreviews', null, null), 'TokenReview');
      assert.ok(can(rules, 'create', '', 'events', 'payments', null), 'Events in application namespaces');
      assert.ok(!can(rules, 'create', '', 'secrets', NAMESPACE, null), 'never creates Secrets');
      const certManager = asRecord(sidecar['certificates'])['mode'] === 'cert-manager';
      if (certManager) {
        assert.equal(at(webhook, 'metadata', 'annotations', 'cert-manager.io/inject-ca-from'), `${NAMESPACE}/${c.prefix}-operator-webhook-tls`);
        const cert = findObject(objects, 'Certificate', `${c.prefix}-operator-webhook-tls`);
        assert.ok(cert);
        assert.equal(at(cert, 'spec', 'secretName'), `${c.prefix}-operator-webhook-tls`);
        assert.ok(asStrings(at(cert, 'spec', 'dnsNames')).includes(`${c.prefix}-operator.${NAMESPACE}.svc`));
        const mount = asArray(at(asRecord(asArray(at(deployment, 'spec', 'template', 'spec', 'containers'))[0]), 'volumeMounts')).map(asRecord).find((m) => m['name'] === 'webhook-certs');
        assert.equal(mount?.['mountPath'], s.webhook.certDir);
        assert.equal(s.webhook.configurationName, null, 'the CA injector fills the bundle');
        assert.ok(!can(rules, 'get', '', 'secrets', NAMESPACE, `${c.prefix}-operator-webhook-tls`), 'no Secret access with cert-manager');
        const issuer = asRecord(asRecord(asRecord(sidecar['certificates'])['certManager'])['issuerRef']);
        if (Object.keys(issuer).length > 0) assert.deepEqual(at(cert, 'spec', 'issuerRef'), issuer);
        else assert.ok(findObject(objects, 'Issuer', `${c.prefix}-webhook-ca`), 'the chart-made CA issuer');
      } else {
        const secret = findObject(objects, 'Secret', `${c.prefix}-operator-webhook-tls`);
        assert.ok(secret);
        assert.equal(secret['data'], undefined, 'rendered empty: the operator fills it');
        assert.deepEqual(s.webhook.secret, { namespace: NAMESPACE, name: `${c.prefix}-operator-webhook-tls` });
        assert.equal(s.webhook.configurationName, webhook.metadata.name);
        for (const verb of ['get', 'list', 'watch', 'update']) assert.ok(can(rules, verb, '', 'secrets', NAMESPACE, s.webhook.secret.name), `secrets ${verb}`);
        assert.ok(!can(rules, 'get', '', 'secrets', NAMESPACE, 'another-secret'));
        assert.ok(can(rules, 'patch', 'admissionregistration.k8s.io', 'mutatingwebhookconfigurations', null, webhook.metadata.name));
        assert.ok(!can(rules, 'patch', 'admissionregistration.k8s.io', 'mutatingwebhookconfigurations', null, 'someone-elses'));
      }
      // What the operator injects with these settings passes the chart's own container policy.
      const built = buildSidecar(s.template, {}, '-----BEGIN CERTIFICATE-----\n');
      assert.ok(built.ok);
      const pod: K8sObject = {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'apps' },
        spec: { template: { spec: { securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } }, automountServiceAccountToken: false, initContainers: [built.container], containers: [], volumes: built.volumes } } },
      } as unknown as K8sObject;
      assert.deepEqual(containerViolations([pod]).filter((v) => /jussi-proxy/.test(v)), []);
    });
  }
});
