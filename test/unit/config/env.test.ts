import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBoolean, readSettings } from '@jussi/proxy/config/env';

describe('env settings', () => {
  it('uses jussi defaults when nothing is set', () => {
    const r = readSettings({});
    assert.ok(r.ok);
    const s = r.settings;
    assert.equal(s.server.host, '0.0.0.0');
    assert.equal(s.server.port, 9000);
    assert.equal(s.server.tcpBacklog, 100);
    assert.equal(s.server.requestMaxSize, 262144);
    assert.equal(s.jsonrpc.batchSizeLimit, 50);
    assert.equal(s.jsonrpc.responseTimeoutMs, 65000);
    assert.equal(s.upstream.websocketPoolMinSize, 8);
    assert.equal(s.upstream.websocketPoolMaxSize, 8);
    assert.equal(s.upstream.websocketMaxMessageSize, null);
    assert.equal(s.upstream.testUpstreamUrls, true);
    assert.equal(s.cache.readTimeoutMs, 1000);
    assert.equal(s.cache.memoryMaxTtlSeconds, 180);
    assert.equal(s.cache.redisUrl, null);
    assert.equal(s.cache.lirbPollIntervalSeconds, 3);
    assert.equal(s.cache.irreversibleTtlSeconds, 0);
    assert.equal(s.admin.port, 9090);
    assert.equal(s.admin.prometheusPath, '/metrics');
    assert.equal(s.log.level, 'INFO');
    assert.equal(s.tracing.enabled, false);
    assert.equal(s.tracing.serviceName, 'jussi');
    assert.equal(s.source.configFile, null);
    assert.equal(s.build.sourceCommit, '');
  });

  it('binds the admin port where a loopback JUSSI_SERVER_HOST is, unless JUSSI_ADMIN_HOST says otherwise', () => {
    const host = (env: Record<string, string>): string => {
      const r = readSettings(env);
      assert.ok(r.ok);
      return r.settings.admin.host;
    };
    assert.equal(host({}), '0.0.0.0', 'pod-friendly default');
    assert.equal(host({ JUSSI_SERVER_HOST: '127.0.0.1' }), '127.0.0.1');
    assert.equal(host({ JUSSI_SERVER_HOST: '127.0.0.2' }), '127.0.0.2');
    assert.equal(host({ JUSSI_SERVER_HOST: '::1' }), '::1');
    assert.equal(host({ JUSSI_SERVER_HOST: 'localhost' }), 'localhost');
    assert.equal(host({ JUSSI_SERVER_HOST: '10.1.2.3' }), '0.0.0.0', 'only loopback is followed');
    assert.equal(host({ JUSSI_SERVER_HOST: '127.0.0.1', JUSSI_ADMIN_HOST: '0.0.0.0' }), '0.0.0.0', 'an explicit admin host wins');
  });

  it('limits upstream answers to 32 MiB by default; JUSSI_UPSTREAM_MAX_RESPONSE_SIZE changes or lifts it', () => {
    const limits = (env: Record<string, string>): [number | null, number | null] => {
      const r = readSettings(env);
      assert.ok(r.ok);
      return [r.settings.upstream.maxResponseSize, r.settings.upstream.websocketMaxMessageSize];
    };
    assert.deepEqual(limits({}), [32 * 1024 * 1024, null]);
    assert.deepEqual(limits({ JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: '1000' }), [1000, null]);
    assert.deepEqual(limits({ JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: 'none' }), [null, null]);
    assert.deepEqual(limits({ JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: '0' }), [null, null]);
    assert.deepEqual(limits({ JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE: '500' }), [32 * 1024 * 1024, 500]);
    const bad = readSettings({ JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: 'big' });
    assert.ok(!bad.ok);
    assert.equal(bad.errors[0]?.variable, 'JUSSI_UPSTREAM_MAX_RESPONSE_SIZE');
  });

  it('accepts jussi boolean words in any case', () => {
    for (const w of ['y', 'YES', 't', 'True', 'on', '1']) assert.equal(parseBoolean(w), true, w);
    for (const w of ['n', 'No', 'f', 'FALSE', 'off', '0']) assert.equal(parseBoolean(w), false, w);
    assert.equal(parseBoolean('maybe'), undefined);
  });

  it('names the variable, the value and what is accepted', () => {
    const r = readSettings({ JUSSI_SERVER_PORT: 'abc', JUSSI_MONITOR_ROUTE: 'perhaps', JUSSI_REDIS_URL: 'http://x' });
    assert.ok(!r.ok);
    const byVar = new Map(r.errors.map((e) => [e.variable, e]));
    assert.match(byVar.get('JUSSI_SERVER_PORT')?.message ?? '', /integer/);
    assert.match(byVar.get('JUSSI_MONITOR_ROUTE')?.message ?? '', /boolean/);
    assert.match(byVar.get('JUSSI_REDIS_URL')?.message ?? '', /scheme/);
  });

  it('reads replica lists, seconds and the ConfigMap reference', () => {
    const r = readSettings({
      JUSSI_REDIS_READ_REPLICA_URLS: 'redis://a:6379 redis://b:6379',
      JUSSI_CACHE_READ_TIMEOUT: '0.25',
      JUSSI_CONFIG_CONFIGMAP: 'jussi-system/jussi-proxy-config',
      JUSSI_DEBUG: 'yes',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    });
    assert.ok(r.ok);
    assert.deepEqual(r.settings.cache.redisReadReplicaUrls, ['redis://a:6379', 'redis://b:6379']);
    assert.equal(r.settings.cache.readTimeoutMs, 250);
    assert.deepEqual(r.settings.source.configMap, { namespace: 'jussi-system', name: 'jussi-proxy-config' });
    assert.equal(r.settings.log.level, 'DEBUG');
    assert.equal(r.settings.tracing.enabled, true);
  });

  it('rejects a pool minimum above its maximum', () => {
    const r = readSettings({ JUSSI_WEBSOCKET_POOL_MINSIZE: '9', JUSSI_WEBSOCKET_POOL_MAXSIZE: '4' });
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.variable, 'JUSSI_WEBSOCKET_POOL_MINSIZE');
  });
});
