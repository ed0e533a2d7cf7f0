// Tracing on, collector gone: OTEL_EXPORTER_OTLP_ENDPOINT names a closed port. Requests through
// the real proxy neither fail nor wait for the exporter, nothing rejects unhandled, and the
// proxy still stops within its bound.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { asAnswer, asBatch, call, DEADLINE_MS, rpc, Teardown, waitFor } from './harness.js';

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const OTEL_ENV = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_EXPORTER_OTLP_TIMEOUT'] as const;

describe('a dead trace collector', () => {
  const teardown = new Teardown();
  const problems: unknown[] = [];
  const onProblem = (e: unknown): void => {
    problems.push(e);
  };
  let up: FakeUpstream;
  let proxy: TestProxy | undefined;

  before(async () => {
    process.on('unhandledRejection', onProblem);
    teardown.add(null, () => process.off('unhandledRejection', onProblem));
    up = teardown.add(await startFakeUpstream(), (u) => u.close());
    // Exports are attempted often and each may hang for 10 s: a request that waited would show.
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_TIMEOUT: '10000' };
    teardown.add(null, () => {
      for (const name of OTEL_ENV) delete process.env[name];
    });
    Object.assign(process.env, env);
    proxy = await startTestProxy(
      {
        upstreams: [
          {
            name: 'appbase',
            urls: [['appbase', up.httpUrl('/appbase')]],
            ttls: [['appbase.condenser_api.get_content', 60]],
            timeouts: [['appbase', 10]],
          },
        ],
      },
      { ...env, LOG_LEVEL: 'INFO' },
    );
    teardown.add(null, () => proxy?.stop());
  });
  after(() => teardown.run());

  it('neither fails nor slows requests, and the proxy stops within its bound', async () => {
    const running = proxy as TestProxy;
    let slowest = 0;
    for (let round = 0; round < 40; round++) {
      const started = Date.now();
      const [single, repeat, batch] = await Promise.all([
        rpc(running.url, call('condenser_api.get_content', ['dead', `collector-${round}`], round)),
        rpc(running.url, call('condenser_api.get_content', ['dead', 'collector-0'], `r${round}`)),
        rpc(running.url, [call('condenser_api.get_config', [], 1), call('condenser_api.get_version', [], 2)]),
      ]);
      slowest = Math.max(slowest, Date.now() - started);
      assert.equal(asAnswer(single.json).id, round);
      assert.equal(asAnswer(single.json).error, undefined);
      assert.equal(asAnswer(repeat.json).error, undefined);
      assert.deepEqual(
        asBatch(batch.json).map((a) => a.error),
        [undefined, undefined],
      );
    }
    // Each round waits for no export: with a 10 s export timeout, one that did would take longer.
    assert.ok(slowest < 5000, `every round answered in under 5 s (slowest ${slowest} ms)`);
    // The exports were attempted, and failed: said once (rate-limited) at WARN, never as an error.
    await waitFor(() => running.logs.records().some((r) => r['level'] === 'WARN' && String(r['message']).startsWith('tracing:')), {
      timeoutMs: DEADLINE_MS,
      message: 'the failed export is logged',
    });
    assert.ok(
      running.logs.records().every((r) => r['level'] !== 'ERROR'),
      `no ERROR lines: ${running.logs.lines.filter((l) => l.includes('"ERROR"')).join('\n')}`,
    );

    const stopping = Date.now();
    proxy = undefined;
    await running.stop();
    assert.ok(Date.now() - stopping < 20_000, 'the span flush at shutdown is bounded');
    assert.deepEqual(problems, [], 'no unhandled rejections');
  });
});
