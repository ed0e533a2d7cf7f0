import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOperatorSettings } from '@jussi/operator/settings';

describe('operator settings', () => {
  it('defaults from the pod namespace and identity', () => {
    const r = readOperatorSettings({ POD_NAMESPACE: 'jussi-system', POD_NAME: 'op-0' }, 'host');
    assert.ok(r.ok);
    const s = r.settings;
    assert.equal(s.identity, 'op-0');
    assert.deepEqual(s.configMap, { namespace: 'jussi-system', name: 'jussi-proxy-config' });
    assert.equal(s.proxyNamespace, 'jussi-system');
    assert.equal(s.proxyAdminPort, 9090);
    assert.equal(s.lease.name, 'jussi-operator-leader');
    assert.equal(s.lease.durationMs, 15000);
    assert.equal(s.lease.renewDeadlineMs, 10000);
    assert.equal(s.lease.retryPeriodMs, 2000);
    assert.equal(s.debounceMs, 100);
    assert.equal(s.debounceMaxMs, 500);
    assert.deepEqual(s.watchNamespaces, []);
    assert.deepEqual(s.limits, { batchSizeLimit: 50, accountHistoryLimit: 100, customJsonOpLength: 8192, accountsBlacklist: [] });
    assert.deepEqual(s.kubeApi, { qps: 50, burst: 100 });
  });

  it('reads the API write rate (QPS may be fractional, burst is whole)', () => {
    const r = readOperatorSettings({ OPERATOR_KUBE_API_QPS: '7.5', OPERATOR_KUBE_API_BURST: '15' }, 'h');
    assert.ok(r.ok);
    assert.deepEqual(r.settings.kubeApi, { qps: 7.5, burst: 15 });
    for (const [name, value] of [['OPERATOR_KUBE_API_QPS', '0'], ['OPERATOR_KUBE_API_QPS', 'fast'], ['OPERATOR_KUBE_API_BURST', '0'], ['OPERATOR_KUBE_API_BURST', '1.5']] as const) {
      const bad = readOperatorSettings({ [name]: value }, 'h');
      assert.ok(!bad.ok, `${name}=${value}`);
      assert.deepEqual(bad.errors.map((e) => e.variable), [name]);
    }
  });

  it('reads lists, limits and references', () => {
    const r = readOperatorSettings({
      OPERATOR_WATCH_NAMESPACES: 'a, b',
      OPERATOR_CONFIGMAP: 'ops/cfg',
      OPERATOR_LIMITS_ACCOUNTS_BLACKLIST: 'spam,bot',
      OPERATOR_LIMITS_BATCH_SIZE: '100',
    }, 'host-1');
    assert.ok(r.ok);
    assert.equal(r.settings.identity, 'host-1');
    assert.deepEqual(r.settings.watchNamespaces, ['a', 'b']);
    assert.deepEqual(r.settings.configMap, { namespace: 'ops', name: 'cfg' });
    assert.deepEqual(r.settings.limits.accountsBlacklist, ['spam', 'bot']);
    assert.equal(r.settings.limits.batchSizeLimit, 100);
  });

  it('names each bad variable', () => {
    const r = readOperatorSettings({ OPERATOR_CONFIGMAP: 'nope', OPERATOR_PROXY_ADMIN_PORT: '70000', OPERATOR_LEASE_DURATION: '1', LOG_LEVEL: 'loud' }, 'h');
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => e.variable).sort(), ['LOG_LEVEL', 'OPERATOR_CONFIGMAP', 'OPERATOR_LEASE_DURATION', 'OPERATOR_PROXY_ADMIN_PORT']);
  });
});
