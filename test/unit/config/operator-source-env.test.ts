// JUSSI_CONFIG_OPERATOR_*: the sidecar's operator config source, validated once at start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSettings } from '@jussi/proxy/config/env';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('operator config source settings', () => {
  it('is off by default and reads its variables when the URL is set', () => {
    const off = readSettings({});
    assert.ok(off.ok);
    assert.equal(off.settings.source.operator, null);
    const on = readSettings({ JUSSI_CONFIG_OPERATOR_URL: 'https://jussi-operator.jussi.svc:9444', JUSSI_CONFIG_OPERATOR_CA: PEM, JUSSI_CONFIG_OPERATOR_WAIT: '45', JUSSI_UPSTREAM_CONFIG_FILE: '/etc/jussi/config/config.json' });
    assert.ok(on.ok);
    assert.deepEqual(on.settings.source.operator, {
      url: 'https://jussi-operator.jussi.svc:9444', tokenFile: '/var/run/secrets/jussi.io/serviceaccount/token', caPem: PEM.trim(), caFile: null, waitSeconds: 45,
    });
    assert.equal(on.settings.source.configFile, '/etc/jussi/config/config.json');
  });

  it('names the variable and what is accepted', () => {
    const rows: [Record<string, string>, string, RegExp][] = [
      [{ JUSSI_CONFIG_OPERATOR_URL: 'ftp://op' }, 'JUSSI_CONFIG_OPERATOR_URL', /base URL of the operator config server/],
      [{ JUSSI_CONFIG_OPERATOR_URL: 'https://op:9444/v1/config' }, 'JUSSI_CONFIG_OPERATOR_URL', /base URL/],
      [{ JUSSI_CONFIG_OPERATOR_URL: 'https://op', JUSSI_CONFIG_CONFIGMAP: 'jussi/cfg' }, 'JUSSI_CONFIG_OPERATOR_URL', /not both/],
      [{ JUSSI_CONFIG_OPERATOR_URL: 'https://op', JUSSI_CONFIG_OPERATOR_CA: 'not a pem' }, 'JUSSI_CONFIG_OPERATOR_CA', /PEM certificates/],
      [{ JUSSI_CONFIG_OPERATOR_URL: 'https://op', JUSSI_CONFIG_OPERATOR_CA: PEM, JUSSI_CONFIG_OPERATOR_CA_FILE: '/ca.crt' }, 'JUSSI_CONFIG_OPERATOR_CA_FILE', /not both/],
      [{ JUSSI_CONFIG_OPERATOR_URL: 'https://op', JUSSI_CONFIG_OPERATOR_WAIT: '0' }, 'JUSSI_CONFIG_OPERATOR_WAIT', />= 1/],
    ];
    for (const [env, variable, message] of rows) {
      const r = readSettings(env);
      assert.ok(!r.ok, JSON.stringify(env));
      const e = r.errors.find((x) => x.variable === variable);
      assert.ok(e, `${variable} in ${JSON.stringify(r.errors)}`);
      assert.match(e.message, message);
    }
  });
});
