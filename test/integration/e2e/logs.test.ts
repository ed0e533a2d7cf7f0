// The proxy's log lines, parsed from what the real proxy wrote while serving real requests: one
// access line per request with the README's field names, sampling that never drops errors,
// request and response bodies only at DEBUG, and no secret in any line, in /state, /health or
// /metrics (a bearer token, a Redis password, an upstream password).
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type ProxyEnv, type TestProxy } from '../../support/proxy.js';
import { RedisServer } from '../../support/redis/redis-server.js';
import { accessLines, asAnswer, asBatch, call, DEADLINE_MS, health, rpc, state, Teardown, waitFor, waitForAccessLine } from './harness.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('log lines', () => {
  let teardown = new Teardown();
  afterEach(async () => {
    const done = teardown;
    teardown = new Teardown();
    await done.run();
  });

  async function setup(env: ProxyEnv, extraUpstreams: unknown[] = []): Promise<{ up: FakeUpstream; proxy: TestProxy; brokenUrl: string }> {
    const up = teardown.add(await startFakeUpstream(), (u) => u.close());
    const brokenUrl = `http://127.0.0.1:${await closedPort()}/`;
    const doc = {
      upstreams: [
        {
          name: 'appbase',
          urls: [['appbase', up.httpUrl('/appbase')]],
          ttls: [['appbase.condenser_api.get_content', 60]],
          timeouts: [['appbase', 10]],
        },
        { name: 'broken', urls: [['broken', brokenUrl]], ttls: [['broken', -1]], timeouts: [['broken', 5]] },
        ...extraUpstreams,
      ],
    };
    const proxy = teardown.add(await startTestProxy(doc, { LOG_LEVEL: 'INFO', ...env }), (p) => p.stop());
    return { up, proxy, brokenUrl };
  }

  it('writes one access line per request with the README fields', async () => {
    const { up, proxy, brokenUrl } = await setup({});

    const ok = await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'logged'], 1), { 'x-jussi-request-id': 'log-ok-1' });
    assert.equal(ok.headers.get('x-jussi-request-id'), 'log-ok-1');
    const line = await waitForAccessLine(proxy, 'log-ok-1');
    assert.match(String(line['timestamp']), RFC3339);
    assert.ok(Number.isFinite(Date.parse(String(line['timestamp']))));
    assert.equal(line['level'], 'INFO');
    assert.equal(line['message'], 'request');
    assert.equal(line['service'], 'jussi');
    assert.equal(line['namespace'], 'appbase');
    assert.equal(line['api'], 'condenser_api');
    assert.equal(line['method'], 'get_content');
    assert.equal(line['upstream'], up.httpUrl('/appbase'));
    assert.equal(line['cache_hit'], false);
    assert.equal(typeof line['duration_ms'], 'number');
    assert.ok((line['duration_ms'] as number) >= 0);
    assert.equal(line['error'], undefined);
    assert.equal(line['trace_id'], undefined, 'no trace ids while tracing is off');
    assert.equal(accessLines(proxy).filter((r) => r['request_id'] === 'log-ok-1').length, 1, 'exactly one line');

    // A request without an id gets one: the line names the id the client was given.
    const generated = await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'logged'], 2));
    const id = generated.headers.get('x-jussi-request-id') ?? '';
    assert.match(id, /^\d+$/);
    const hitLine = await waitForAccessLine(proxy, id);
    assert.ok(hitLine['cache_hit'] === 'memory' || hitLine['cache_hit'] === true, `a cache hit says so (${String(hitLine['cache_hit'])})`);

    const failed = await rpc(proxy.url, call('broken.get_thing', [], 3), { 'x-jussi-request-id': 'log-failed-1' });
    const code = asAnswer(failed.json).error?.code;
    const errorLine = await waitForAccessLine(proxy, 'log-failed-1');
    assert.equal(errorLine['namespace'], 'broken');
    assert.equal(errorLine['upstream'], brokenUrl);
    const error = errorLine['error'] as Record<string, unknown> | undefined;
    assert.equal(typeof error?.['type'], 'string');
    assert.equal(typeof error?.['message'], 'string');
    assert.equal(error?.['code'], code);

    const invalid = await rpc(proxy.url, call('nosuchnamespace.method', [], 4), { 'x-jussi-request-id': 'log-invalid-1' });
    const invalidLine = await waitForAccessLine(proxy, 'log-invalid-1');
    assert.equal((invalidLine['error'] as Record<string, unknown> | undefined)?.['code'], asAnswer(invalid.json).error?.code);

    const batch = await rpc(proxy.url, [call('condenser_api.get_config', [], 1), call('broken.get_thing', [], 2)], { 'x-jussi-request-id': 'log-batch-1' });
    assert.equal(asBatch(batch.json).length, 2);
    const batchLine = await waitForAccessLine(proxy, 'log-batch-1');
    assert.equal(batchLine['batch_size'], 2);
    assert.equal(accessLines(proxy).filter((r) => r['request_id'] === 'log-batch-1').length, 1, 'one line for the whole batch');
  });

  it('LOG_ACCESS_SAMPLE_RATE=0 logs only the requests that failed', async () => {
    const { proxy } = await setup({ LOG_ACCESS_SAMPLE_RATE: '0' });
    for (let i = 0; i < 20; i++) await rpc(proxy.url, call('condenser_api.get_config', [], i), { 'x-jussi-request-id': `sampled-out-${i}` });
    await rpc(proxy.url, call('broken.get_thing', []), { 'x-jussi-request-id': 'sampled-error' });
    const line = await waitForAccessLine(proxy, 'sampled-error');
    assert.equal((line['error'] as Record<string, unknown> | undefined)?.['code'], -32603);
    assert.deepEqual(
      accessLines(proxy).map((r) => r['request_id']),
      ['sampled-error'],
    );
  });

  it('logs request and response bodies at DEBUG only, truncated', async () => {
    const marker = `debug-body-${'x'.repeat(10_000)}`;
    const { up, proxy } = await setup({ LOG_LEVEL: 'DEBUG' });
    up.on({ method: 'condenser_api.get_config' }, () => ({ result: { answer: 'debug-response-marker', pad: 'y'.repeat(10_000) } }));
    await rpc(proxy.url, call('condenser_api.get_config', [marker]), { 'x-jussi-request-id': 'debug-bodies' });
    await waitForAccessLine(proxy, 'debug-bodies');
    const debug = proxy.logs.lines.filter((l) => l.includes('"level":"DEBUG"'));
    const withRequest = debug.filter((l) => l.includes('debug-body-xxxx'));
    const withResponse = debug.filter((l) => l.includes('debug-response-marker'));
    assert.ok(withRequest.length > 0, 'a DEBUG line carries the request body');
    assert.ok(withResponse.length > 0, 'a DEBUG line carries the response body');
    for (const l of [...withRequest, ...withResponse]) assert.ok(l.length < 8_000, `bodies are truncated (a ${l.length}-character line)`);

    const { proxy: quiet } = await setup({ LOG_LEVEL: 'INFO' });
    await rpc(quiet.url, call('condenser_api.get_config', [marker]), { 'x-jussi-request-id': 'info-bodies' });
    await waitForAccessLine(quiet, 'info-bodies');
    assert.equal(quiet.logs.lines.filter((l) => l.includes('debug-body-xxxx')).length, 0, 'no bodies at INFO');
  });

  it('never writes a secret: bearer tokens, Redis and upstream passwords stay out of logs, /state, /health and /metrics', async () => {
    const bearer = 's3cret';
    const redisPassword = 'rpw-Qx7vZ9';
    const upstreamPassword = 'upw-Lm4kT2';
    const redis = teardown.add(await RedisServer.start({ password: redisPassword }), (r) => r.stop());
    assert.equal(redis.url, `redis://:${redisPassword}@127.0.0.1:${redis.port}`);
    const privateUp = teardown.add(await startFakeUpstream(), (u) => u.close());
    const privateUrl = privateUp.httpUrl('/private').replace('http://', `http://jussi:${upstreamPassword}@`);
    const { proxy } = await setup({ LOG_LEVEL: 'DEBUG', JUSSI_REDIS_URL: redis.url }, [
      { name: 'private', urls: [['private', privateUrl]], ttls: [['private', 60]], timeouts: [['private', 5]] },
    ]);
    await waitFor(async () => (await state(proxy)).redis === 'up', { timeoutMs: DEADLINE_MS, message: 'redis up (the password works)' });

    const headers = { authorization: `Bearer ${bearer}`, 'x-api-key': bearer, cookie: `session=${bearer}` };
    await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'secret'], 1), { ...headers, 'x-jussi-request-id': 'secret-1' });
    await rpc(proxy.url, call('private.get_thing', [], 2), { ...headers, 'x-jussi-request-id': 'secret-2' });
    await rpc(proxy.url, call('broken.get_thing', [], 3), { ...headers, 'x-jussi-request-id': 'secret-3' });
    // A Redis outage makes the proxy talk about its Redis.
    await redis.kill();
    await waitFor(async () => (await state(proxy)).redis === 'down', { timeoutMs: DEADLINE_MS, message: 'redis down' });
    await rpc(proxy.url, call('condenser_api.get_content', ['alice', 'outage'], 4), headers);
    await redis.restart();
    await waitFor(async () => (await state(proxy)).redis === 'up', { timeoutMs: DEADLINE_MS, message: 'redis up again' });
    await waitForAccessLine(proxy, 'secret-3');

    const surfaces: [string, string][] = [
      ...proxy.logs.lines.map((l, i): [string, string] => [`log line ${i}`, l]),
      ['/state', JSON.stringify(await state(proxy))],
      ['/health (traffic)', JSON.stringify(await health(proxy.url))],
      ['/health (admin)', JSON.stringify(await health(proxy.adminUrl))],
      ['/metrics', await (await fetch(`${proxy.adminUrl}/metrics`)).text()],
    ];
    // The surfaces do speak of the Redis and the upstream whose URLs hold the passwords.
    assert.ok(
      proxy.logs.records().some((r) => String(r['redis']).includes(`127.0.0.1:${redis.port}`)),
      'the Redis state changes are logged with the (redacted) URL',
    );
    assert.ok(JSON.stringify(await state(proxy)).includes(`127.0.0.1:${privateUp.port}/private`), '/state lists the private upstream');
    assert.ok((await waitForAccessLine(proxy, 'secret-2'))['upstream'] !== undefined);
    for (const [where, text] of surfaces) {
      for (const secret of [bearer, redisPassword, upstreamPassword]) {
        assert.equal(text.includes(secret), false, `${where} contains the secret ${secret}: ${text.slice(0, 500)}`);
      }
    }
  });
});
