// The probes of the real proxy: /health, /health/live and /health/ready answer the same on the
// traffic port and the admin port; ready only once a valid config is loaded (a proxy waiting for
// its ConfigMap on a fake Kubernetes API is live but not ready, then ready when it appears).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { FakeKube, writeFakeKubeconfig } from '../../support/fake-kube/index.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { asAnswer, call, DEADLINE_MS, getJson, rpc, state, Teardown, waitFor } from './harness.js';

function config(up: FakeUpstream): Record<string, unknown> {
  return { upstreams: [{ name: 'appbase', urls: [['appbase', up.httpUrl('/appbase')]], ttls: [], timeouts: [['appbase', 10]] }] };
}

function bases(proxy: TestProxy): [string, string][] {
  return [
    ['traffic port', proxy.url],
    ['admin port', proxy.adminUrl],
  ];
}

describe('probes', () => {
  let teardown = new Teardown();
  afterEach(async () => {
    const done = teardown;
    teardown = new Teardown();
    await done.run();
  });

  it('answer on both ports once a config is loaded', async () => {
    const up = teardown.add(await startFakeUpstream(), (u) => u.close());
    const proxy = teardown.add(await startTestProxy(config(up)), (p) => p.stop());
    const hash = (await state(proxy)).configHash;
    for (const [where, base] of bases(proxy)) {
      const h = await getJson(`${base}/health`);
      assert.equal(h.status, 200, where);
      assert.equal(h.json['status'], 'OK');
      assert.ok('jussi_num' in h.json, `${where}: jussi's jussi_num`);
      assert.equal(h.json['ready'], true);
      assert.equal(h.json['degraded'], false);
      assert.deepEqual(h.json['redis'], { status: 'disabled' });
      assert.match(String(h.json['datetime']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);

      const live = await getJson(`${base}/health/live`);
      assert.equal(live.status, 200, where);
      assert.equal(live.json['status'], 'live');

      const ready = await getJson(`${base}/health/ready`);
      assert.equal(ready.status, 200, where);
      assert.equal(ready.json['status'], 'ready');
      assert.equal(ready.json['config_hash'], hash);

      const head = await fetch(`${base}/health/ready`, { method: 'HEAD' });
      assert.equal(head.status, 200, `${where}: HEAD works for probes`);

      // Another method: 405 naming the methods the probe takes.
      const post = await fetch(`${base}/health`, { method: 'POST', body: '{}' });
      assert.equal(post.status, 405, where);
      assert.equal(post.headers.get('allow'), 'GET, HEAD', where);
      assert.match(await post.text(), /POST not allowed on \/health; use GET, HEAD/, where);
    }
  });

  it('are live but not ready until the first valid config arrives', async () => {
    const up = teardown.add(await startFakeUpstream(), (u) => u.close());
    const kube = teardown.add(await FakeKube.start({ bookmarkIntervalMs: 200 }), (k) => k.close());
    const dir = teardown.add(mkdtempSync(join(tmpdir(), 'jussi-e2e-kube-')), (d) => rmSync(d, { recursive: true, force: true }));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFakeKubeconfig(kubeconfig, kube.url, 'jussi');
    // The Kubernetes client reads KUBECONFIG from the process environment.
    const previous = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = kubeconfig;
    teardown.add(previous, (p) => {
      if (p === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = p;
    });
    const proxy = teardown.add(await startTestProxy(config(up), { JUSSI_CONFIG_CONFIGMAP: 'jussi/proxy-config', KUBECONFIG: kubeconfig }), (p) => p.stop());

    for (const [where, base] of bases(proxy)) {
      const ready = await getJson(`${base}/health/ready`);
      assert.equal(ready.status, 503, `${where}: not ready without a config`);
      assert.equal(ready.json['status'], 'not ready');
      assert.match(String(ready.json['reason']), /proxy-config|config/, `${where}: the reason names what is missing (${String(ready.json['reason'])})`);
      assert.equal((await getJson(`${base}/health/live`)).status, 200, `${where}: live all the same`);
      const h = await getJson(`${base}/health`);
      assert.equal(h.status, 200);
      assert.equal(h.json['ready'], false);
    }
    const early = await rpc(proxy.url, call('condenser_api.get_config', []));
    assert.equal(early.status, 503, 'a request before any config is refused as not ready');
    assert.equal(typeof asAnswer(early.json).error?.code, 'number');

    kube.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'proxy-config', namespace: 'jussi' },
      data: { 'config.json': JSON.stringify(config(up)) },
    });
    for (const [where, base] of bases(proxy)) {
      await waitFor(async () => (await getJson(`${base}/health/ready`)).status === 200, { timeoutMs: DEADLINE_MS, message: `${where} ready` });
    }
    const hash = (await state(proxy)).configHash;
    assert.match(hash ?? '', /^[0-9a-f]{64}$/);
    assert.equal((await getJson(`${proxy.url}/health/ready`)).json['config_hash'], hash);
    const served = await rpc(proxy.url, call('condenser_api.get_config', []));
    assert.equal(served.status, 200);
    assert.equal(asAnswer(served.json).error, undefined);
  });
});
