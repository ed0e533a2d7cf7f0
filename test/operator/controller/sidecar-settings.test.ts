// The operator's sidecar settings: defaults derived from the pod namespace, and every bad value
// named with what is accepted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOperatorSettings } from '@jussi/operator/settings';

describe('operator sidecar settings', () => {
  it('is off by default, with defaults derived from the pod namespace', () => {
    const r = readOperatorSettings({ POD_NAMESPACE: 'jussi' }, 'host');
    assert.ok(r.ok);
    const s = r.settings.sidecar;
    assert.equal(s.enabled, false);
    assert.equal(s.webhook.port, 9443);
    assert.equal(s.config.port, 9444);
    assert.deepEqual(s.webhook.secret, { namespace: 'jussi', name: 'jussi-operator-webhook-tls' });
    assert.deepEqual(s.webhook.hosts, ['jussi-operator.jussi.svc', 'jussi-operator.jussi.svc.cluster.local']);
    assert.deepEqual(s.webhook.excludedNamespaces, ['kube-system', 'kube-public', 'kube-node-lease', 'jussi']);
    assert.equal(s.template.operatorUrl, 'https://jussi-operator.jussi.svc:9444');
    assert.equal(s.template.audience, 'jussi-operator');
    assert.deepEqual(s.template.resources, { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } });
    assert.equal(s.webhook.certDir, null);
    assert.equal(s.webhook.configurationName, null);
  });

  it('reads the chart\'s variables', () => {
    const r = readOperatorSettings({
      POD_NAMESPACE: 'rpc', OPERATOR_SIDECARS: 'true', OPERATOR_WEBHOOK_SERVICE: 'rpc/rpc-operator', OPERATOR_WEBHOOK_CERT_DIR: '/certs',
      OPERATOR_WEBHOOK_CONFIGURATION: 'rpc-sidecar-injector', OPERATOR_INJECT_EXCLUDE_NAMESPACES: 'monitoring', OPERATOR_CONFIG_NAMESPACES: 'apps,web',
      OPERATOR_SIDECAR_IMAGE: 'repo/jussi:1', OPERATOR_SIDECAR_CPU_LIMIT: '500m', OPERATOR_SIDECAR_MEMORY_LIMIT: 'none', OPERATOR_SIDECAR_ENV: '{"LOG_LEVEL":"WARN"}',
    }, 'host');
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    const s = r.settings.sidecar;
    assert.equal(s.enabled, true);
    assert.equal(s.webhook.certDir, '/certs');
    assert.equal(s.webhook.configurationName, 'rpc-sidecar-injector');
    assert.equal(s.template.operatorUrl, 'https://rpc-operator.rpc.svc:9444');
    assert.deepEqual(s.config.allowedNamespaces, ['apps', 'web']);
    assert.ok(s.webhook.excludedNamespaces.includes('monitoring'));
    assert.deepEqual(s.template.resources.limits, { cpu: '500m' });
    assert.deepEqual(s.template.env, [{ name: 'LOG_LEVEL', value: 'WARN' }]);
  });

  it('names each bad variable', () => {
    const rows: [Record<string, string>, string][] = [
      [{ OPERATOR_SIDECARS: 'maybe' }, 'OPERATOR_SIDECARS'],
      [{ OPERATOR_WEBHOOK_PORT: '70000' }, 'OPERATOR_WEBHOOK_PORT'],
      [{ OPERATOR_SIDECAR_MEMORY_LIMIT: 'lots' }, 'OPERATOR_SIDECAR_MEMORY_LIMIT'],
      [{ OPERATOR_SIDECAR_ENV: '[1]' }, 'OPERATOR_SIDECAR_ENV'],
      [{ OPERATOR_SIDECAR_IMAGE_PULL_POLICY: 'Sometimes' }, 'OPERATOR_SIDECAR_IMAGE_PULL_POLICY'],
      [{ OPERATOR_CONFIG_NAMESPACES: 'Bad_NS' }, 'OPERATOR_CONFIG_NAMESPACES'],
      [{ OPERATOR_CERT_VALIDITY_DAYS: '-1' }, 'OPERATOR_CERT_VALIDITY_DAYS'],
      [{ OPERATOR_SIDECAR_ADMIN_PORT: '9000' }, 'OPERATOR_SIDECAR_ADMIN_PORT'],
      [{ OPERATOR_WEBHOOK_SERVICE: 'just-a-name' }, 'OPERATOR_WEBHOOK_SERVICE'],
    ];
    for (const [env, variable] of rows) {
      const r = readOperatorSettings(env, 'host');
      assert.ok(!r.ok, JSON.stringify(env));
      assert.ok(r.errors.some((e) => e.variable === variable), `${variable}: ${JSON.stringify(r.errors)}`);
    }
  });
});
